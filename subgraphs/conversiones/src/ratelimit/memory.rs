use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use uuid::Uuid;

use super::LimiteTasa;
use crate::domain::{DecisionLimite, LimitadorTasa};

/// Tokens are counted in millionths so refills of a fraction of a token add up exactly.
const MICRO: u64 = 1_000_000;
/// Above this many buckets, full ones (indistinguishable from absent) are dropped.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    micro_tokens: u64,
    last: Instant,
}

/// A token bucket per partner in this process's memory (embedded mode).
pub struct LimitadorMemoria {
    limite: LimiteTasa,
    buckets: Mutex<HashMap<Uuid, Bucket>>,
}

impl LimitadorMemoria {
    /// A limiter with this bucket size and refill.
    pub fn new(limite: LimiteTasa) -> Self {
        Self {
            limite,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token at instant `now` (separate for tests).
    pub fn consumir_en(&self, afiliado_id: Uuid, now: Instant) -> DecisionLimite {
        let capacidad = u64::from(self.limite.capacidad) * MICRO;
        let recarga = u64::from(self.limite.recarga_por_segundo);
        // The critical section is a few arithmetic steps; a poisoned lock still holds
        // consistent buckets, so keep using it.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| {
                let elapsed = now.saturating_duration_since(b.last).as_micros() as u64;
                b.micro_tokens
                    .saturating_add(elapsed.saturating_mul(recarga))
                    < capacidad
            });
        }
        let bucket = buckets.entry(afiliado_id).or_insert(Bucket {
            micro_tokens: capacidad,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_micros() as u64;
        // Micro-tokens per microsecond equal tokens per second.
        bucket.micro_tokens = bucket
            .micro_tokens
            .saturating_add(elapsed.saturating_mul(recarga))
            .min(capacidad);
        bucket.last = now;
        if bucket.micro_tokens >= MICRO {
            bucket.micro_tokens -= MICRO;
            DecisionLimite::Permitido
        } else {
            let falta = MICRO - bucket.micro_tokens;
            DecisionLimite::Limitado {
                reintentar_en_ms: Duration::from_micros(falta.div_ceil(recarga)).as_millis() as u64
                    + 1,
            }
        }
    }
}

#[async_trait]
impl LimitadorTasa for LimitadorMemoria {
    async fn consumir(&self, afiliado_id: Uuid) -> DecisionLimite {
        self.consumir_en(afiliado_id, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_capacity_then_refills_over_time() {
        let limitador = LimitadorMemoria::new(LimiteTasa {
            capacidad: 3,
            recarga_por_segundo: 2,
        });
        let id = Uuid::new_v4();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limitador.consumir_en(id, t0), DecisionLimite::Permitido);
        }
        assert!(matches!(
            limitador.consumir_en(id, t0),
            DecisionLimite::Limitado { reintentar_en_ms } if (500..=502).contains(&reintentar_en_ms)
        ));
        // Half a second later one token is back (2 per second), not two.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limitador.consumir_en(id, t1), DecisionLimite::Permitido);
        assert!(matches!(
            limitador.consumir_en(id, t1),
            DecisionLimite::Limitado { .. }
        ));
        // Other partners have their own bucket.
        assert_eq!(
            limitador.consumir_en(Uuid::new_v4(), t1),
            DecisionLimite::Permitido
        );
    }
}
