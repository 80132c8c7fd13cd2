//! `[cache]`: the response and entity caches, and their event-driven invalidation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    ConfigError,
    validate::{positive, redis_url},
};

/// The response and entity caches of queries (mutations and errors are never cached).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// How long a response is kept, in seconds (0: no response cache).
    pub response_ttl_secs: u64,
    /// How long an entity of an `_entities` fetch is kept, in seconds (0: no entity cache).
    pub entity_ttl_secs: u64,
    /// Shorter TTLs for answers selecting these types (`{ Pago = 5 }`; 0: never cached).
    pub type_ttl_secs: BTreeMap<String, u64>,
    /// How authenticated callers share answers: `scopes` (same issuer and scopes) or `user`.
    pub sharing: Sharing,
    /// Types whose answers are always kept per user (answers a subgraph marks
    /// `Cache-Control: private` are too).
    pub private_types: Vec<String>,
    /// Memory for responses when not in Redis, in MiB.
    pub max_mb: u64,
    /// Redis holding responses and type generations, shared by replicas; none: memory.
    pub redis_url: Option<String>,
    /// Key prefix in Redis.
    pub key_prefix: String,
    /// Event-driven invalidation.
    pub invalidation: InvalidationConfig,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            response_ttl_secs: 0,
            entity_ttl_secs: 0,
            type_ttl_secs: BTreeMap::new(),
            sharing: Sharing::default(),
            private_types: Vec::new(),
            max_mb: 64,
            redis_url: None,
            key_prefix: "gateway:cache".into(),
            invalidation: InvalidationConfig::default(),
        }
    }
}

/// Which events make which types stale, and where the events come from.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InvalidationConfig {
    /// Redis stream of the domain's events, read by every replica (no consumer group).
    pub redis_stream: Option<String>,
    /// Redis of that stream (default: `cache.redis_url`).
    pub redis_url: Option<String>,
    /// Stream entry field holding the event type.
    pub type_field: String,
    /// Stream entry field holding the event as JSON (read by entity rules).
    pub event_field: String,
    /// Event types → GraphQL types.
    pub rules: Vec<InvalidationRule>,
}

impl Default for InvalidationConfig {
    fn default() -> Self {
        Self {
            redis_stream: None,
            redis_url: None,
            type_field: "tipo".into(),
            event_field: "event".into(),
            rules: Vec::new(),
        }
    }
}

/// How authenticated callers share cached answers.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// Callers with the same issuer and scopes share answers, except those a subgraph
    /// marks `private` or that select a configured private type (kept per user).
    #[default]
    Scopes,
    /// Every user has their own answers.
    User,
}

/// Events that make types or single entities stale:
/// `events = ["Pago*"]`, `types = ["ContadoresDashboard"]`,
/// `entities = [{ type = "Pago", key = { id = "agregadoId" } }]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct InvalidationRule {
    /// Event types (exact, or a prefix ending in `*`).
    pub events: Vec<String>,
    /// GraphQL types whose every cached answer they make stale.
    pub types: Vec<String>,
    /// Single entities they make stale, named by fields of the event.
    pub entities: Vec<EntityRule>,
}

/// One entity an event names: its type, and each key field's path in the event.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct EntityRule {
    /// The entity's GraphQL type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Key field → dotted path of its value in the event (`agregadoId`, `datos.pagoId`).
    pub key: BTreeMap<String, String>,
}

impl CacheConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        redis_url("cache.redis_url", self.redis_url.as_deref())?;
        redis_url(
            "cache.invalidation.redis_url",
            self.invalidation.redis_url.as_deref(),
        )?;
        if self.redis_url.is_none() && (self.response_ttl_secs > 0 || self.entity_ttl_secs > 0) {
            positive("cache.max_mb", self.max_mb)?;
        }
        if self.invalidation.redis_stream.is_some()
            && self.invalidation.redis_url.is_none()
            && self.redis_url.is_none()
        {
            return Err(ConfigError::setting(
                "cache.invalidation.redis_stream",
                "needs cache.invalidation.redis_url or cache.redis_url",
            ));
        }
        for (i, rule) in self.invalidation.rules.iter().enumerate() {
            let key = format!("cache.invalidation.rules[{i}]");
            if rule.events.iter().any(|e| e.is_empty()) || rule.events.is_empty() {
                return Err(ConfigError::setting(
                    key,
                    "needs at least one event type, none empty",
                ));
            }
            if let Some(entity) = rule
                .entities
                .iter()
                .find(|e| e.type_name.is_empty() || e.key.is_empty())
            {
                return Err(ConfigError::setting(
                    format!("{key}.entities"),
                    format!(
                        "{entity:?} needs a type and at least one key field with its event path"
                    ),
                ));
            }
        }
        Ok(())
    }
}
