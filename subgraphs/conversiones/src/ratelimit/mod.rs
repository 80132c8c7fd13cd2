//! The collector's per-partner token bucket, over the workspace's `ratelimit` crate: in
//! Redis when configured (shared by every process using that Redis), in memory otherwise.

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use ratelimit::{Bucket, Decision, Limiter, MemoryLimiter, RedisLimiter};
use uuid::Uuid;

use crate::domain::{DecisionLimite, LimitadorTasa};

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

impl From<LimiteTasa> for Bucket {
    fn from(l: LimiteTasa) -> Self {
        Bucket {
            capacity: l.capacidad,
            refill_per_sec: l.recarga_por_segundo,
        }
    }
}

/// Why a rate-limit setting was refused.
pub type LimiteInvalido = ratelimit::InvalidBucket;

impl std::str::FromStr for LimiteTasa {
    type Err = LimiteInvalido;

    /// Parses `"100/20"` (capacity 100, 20 tokens a second).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bucket: Bucket = s.parse()?;
        Ok(Self {
            capacidad: bucket.capacity,
            recarga_por_segundo: bucket.refill_per_sec,
        })
    }
}

impl fmt::Display for LimiteTasa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Bucket::from(*self).fmt(f)
    }
}

/// The collector's limiter: one bucket per partner.
pub struct LimitadorPorAfiliado(Arc<dyn Limiter>);

impl LimitadorPorAfiliado {
    /// Buckets in this process's memory (embedded mode).
    pub fn memoria(limite: LimiteTasa) -> Self {
        Self(Arc::new(MemoryLimiter::new(limite.into())))
    }

    /// Buckets in the Redis at `url`, keys `{prefijo}:{afiliado}`.
    pub fn redis(url: &str, prefijo: &str, limite: LimiteTasa) -> Result<Self, redis::RedisError> {
        Ok(Self(Arc::new(RedisLimiter::new(
            url,
            prefijo,
            limite.into(),
        )?)))
    }
}

#[async_trait]
impl LimitadorTasa for LimitadorPorAfiliado {
    async fn consumir(&self, afiliado_id: Uuid) -> DecisionLimite {
        match self.0.take(&afiliado_id.to_string()).await {
            Decision::Allowed => DecisionLimite::Permitido,
            Decision::Limited { retry_after_ms } => DecisionLimite::Limitado {
                reintentar_en_ms: retry_after_ms,
            },
        }
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
        assert_eq!(limite.to_string(), "100/20");
        assert!("0/1".parse::<LimiteTasa>().is_err());
    }

    #[tokio::test]
    async fn each_partner_has_its_own_bucket() {
        let limitador = LimitadorPorAfiliado::memoria(LimiteTasa {
            capacidad: 2,
            recarga_por_segundo: 1,
        });
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(limitador.consumir(a).await, DecisionLimite::Permitido);
        assert_eq!(limitador.consumir(a).await, DecisionLimite::Permitido);
        assert!(matches!(
            limitador.consumir(a).await,
            DecisionLimite::Limitado { .. }
        ));
        assert_eq!(limitador.consumir(b).await, DecisionLimite::Permitido);
    }
}
