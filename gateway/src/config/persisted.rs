//! `[persisted_queries]`: automatic persisted queries and the safelist.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{ConfigError, validate::redis_url};

/// Automatic persisted queries and the safelist.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PersistedQueriesConfig {
    /// Apollo's automatic persisted queries (register by hash, then send the hash only).
    pub apq: bool,
    /// A manifest of the only operations allowed (safelist mode; APQ registration off).
    pub safelist: Option<PathBuf>,
    /// Redis keeping APQ registrations, shared by replicas; none: each replica's memory.
    pub redis_url: Option<String>,
    /// Key prefix of APQ registrations in Redis.
    pub key_prefix: String,
}

impl Default for PersistedQueriesConfig {
    fn default() -> Self {
        Self {
            apq: true,
            safelist: None,
            redis_url: None,
            key_prefix: "gateway:apq".into(),
        }
    }
}

impl PersistedQueriesConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        redis_url("persisted_queries.redis_url", self.redis_url.as_deref())
    }
}
