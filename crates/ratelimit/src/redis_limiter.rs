use std::sync::Arc;

use async_trait::async_trait;
use redis::{Script, aio::ConnectionManager};
use tokio::sync::OnceCell;

use crate::{Bucket, Decision, Limiter, MemoryLimiter};

/// Refill, take and store in one atomic step. KEYS[1] the bucket; ARGV capacity, refill
/// per second, tokens wanted (all or none). Tokens and the timestamp (µs, Redis clock) live in one hash, which expires
/// once a full refill would have happened anyway. Returns {allowed, retry_after_ms}.
const TOKEN_BUCKET: &str = r"
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * refill / 1000000)
local allowed = 0
local wait_ms = 0
if tokens >= wanted then
  tokens = tokens - wanted
  allowed = 1
else
  wait_ms = math.ceil((wanted - tokens) * 1000 / refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / refill) + 1000)
return {allowed, wait_ms}
";

/// Buckets in Redis, shared by every process using the same Redis and key prefix. While
/// Redis is unreachable each process falls back to its own memory buckets (logged), so it
/// keeps limiting instead of failing or opening up.
pub struct RedisLimiter {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: Script,
    prefix: String,
    bucket: Bucket,
    fallback: Arc<MemoryLimiter>,
}

impl RedisLimiter {
    /// A limiter on the Redis at `url` (connected on first use), keys `{prefix}:{key}`.
    pub fn new(url: &str, prefix: &str, bucket: Bucket) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            script: Script::new(TOKEN_BUCKET),
            prefix: prefix.to_owned(),
            bucket,
            fallback: Arc::new(MemoryLimiter::new(bucket)),
        })
    }

    async fn try_take(&self, key: &str, tokens: u32) -> Result<Decision, redis::RedisError> {
        let connection = self
            .connection
            .get_or_try_init(|| self.client.get_connection_manager())
            .await?;
        let mut connection = connection.clone();
        let (allowed, wait_ms): (i64, i64) = self
            .script
            .key(format!("{}:{key}", self.prefix))
            .arg(self.bucket.capacity)
            .arg(self.bucket.refill_per_sec)
            .arg(tokens)
            .invoke_async(&mut connection)
            .await?;
        Ok(if allowed == 1 {
            Decision::Allowed
        } else {
            Decision::Limited {
                retry_after_ms: u64::try_from(wait_ms).unwrap_or(1),
            }
        })
    }
}

#[async_trait]
impl Limiter for RedisLimiter {
    async fn take_n(&self, key: &str, tokens: u32) -> Decision {
        match self.try_take(key, tokens).await {
            Ok(decision) => decision,
            Err(error) => {
                tracing::warn!(%error, "rate limiter: Redis unavailable, limiting in memory");
                self.fallback.take_n(key, tokens).await
            }
        }
    }
}
