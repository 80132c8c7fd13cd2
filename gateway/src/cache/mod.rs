//! The gateway's caches of answers: whole responses and single entities, in memory or in
//! Redis (shared by replicas), partitioned by caller (anonymous, scope set or user), with
//! TTLs from configuration and the subgraphs' `Cache-Control` hints.
//!
//! Invalidation is by generation counters that are part of every key: an event that makes
//! a type or an entity stale bumps its counter (configured rules map event types to
//! them), so every answer that depended on it is missed from then on and expires unseen.
//! With Redis the counters are shared, so one bump reaches every replica.

mod audience;
mod clock;
mod entity;
mod hint;
mod invalidation;
mod response;
mod store;
mod types;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use audience::{Audience, Sharing};
pub use clock::{Clock, ManualClock, SystemClock};
pub use entity::{EntityCache, EntityLookup};
pub use hint::CacheHint;
pub use invalidation::{
    EntityRule, InvalidationRule, Invalidator, StaleTypes, StreamFields, StreamListener,
    listen_redis_stream,
};
pub use response::{CacheStatus, Prepared, Query, ResponseCache};
pub use store::{CacheStore, MemoryStore, RedisStore, StoreError, StoredResponse};
pub use types::selected_types;

/// Every cache of an engine, sharing one store and one invalidator.
pub struct Caches {
    /// Whole responses, if configured.
    pub responses: Option<ResponseCache>,
    /// Entities of `_entities` fetches, if configured.
    pub entities: Option<EntityCache>,
    /// Applies events to both.
    pub invalidator: Invalidator,
    /// How authenticated callers share answers.
    pub sharing: Sharing,
    store: Arc<dyn CacheStore>,
}

impl Caches {
    /// The caches over `store`.
    pub fn new(
        store: Arc<dyn CacheStore>,
        responses: Option<ResponseCache>,
        entities: Option<EntityCache>,
        invalidator: Invalidator,
        sharing: Sharing,
    ) -> Self {
        Self {
            responses,
            entities,
            invalidator,
            sharing,
            store,
        }
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
}

/// Keys sorted at every level, so equal JSON values give one key whatever their order.
pub(crate) fn canonical(value: &Value) -> Value {
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

/// A cache key: the SHA-256 of the parts and the generations of the counters it depends on.
pub(crate) fn hex_key<'a>(
    parts: &[&str],
    generations: impl Iterator<Item = (&'a String, &'a u64)>,
) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for (counter, generation) in generations {
        hash.update(counter.as_bytes());
        hash.update(generation.to_le_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
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
}
