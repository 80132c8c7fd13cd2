//! The whole-response cache: query responses keyed by the normalised operation, its
//! variables, the override labels, the caller's partition and the generations of every
//! type it selects.
//!
//! A response is shared by callers of one partition (anonymous, or one scope set) unless it
//! is private: a subgraph answered `Cache-Control: private`, or the operation selects a
//! configured private type. A private response is kept under the user's own key, and a
//! marker under the shared key sends the next caller of that partition to their own.

use std::{collections::BTreeMap, collections::BTreeSet, sync::Arc, time::Duration};

use bytes::Bytes;
use serde_json::{Map, Value};

use super::{
    Audience, CacheHint, CacheStore, canonical, hex_key,
    invalidation::{response_generation, type_generation},
};
use crate::telemetry::Metrics;

/// Stored under a shared key when the answer is private: the caller's own key holds it.
const PRIVATE_MARKER: &[u8] = b"\0private";

/// A cacheable request, ready for lookup and store.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The key shared by the caller's partition (or its own for private types).
    key: String,
    /// The caller's own key, when it has one and `key` is shared.
    user_key: Option<String>,
    ttl: Duration,
    /// Whether the response depends on who asks (`Cache-Control: private`).
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

/// A request of the response cache: what identifies the answer.
pub struct Query<'a> {
    /// The normalised operation text.
    pub normalised: &'a str,
    /// The selected operation.
    pub operation_name: Option<&'a str>,
    /// Coerced variables.
    pub variables: &'a Map<String, Value>,
    /// Active override labels, sorted.
    pub labels: &'a [String],
    /// The composite types it selects.
    pub types: &'a [String],
}

/// The response cache of an engine.
pub struct ResponseCache {
    store: Arc<dyn CacheStore>,
    ttl: Duration,
    type_ttls: BTreeMap<String, Duration>,
    private_types: BTreeSet<String>,
    metrics: Arc<Metrics>,
}

impl ResponseCache {
    /// A cache in `store` keeping responses `ttl` (shorter for types with their own TTL);
    /// responses selecting a private type are kept per user.
    pub fn new(
        store: Arc<dyn CacheStore>,
        ttl: Duration,
        type_ttls: BTreeMap<String, Duration>,
        private_types: BTreeSet<String>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            ttl,
            type_ttls,
            private_types,
            metrics,
        }
    }

    /// The keys and TTL of a query: `None` when one of its types must not be cached.
    pub async fn prepare(&self, query: &Query<'_>, audience: &Audience) -> Option<Prepared> {
        let ttl = query
            .types
            .iter()
            .filter_map(|t| self.type_ttls.get(t))
            .fold(self.ttl, |ttl, t| ttl.min(*t));
        if ttl.is_zero() {
            return None;
        }
        let counters: Vec<String> = query
            .types
            .iter()
            .flat_map(|t| [type_generation(t), response_generation(t)])
            .collect();
        let generations = match self.store.generations(&counters).await {
            Ok(generations) => generations,
            Err(error) => {
                tracing::warn!(%error, "response cache unavailable: not cached");
                return None;
            }
        };
        let variables = canonical(&Value::Object(query.variables.clone())).to_string();
        let labels = query.labels.join(",");
        let key_for = |partition: &str| {
            hex_key(
                &[
                    "response",
                    query.normalised,
                    query.operation_name.unwrap_or(""),
                    &variables,
                    &labels,
                    partition,
                ],
                counters.iter().zip(&generations),
            )
        };
        let private_type = query.types.iter().any(|t| self.private_types.contains(t));
        let (key, user_key) = match &audience.user {
            Some(user) if private_type || *user == audience.shared => (key_for(user), None),
            Some(user) => (key_for(&audience.shared), Some(key_for(user))),
            None => (key_for(&audience.shared), None),
        };
        Some(Prepared {
            key,
            user_key,
            ttl,
            private: audience.is_authenticated(),
        })
    }

    /// The cached response, if fresh.
    pub async fn get(&self, prepared: &Prepared) -> Option<(Bytes, CacheStatus)> {
        let mut found = self.read(&prepared.key).await;
        if found.as_ref().is_some_and(|s| s.body == PRIVATE_MARKER) {
            found = match &prepared.user_key {
                Some(user_key) => self.read(user_key).await,
                None => None,
            };
        }
        self.metrics.cache("response", found.is_some());
        let stored = found?;
        let age = stored.age_at(self.store.now_ms());
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

    async fn read(&self, key: &str) -> Option<super::StoredResponse> {
        match self.store.get(key).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "response cache read failed");
                None
            }
        }
    }

    /// Keeps a response as long as its configuration and the subgraphs' hints allow;
    /// `None` when it may not be kept.
    pub async fn put(
        &self,
        prepared: &Prepared,
        body: &Bytes,
        hint: CacheHint,
    ) -> Option<CacheStatus> {
        let ttl = hint.ttl(prepared.ttl);
        if ttl.as_secs() == 0 {
            return None;
        }
        let entries = match (hint.private, &prepared.user_key) {
            (false, _) => vec![(prepared.key.clone(), body.clone(), ttl)],
            (true, Some(user_key)) => vec![
                (
                    prepared.key.clone(),
                    Bytes::from_static(PRIVATE_MARKER),
                    ttl,
                ),
                (user_key.clone(), body.clone(), ttl),
            ],
            // Private to an anonymous caller (nobody to keep it for), or already per user.
            (true, None) if prepared.private => vec![(prepared.key.clone(), body.clone(), ttl)],
            (true, None) => return None,
        };
        if let Err(error) = self.store.put_many(&entries).await {
            tracing::warn!(%error, "response cache write failed");
        }
        Some(CacheStatus {
            hit: false,
            age: 0,
            max_age: ttl.as_secs(),
            private: prepared.private,
        })
    }
}
