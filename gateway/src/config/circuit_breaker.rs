//! `[circuit_breaker]`: when a subgraph is considered down.

use serde::{Deserialize, Serialize};

/// When a subgraph is considered down and stops being called for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CircuitBreakerConfig {
    /// Consecutive failed requests that open a subgraph's breaker (0: never). Failures are
    /// what says the subgraph is unreachable or overloaded: a transport error, a timeout,
    /// HTTP 502/503/504, a non-GraphQL answer other than a 4xx or a bare 500; a 500 (a
    /// panic on one caller's input) or GraphQL errors are answers, not failures.
    pub failure_threshold: u32,
    /// How long an open breaker fails requests at once before letting one trial through,
    /// in milliseconds.
    pub open_ms: u64,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_ms: 10_000,
        }
    }
}
