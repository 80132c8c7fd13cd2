//! The entity cache: each entity a subgraph returned for an `_entities` fetch, kept under
//! the subgraph, the fetch's selection, the representation (type, key and required
//! fields), the caller's partition and the generations of its type and of the entity
//! itself, so a fetch asks its subgraph only for the entities not cached.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{
    Audience, CacheHint, CacheStore, hex_key,
    invalidation::{entity_generation, type_generation},
};
use crate::{
    json::{self, Map, Value},
    telemetry::Metrics,
};

/// An entity as stored: its data and the TTL it was stored with.
#[derive(Serialize)]
struct Stored<'a> {
    ttl_ms: u64,
    entity: &'a Value,
}

/// An entity as read back: its data parsed with numbers kept as written.
#[derive(Deserialize)]
struct Read<'a> {
    ttl_ms: u64,
    #[serde(borrow)]
    entity: &'a RawValue,
}

/// Where one representation is (or would be) cached.
#[derive(Clone)]
struct Slot {
    key: String,
    ttl: Duration,
    /// Under the caller's own partition (may hold private answers).
    per_user: bool,
}

/// Where a fetch's representations are (or would be) cached.
pub struct EntityLookup {
    /// Per representation: where it is cached, or none when its type is not cached.
    slots: Vec<Option<Slot>>,
    /// Per representation: the cached entity and how long it stays fresh.
    pub hits: Vec<Option<(Value, Duration)>>,
}

/// The entity cache of an engine.
pub struct EntityCache {
    store: Arc<dyn CacheStore>,
    ttl: Duration,
    type_ttls: BTreeMap<String, Duration>,
    private_types: BTreeSet<String>,
    /// Key field sets that invalidation rules name per type.
    entity_keys: BTreeMap<String, Vec<Vec<String>>>,
    metrics: Arc<Metrics>,
}

impl EntityCache {
    /// A cache in `store` keeping entities `ttl` (or their type's TTL); entities of private
    /// types are kept per user; `entity_keys` are the key fields invalidation names.
    pub fn new(
        store: Arc<dyn CacheStore>,
        ttl: Duration,
        type_ttls: BTreeMap<String, Duration>,
        private_types: BTreeSet<String>,
        entity_keys: BTreeMap<String, Vec<Vec<String>>>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            ttl,
            type_ttls,
            private_types,
            entity_keys,
            metrics,
        }
    }

    /// The counters a representation's cache key depends on.
    fn counters(&self, type_name: &str, representation: &Map) -> Vec<String> {
        let mut counters = vec![type_generation(type_name)];
        for fields in self.entity_keys.get(type_name).into_iter().flatten() {
            // Named as the events that invalidate it name it.
            let key: Option<serde_json::Map<String, serde_json::Value>> = fields
                .iter()
                .map(|f| Some((f.clone(), representation.get(f)?.to_serde())))
                .collect();
            if let Some(key) = key {
                counters.push(entity_generation(type_name, &key));
            }
        }
        counters
    }

    /// Looks up every representation of a fetch of `selection` from `subgraph`.
    pub async fn lookup(
        &self,
        subgraph: &str,
        selection: &str,
        audience: &Audience,
        representations: &[Value],
    ) -> EntityLookup {
        let mut counters: Vec<Vec<String>> = Vec::with_capacity(representations.len());
        let mut ttls = Vec::with_capacity(representations.len());
        for representation in representations {
            let type_name = representation
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let ttl = self.type_ttls.get(type_name).copied().unwrap_or(self.ttl);
            match representation.as_object() {
                Some(object) if !ttl.is_zero() => {
                    counters.push(self.counters(type_name, object));
                    ttls.push(Some(ttl));
                }
                _ => {
                    counters.push(Vec::new());
                    ttls.push(None);
                }
            }
        }
        let all: Vec<String> = counters.iter().flatten().cloned().collect();
        let generations = match self.store.generations(&all).await {
            Ok(generations) => generations,
            Err(error) => {
                tracing::warn!(%error, "entity cache unavailable: not cached");
                return EntityLookup {
                    slots: vec![None; representations.len()],
                    hits: vec![None; representations.len()],
                };
            }
        };
        let mut generations = generations.into_iter();
        let mut slots = Vec::with_capacity(representations.len());
        for ((representation, counters), ttl) in representations.iter().zip(&counters).zip(ttls) {
            let values: Vec<u64> = generations.by_ref().take(counters.len()).collect();
            let Some(ttl) = ttl else {
                slots.push(None);
                continue;
            };
            let type_name = representation
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let partition = if self.private_types.contains(type_name) {
                audience.private()
            } else {
                &audience.shared
            };
            let key = hex_key(
                &[
                    "entity",
                    subgraph,
                    selection,
                    partition,
                    &representation.sorted().to_string(),
                ],
                counters.iter().zip(&values),
            );
            slots.push(Some(Slot {
                key,
                ttl,
                per_user: audience.user.as_deref() == Some(partition),
            }));
        }
        let keys: Vec<String> = slots.iter().flatten().map(|s| s.key.clone()).collect();
        let mut found = match self.store.get_many(&keys).await {
            Ok(found) => found.into_iter(),
            Err(error) => {
                tracing::warn!(%error, "entity cache read failed");
                Vec::new().into_iter()
            }
        };
        let hits: Vec<Option<(Value, Duration)>> = slots
            .iter()
            .map(|slot| {
                slot.as_ref()?;
                let stored = found.next().flatten()?;
                let age = stored.age_at(self.store.now_ms());
                let Read { ttl_ms, entity } = serde_json::from_slice(&stored.body).ok()?;
                let entity = json::parse(entity.get().as_bytes()).ok()?;
                let left = Duration::from_millis(ttl_ms).checked_sub(age)?;
                Some((entity, left))
            })
            .collect();
        for (slot, hit) in slots.iter().zip(&hits) {
            if slot.is_some() {
                self.metrics.cache("entity", hit.is_some());
            }
        }
        EntityLookup { slots, hits }
    }

    /// Keeps the entities fetched for these representations (`(index, entity)`), as long
    /// as the configuration and the subgraph's hint allow; a private answer only under
    /// the caller's own partition.
    pub async fn store(&self, lookup: &EntityLookup, fetched: &[(usize, &Value)], hint: CacheHint) {
        let entries: Vec<(String, Bytes, Duration)> = fetched
            .iter()
            .filter_map(|(i, entity)| {
                let slot = lookup.slots.get(*i)?.as_ref()?;
                if hint.private && !slot.per_user {
                    return None;
                }
                let ttl = hint.ttl(slot.ttl);
                if ttl.is_zero() {
                    return None;
                }
                let stored = Stored {
                    ttl_ms: ttl.as_millis() as u64,
                    entity,
                };
                Some((
                    slot.key.clone(),
                    serde_json::to_vec(&stored).ok()?.into(),
                    ttl,
                ))
            })
            .collect();
        if let Err(error) = self.store.put_many(&entries).await {
            tracing::warn!(%error, "entity cache write failed");
        }
    }
}
