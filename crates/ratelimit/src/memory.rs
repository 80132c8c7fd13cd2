use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;

use crate::{Bucket, Decision, Limiter};

/// Tokens are counted in millionths so refills of a fraction of a token add up exactly.
const MICRO: u64 = 1_000_000;
/// Above this many buckets, full ones (indistinguishable from absent) are dropped.
const MAX_BUCKETS: usize = 100_000;

struct State {
    micro_tokens: u64,
    last: Instant,
}

/// Buckets in this process's memory.
pub struct MemoryLimiter {
    bucket: Bucket,
    buckets: Mutex<HashMap<String, State>>,
}

impl MemoryLimiter {
    /// A limiter whose buckets have this size and refill.
    pub fn new(bucket: Bucket) -> Self {
        Self {
            bucket,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `key` at instant `now` (separate for tests).
    pub fn take_at(&self, key: &str, now: Instant) -> Decision {
        self.take_n_at(key, 1, now)
    }

    /// Takes `tokens` tokens of `key` at instant `now`, all or none.
    pub fn take_n_at(&self, key: &str, tokens: u32, now: Instant) -> Decision {
        let wanted = u64::from(tokens) * MICRO;
        let capacity = u64::from(self.bucket.capacity) * MICRO;
        let refill = u64::from(self.bucket.refill_per_sec);
        let refilled = |state: &State| {
            let elapsed = now.saturating_duration_since(state.last).as_micros() as u64;
            // Micro-tokens per microsecond equal tokens per second.
            state
                .micro_tokens
                .saturating_add(elapsed.saturating_mul(refill))
                .min(capacity)
        };
        // A few arithmetic steps under the lock; a poisoned lock still holds consistent
        // buckets, so keep using it.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, state| refilled(state) < capacity);
        }
        let state = buckets.entry(key.to_owned()).or_insert(State {
            micro_tokens: capacity,
            last: now,
        });
        state.micro_tokens = refilled(state);
        state.last = now;
        if state.micro_tokens >= wanted {
            state.micro_tokens -= wanted;
            Decision::Allowed
        } else {
            let missing = wanted - state.micro_tokens;
            Decision::Limited {
                retry_after_ms: Duration::from_micros(missing.div_ceil(refill)).as_millis() as u64
                    + 1,
            }
        }
    }
}

#[async_trait]
impl Limiter for MemoryLimiter {
    async fn take_n(&self, key: &str, tokens: u32) -> Decision {
        self.take_n_at(key, tokens, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_capacity_then_refills_over_time() {
        let limiter = MemoryLimiter::new(Bucket {
            capacity: 3,
            refill_per_sec: 2,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take_at("a", t0), Decision::Allowed);
        }
        assert!(matches!(
            limiter.take_at("a", t0),
            Decision::Limited { retry_after_ms } if (500..=502).contains(&retry_after_ms)
        ));
        // Half a second later one token is back (2 per second), not two.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limiter.take_at("a", t1), Decision::Allowed);
        assert!(matches!(limiter.take_at("a", t1), Decision::Limited { .. }));
        // Other keys have their own bucket.
        assert_eq!(limiter.take_at("b", t1), Decision::Allowed);
        // Several at once: all or none.
        assert!(matches!(
            limiter.take_n_at("b", 3, t1),
            Decision::Limited { retry_after_ms } if (500..=502).contains(&retry_after_ms)
        ));
        assert_eq!(limiter.take_n_at("b", 2, t1), Decision::Allowed);
        assert!(matches!(limiter.take_at("b", t1), Decision::Limited { .. }));
    }
}
