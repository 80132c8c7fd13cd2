//! The collector's per-partner token bucket: in Redis when configured (shared by every
//! process using that Redis), in memory otherwise.
//!
//! A bucket holds at most `capacidad` tokens and gains `recarga_por_segundo` tokens a
//! second; each event takes one. In Redis the whole read-refill-take step is one Lua
//! script, so it is atomic across processes, and the clock is Redis's `TIME`, so
//! processes with skewed clocks still share one rate.

mod memory;
mod redis;

use std::fmt;

pub use memory::LimitadorMemoria;
pub use redis::LimitadorRedis;

/// Size and refill of the per-partner bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimiteTasa {
    /// Burst: tokens a full bucket holds (≥ 1).
    pub capacidad: u32,
    /// Tokens added per second (≥ 1).
    pub recarga_por_segundo: u32,
}

impl Default for LimiteTasa {
    fn default() -> Self {
        Self {
            capacidad: 100,
            recarga_por_segundo: 20,
        }
    }
}

/// Why a rate-limit setting was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid rate limit '{0}': expected CAPACITY/REFILL_PER_SECOND with both ≥ 1, e.g. 100/20")]
pub struct LimiteInvalido(String);

impl std::str::FromStr for LimiteTasa {
    type Err = LimiteInvalido;

    /// Parses `"100/20"` (capacity 100, 20 tokens a second).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalido = || LimiteInvalido(s.to_owned());
        let (capacidad, recarga) = s.trim().split_once('/').ok_or_else(invalido)?;
        let capacidad: u32 = capacidad.trim().parse().map_err(|_| invalido())?;
        let recarga: u32 = recarga.trim().parse().map_err(|_| invalido())?;
        if capacidad == 0 || recarga == 0 {
            return Err(invalido());
        }
        Ok(Self {
            capacidad,
            recarga_por_segundo: recarga,
        })
    }
}

impl fmt::Display for LimiteTasa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.capacidad, self.recarga_por_segundo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_from_capacity_slash_refill() {
        let limite: LimiteTasa = "100/20".parse().expect("valid");
        assert_eq!(limite.capacidad, 100);
        assert_eq!(limite.recarga_por_segundo, 20);
        assert!("0/1".parse::<LimiteTasa>().is_err());
        assert!("100".parse::<LimiteTasa>().is_err());
        assert!("a/b".parse::<LimiteTasa>().is_err());
    }
}
