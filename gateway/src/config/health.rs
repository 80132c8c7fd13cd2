//! `[health]`: how `/health` (and the REST-compatible health route) probe the subgraphs.

use serde::{Deserialize, Serialize};

use super::{ConfigError, validate};

/// How subgraphs are probed for `/health`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Longest wait for one subgraph's answer, in milliseconds: a slower subgraph is
    /// reported without holding the answer back.
    pub probe_timeout_ms: u64,
    /// A subgraph answering slower than this (milliseconds) is `degraded`.
    pub degraded_latency_ms: u64,
    /// Path of the subgraphs' own health document, fetched beside the GraphQL probe (at
    /// the subgraph URL's host): its `events` object (outbox, inbox, bus and consumer
    /// groups, as this platform's subgraphs report them) is shown per subgraph and in
    /// `/metrics`. Empty: not fetched.
    pub detail_path: String,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            probe_timeout_ms: 2_000,
            degraded_latency_ms: 1_000,
            detail_path: "/health".to_owned(),
        }
    }
}

impl HealthConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        validate::positive("health.probe_timeout_ms", self.probe_timeout_ms)?;
        validate::positive("health.degraded_latency_ms", self.degraded_latency_ms)?;
        if !self.detail_path.is_empty() && !self.detail_path.starts_with('/') {
            return Err(ConfigError::setting(
                "health.detail_path",
                format!(
                    "{:?} must be a path like /health, or empty",
                    self.detail_path
                ),
            ));
        }
        Ok(())
    }
}
