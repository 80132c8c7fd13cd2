//! Where cached responses, entities and generations live: this process's memory, or Redis.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use bytes::Bytes;
use redis::{AsyncCommands, aio::ConnectionManager};
use tokio::sync::OnceCell;

use super::clock::{Clock, SystemClock, system_now_ms};

/// A cached response and when it was stored.
#[derive(Clone, Debug)]
pub struct StoredResponse {
    /// The serialised GraphQL response.
    pub body: Bytes,
    /// When it was stored (ms since the epoch).
    pub stored_at_ms: u64,
}

impl StoredResponse {
    /// How long it has been cached at `now_ms` (ms since the epoch).
    pub fn age_at(&self, now_ms: u64) -> Duration {
        Duration::from_millis(now_ms.saturating_sub(self.stored_at_ms))
    }
}

/// A cache backend failure (the request then goes uncached).
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// A response cache backend.
#[async_trait]
pub trait CacheStore: Send + Sync + 'static {
    /// The response under `key`, if not expired.
    async fn get(&self, key: &str) -> Result<Option<StoredResponse>, StoreError>;
    /// Keeps `body` under `key` for `ttl`.
    async fn put(&self, key: &str, body: &Bytes, ttl: Duration) -> Result<(), StoreError>;
    /// The entries under `keys`, in order (one round trip where the backend allows).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredResponse>>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            found.push(self.get(key).await?);
        }
        Ok(found)
    }
    /// Keeps each `(key, body, ttl)` (one round trip where the backend allows).
    async fn put_many(&self, entries: &[(String, Bytes, Duration)]) -> Result<(), StoreError> {
        for (key, body, ttl) in entries {
            self.put(key, body, *ttl).await?;
        }
        Ok(())
    }
    /// The current value of each generation counter (0 if never bumped).
    async fn generations(&self, types: &[String]) -> Result<Vec<u64>, StoreError>;
    /// Moves each counter to its next generation.
    async fn bump(&self, types: &[String]) -> Result<(), StoreError>;
    /// The backend's name, once it answered (health probes).
    async fn ping(&self) -> Result<&'static str, StoreError>;
    /// Now, by the clock the store stamps and expires entries with (ms since the epoch).
    fn now_ms(&self) -> u64 {
        system_now_ms()
    }
}

#[derive(Clone)]
struct Entry {
    response: StoredResponse,
    expires_at_ms: u64,
}

#[derive(Clone, Copy)]
struct BodyBytes;

impl quick_cache::Weighter<String, Entry> for BodyBytes {
    fn weight(&self, key: &String, entry: &Entry) -> u64 {
        (key.len() + entry.response.body.len()) as u64 + 64
    }
}

/// Responses in this process's memory, bounded by bytes (least recently used out first).
pub struct MemoryStore {
    entries: quick_cache::sync::Cache<String, Entry, BodyBytes>,
    generations: Mutex<HashMap<String, u64>>,
    clock: Arc<dyn Clock>,
}

impl MemoryStore {
    /// A store of at most `max_bytes` of responses.
    pub fn new(max_bytes: u64) -> Self {
        Self::with_clock(max_bytes, Arc::new(SystemClock))
    }

    /// A store of at most `max_bytes` of responses that ages entries by `clock`.
    pub fn with_clock(max_bytes: u64, clock: Arc<dyn Clock>) -> Self {
        Self {
            entries: quick_cache::sync::Cache::with_weighter(1024, max_bytes, BodyBytes),
            generations: Mutex::default(),
            clock,
        }
    }
}

#[async_trait]
impl CacheStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<StoredResponse>, StoreError> {
        let Some(entry) = self.entries.get(key) else {
            return Ok(None);
        };
        if self.clock.now_ms() >= entry.expires_at_ms {
            self.entries.remove(key);
            return Ok(None);
        }
        Ok(Some(entry.response))
    }

    async fn put(&self, key: &str, body: &Bytes, ttl: Duration) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        self.entries.insert(
            key.to_owned(),
            Entry {
                response: StoredResponse {
                    body: body.clone(),
                    stored_at_ms: now,
                },
                expires_at_ms: now + ttl.as_millis() as u64,
            },
        );
        Ok(())
    }

    async fn generations(&self, types: &[String]) -> Result<Vec<u64>, StoreError> {
        let generations = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        Ok(types
            .iter()
            .map(|t| generations.get(t).copied().unwrap_or(0))
            .collect())
    }

    async fn bump(&self, types: &[String]) -> Result<(), StoreError> {
        let mut generations = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        for t in types {
            *generations.entry(t.clone()).or_insert(0) += 1;
        }
        Ok(())
    }

    async fn ping(&self) -> Result<&'static str, StoreError> {
        Ok("memory")
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }
}

/// A stored value: 8 bytes of its store time, then the body.
fn encode(body: &Bytes) -> Vec<u8> {
    let mut value = Vec::with_capacity(8 + body.len());
    // Redis expires entries by its own clock, so the stamp is the system's too.
    value.extend_from_slice(&system_now_ms().to_le_bytes());
    value.extend_from_slice(body);
    value
}

fn decode(value: Vec<u8>) -> Option<StoredResponse> {
    let stamp: [u8; 8] = value.get(..8)?.try_into().ok()?;
    Some(StoredResponse {
        stored_at_ms: u64::from_le_bytes(stamp),
        body: Bytes::copy_from_slice(&value[8..]),
    })
}

/// Responses and generations in Redis, shared by every gateway replica using the same
/// Redis and prefix. A response is stored as 8 bytes of its store time and the body.
pub struct RedisStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: Arc<str>,
}

impl RedisStore {
    /// A store on the Redis at `url` (connected on first use), keys under `prefix`.
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            prefix: prefix.into(),
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        self.connection
            .get_or_try_init(|| self.client.get_connection_manager())
            .await
            .cloned()
    }

    fn entry_key(&self, key: &str) -> String {
        format!("{}:resp:{key}", self.prefix)
    }

    fn generation_key(&self, t: &str) -> String {
        format!("{}:gen:{t}", self.prefix)
    }
}

#[async_trait]
impl CacheStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<StoredResponse>, StoreError> {
        let value: Option<Vec<u8>> = self.connection().await?.get(self.entry_key(key)).await?;
        Ok(value.and_then(decode))
    }

    async fn put(&self, key: &str, body: &Bytes, ttl: Duration) -> Result<(), StoreError> {
        let _: () = self
            .connection()
            .await?
            .pset_ex(self.entry_key(key), encode(body), ttl.as_millis() as u64)
            .await?;
        Ok(())
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredResponse>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| self.entry_key(k)).collect();
        let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut self.connection().await?)
            .await?;
        Ok(values.into_iter().map(|v| v.and_then(decode)).collect())
    }

    async fn put_many(&self, entries: &[(String, Bytes, Duration)]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (key, body, ttl) in entries {
            pipe.pset_ex(self.entry_key(key), encode(body), ttl.as_millis() as u64)
                .ignore();
        }
        pipe.exec_async(&mut self.connection().await?).await?;
        Ok(())
    }

    async fn generations(&self, types: &[String]) -> Result<Vec<u64>, StoreError> {
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = types.iter().map(|t| self.generation_key(t)).collect();
        let values: Vec<Option<u64>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut self.connection().await?)
            .await?;
        Ok(values.into_iter().map(Option::unwrap_or_default).collect())
    }

    async fn bump(&self, types: &[String]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        for t in types {
            pipe.incr(self.generation_key(t), 1).ignore();
        }
        pipe.exec_async(&mut self.connection().await?).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<&'static str, StoreError> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.connection().await?)
            .await?;
        Ok("redis")
    }
}
