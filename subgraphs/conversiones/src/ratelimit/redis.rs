use std::sync::Arc;

use async_trait::async_trait;
use redis::{Script, aio::ConnectionManager};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{LimitadorMemoria, LimiteTasa};
use crate::domain::{DecisionLimite, LimitadorTasa};

/// Refill, take and store in one atomic step. KEYS[1] the bucket; ARGV capacity, refill
/// per second. Tokens and the timestamp (µs, Redis clock) live in one hash, which expires
/// once a full refill would have happened anyway. Returns {allowed, retry_after_ms}.
const TOKEN_BUCKET: &str = r"
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
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
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) * 1000 / refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / refill) + 1000)
return {allowed, wait_ms}
";

/// A token bucket per partner in Redis, shared by every process that uses the same Redis
/// and key prefix. While Redis is unreachable each process falls back to its own memory
/// bucket (logged), so the collector keeps limiting instead of failing or opening up.
pub struct LimitadorRedis {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: Script,
    prefijo: String,
    limite: LimiteTasa,
    respaldo: Arc<LimitadorMemoria>,
}

impl LimitadorRedis {
    /// A limiter on the Redis at `url` (connected on first use), keys `{prefijo}:{afiliado}`.
    pub fn new(url: &str, prefijo: &str, limite: LimiteTasa) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            script: Script::new(TOKEN_BUCKET),
            prefijo: prefijo.to_owned(),
            limite,
            respaldo: Arc::new(LimitadorMemoria::new(limite)),
        })
    }

    async fn intentar(&self, afiliado_id: Uuid) -> Result<DecisionLimite, redis::RedisError> {
        let connection = self
            .connection
            .get_or_try_init(|| self.client.get_connection_manager())
            .await?;
        let mut connection = connection.clone();
        let (permitido, espera): (i64, i64) = self
            .script
            .key(format!("{}:{afiliado_id}", self.prefijo))
            .arg(self.limite.capacidad)
            .arg(self.limite.recarga_por_segundo)
            .invoke_async(&mut connection)
            .await?;
        Ok(if permitido == 1 {
            DecisionLimite::Permitido
        } else {
            DecisionLimite::Limitado {
                reintentar_en_ms: u64::try_from(espera).unwrap_or(1),
            }
        })
    }
}

#[async_trait]
impl LimitadorTasa for LimitadorRedis {
    async fn consumir(&self, afiliado_id: Uuid) -> DecisionLimite {
        match self.intentar(afiliado_id).await {
            Ok(decision) => decision,
            Err(error) => {
                tracing::warn!(%error, "rate limiter: Redis unavailable, limiting in memory");
                self.respaldo.consumir(afiliado_id).await
            }
        }
    }
}
