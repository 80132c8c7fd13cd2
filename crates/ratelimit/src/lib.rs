//! Token buckets by key: in this process's memory, or in Redis (shared by every process
//! using it) with the whole refill-and-take step in one Lua script, so it is atomic
//! across processes and timed by Redis's clock.
//!
//! A bucket holds at most `capacity` tokens and gains `refill_per_sec` a second; each
//! request takes one.

mod memory;
mod redis_limiter;

use std::{fmt, str::FromStr};

use async_trait::async_trait;

pub use memory::MemoryLimiter;
pub use redis_limiter::RedisLimiter;

/// Size and refill of a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// Burst: tokens a full bucket holds (≥ 1).
    pub capacity: u32,
    /// Tokens added per second (≥ 1).
    pub refill_per_sec: u32,
}

/// A limiter's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A token was taken.
    Allowed,
    /// No token left; one is back after this many milliseconds.
    Limited {
        /// Wait before retrying.
        retry_after_ms: u64,
    },
}

/// Takes tokens from per-key buckets.
#[async_trait]
pub trait Limiter: Send + Sync + 'static {
    /// Takes `tokens` tokens of `key`'s bucket at once if it holds them all; otherwise
    /// takes none (a request weighing several is allowed or refused whole).
    async fn take_n(&self, key: &str, tokens: u32) -> Decision;

    /// Takes one token of `key`'s bucket if there is one.
    async fn take(&self, key: &str) -> Decision {
        self.take_n(key, 1).await
    }
}

/// Why a bucket setting was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid rate limit '{0}': expected CAPACITY/REFILL_PER_SECOND with both ≥ 1, e.g. 100/20")]
pub struct InvalidBucket(String);

impl FromStr for Bucket {
    type Err = InvalidBucket;

    /// Parses `"100/20"` (capacity 100, 20 tokens a second).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidBucket(s.to_owned());
        let (capacity, refill) = s.trim().split_once('/').ok_or_else(invalid)?;
        let capacity: u32 = capacity.trim().parse().map_err(|_| invalid())?;
        let refill: u32 = refill.trim().parse().map_err(|_| invalid())?;
        if capacity == 0 || refill == 0 {
            return Err(invalid());
        }
        Ok(Self {
            capacity,
            refill_per_sec: refill,
        })
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.capacity, self.refill_per_sec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_parse_from_capacity_slash_refill() {
        let bucket: Bucket = "100/20".parse().expect("valid");
        assert_eq!((bucket.capacity, bucket.refill_per_sec), (100, 20));
        assert_eq!(bucket.to_string(), "100/20");
        for bad in ["0/1", "1/0", "100", "a/b", ""] {
            assert!(bad.parse::<Bucket>().is_err(), "{bad}");
        }
    }
}
