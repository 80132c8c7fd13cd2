//! The whole-response cache: query responses kept for a TTL, in memory or in Redis
//! (shared by replicas), keyed by the normalised operation, its variables, the override
//! labels and the caller (anonymous, or one user with its scopes: a response is never
//! served to another user or scope set).
//!
//! Invalidation is by type generation: every composite type an operation selects has a
//! counter, and the counters are part of the key. An event that makes a type stale bumps
//! its counter (configured rules map event types to GraphQL types), so every cached
//! response that selected the type is missed from then on and expires unseen. With Redis
//! the counters are shared, so one bump reaches every replica.

mod invalidation;
mod store;
mod types;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use bytes::Bytes;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use invalidation::{InvalidationRule, listen_redis_stream};
pub use store::{CacheStore, MemoryStore, RedisStore, StoreError, StoredResponse};
pub use types::selected_types;

use crate::{auth::Claims, telemetry::Metrics};

/// A cacheable request, ready for lookup and store.
#[derive(Clone, Debug)]
pub struct Prepared {
    key: String,
    ttl: Duration,
    /// Whether the response belongs to one caller (`Cache-Control: private`).
    pub private: bool,
}

/// What a cached answer tells the HTTP layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheStatus {
    /// Served from the cache.
    pub hit: bool,
    /// Seconds it has been cached.
    pub age: u64,
    /// Seconds it stays fresh from now.
    pub max_age: u64,
    /// Belongs to one caller.
    pub private: bool,
}

/// The response cache of an engine.
pub struct ResponseCache {
    store: Arc<dyn CacheStore>,
    ttl: Duration,
    type_ttls: BTreeMap<String, Duration>,
    rules: Vec<InvalidationRule>,
    metrics: Arc<Metrics>,
}

/// Keys sorted at every level, so equal variables give one key whatever their order.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Who a response may be served to: everybody (anonymous) or exactly this caller.
fn audience(claims: Option<&Claims>) -> (String, bool) {
    match claims {
        None => ("anonymous".to_owned(), false),
        Some(claims) => {
            let mut scopes = claims.scopes();
            scopes.sort();
            let subject = claims
                .raw
                .get("sub")
                .map(Value::to_string)
                .unwrap_or_default();
            let issuer = claims
                .raw
                .get("iss")
                .map(Value::to_string)
                .unwrap_or_default();
            (
                format!("user:{issuer}:{subject}:{}", scopes.join(" ")),
                true,
            )
        }
    }
}

impl ResponseCache {
    /// A cache in `store` keeping responses `ttl` (shorter for types with their own TTL),
    /// invalidated by `rules`.
    pub fn new(
        store: Arc<dyn CacheStore>,
        ttl: Duration,
        type_ttls: BTreeMap<String, Duration>,
        rules: Vec<InvalidationRule>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            ttl,
            type_ttls,
            rules,
            metrics,
        }
    }

    /// The key and TTL of a query: `None` when one of its types must not be cached (TTL 0).
    #[allow(clippy::too_many_arguments)]
    pub async fn prepare(
        &self,
        normalised: &str,
        operation_name: Option<&str>,
        variables: &Map<String, Value>,
        labels: &[String],
        types: &[String],
        claims: Option<&Claims>,
    ) -> Option<Prepared> {
        let ttl = types
            .iter()
            .filter_map(|t| self.type_ttls.get(t))
            .fold(self.ttl, |ttl, t| ttl.min(*t));
        if ttl.is_zero() {
            return None;
        }
        let generations = match self.store.generations(types).await {
            Ok(generations) => generations,
            Err(error) => {
                tracing::warn!(%error, "response cache unavailable: not cached");
                return None;
            }
        };
        let (audience, private) = audience(claims);
        let mut hash = Sha256::new();
        for part in [
            normalised,
            operation_name.unwrap_or(""),
            &canonical(&Value::Object(variables.clone())).to_string(),
            &labels.join(","),
            &audience,
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        for (t, generation) in types.iter().zip(generations) {
            hash.update(t.as_bytes());
            hash.update(generation.to_le_bytes());
        }
        let key: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(Prepared { key, ttl, private })
    }

    /// The cached response, if fresh.
    pub async fn get(&self, prepared: &Prepared) -> Option<(Bytes, CacheStatus)> {
        let found = match self.store.get(&prepared.key).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "response cache read failed");
                None
            }
        };
        self.metrics.cache("response", found.is_some());
        let stored = found?;
        let age = stored.age();
        Some((
            stored.body,
            CacheStatus {
                hit: true,
                age: age.as_secs(),
                max_age: prepared.ttl.saturating_sub(age).as_secs(),
                private: prepared.private,
            },
        ))
    }

    /// Keeps a response for its TTL.
    pub async fn put(&self, prepared: &Prepared, body: &Bytes) -> CacheStatus {
        if let Err(error) = self.store.put(&prepared.key, body, prepared.ttl).await {
            tracing::warn!(%error, "response cache write failed");
        }
        CacheStatus {
            hit: false,
            age: 0,
            max_age: prepared.ttl.as_secs(),
            private: prepared.private,
        }
    }

    /// Makes every cached response that selected one of `types` stale.
    pub async fn invalidate(&self, types: &[String]) {
        if types.is_empty() {
            return;
        }
        if let Err(error) = self.store.bump(types).await {
            tracing::error!(%error, ?types, "response cache invalidation failed");
        }
        self.metrics.cache_invalidation(types.len());
    }

    /// The backend's state for `/health`: `{backend, status, latencyMs}`.
    pub async fn health(&self) -> Value {
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(Duration::from_secs(2), self.store.ping()).await;
        let latency = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
        match result {
            Ok(Ok(backend)) => {
                serde_json::json!({ "backend": backend, "status": "up", "latencyMs": latency })
            }
            Ok(Err(error)) => {
                serde_json::json!({ "status": "down", "error": error.to_string(), "latencyMs": latency })
            }
            Err(_) => {
                serde_json::json!({ "status": "down", "error": "timeout", "latencyMs": latency })
            }
        }
    }

    /// Applies the rules matching an event type; returns the types made stale.
    pub async fn invalidate_event(&self, event_type: &str) -> Vec<String> {
        let mut types: Vec<String> = self
            .rules
            .iter()
            .filter(|rule| rule.matches(event_type))
            .flat_map(|rule| rule.types.iter().cloned())
            .collect();
        types.sort();
        types.dedup();
        self.invalidate(&types).await;
        types
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn variables_are_keyed_whatever_their_order() {
        let a = json!({ "b": 1, "a": { "y": [1, { "q": 1, "p": 2 }], "x": null } });
        let b = json!({ "a": { "x": null, "y": [1, { "p": 2, "q": 1 }] }, "b": 1 });
        assert_eq!(canonical(&a).to_string(), canonical(&b).to_string());
    }

    #[test]
    fn callers_are_kept_apart() {
        let claims = |sub: &str, scope: &str| Claims {
            raw: json!({ "sub": sub, "scope": scope })
                .as_object()
                .cloned()
                .unwrap_or_default(),
        };
        assert_eq!(audience(None), ("anonymous".to_owned(), false));
        let ana = audience(Some(&claims("ana", "lectura escritura")));
        assert!(ana.1);
        assert_eq!(ana, audience(Some(&claims("ana", "escritura lectura"))));
        assert_ne!(ana, audience(Some(&claims("beto", "lectura escritura"))));
        assert_ne!(ana, audience(Some(&claims("ana", "lectura"))));
    }
}
