//! `[subscriptions]`: limits, keep-alive and buffering of subscriptions.

use serde::{Deserialize, Serialize};

use super::{ConfigError, validate::positive};

/// Events an upstream subscription buffers for its slowest client by default.
pub const DEFAULT_SUBSCRIPTION_BUFFER: usize = 64;
/// Least milliseconds between two results of a live query by default.
pub const DEFAULT_LIVE_MIN_INTERVAL_MS: u64 = 1_000;

/// Subscriptions: limits, keep-alive and buffering.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriptionsConfig {
    /// Operations one WebSocket connection may run at once.
    pub max_per_connection: usize,
    /// Subscriptions the gateway runs at once.
    pub max_total: usize,
    /// Events an upstream subscription buffers for its slowest client; a client further
    /// behind is unsubscribed with an error.
    pub buffer: usize,
    /// Seconds between the server's pings.
    pub keepalive_secs: u64,
    /// Seconds a client has to send `connection_init`.
    pub init_timeout_secs: u64,
    /// Least milliseconds between two results of a live query (`@live(throttle:)` may
    /// only lengthen it): a burst of changes costs one re-run per interval.
    pub live_min_interval_ms: u64,
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        Self {
            max_per_connection: 100,
            max_total: 10_000,
            buffer: DEFAULT_SUBSCRIPTION_BUFFER,
            keepalive_secs: 15,
            init_timeout_secs: 10,
            live_min_interval_ms: DEFAULT_LIVE_MIN_INTERVAL_MS,
        }
    }
}

impl SubscriptionsConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, value) in [
            (
                "subscriptions.max_per_connection",
                self.max_per_connection as u64,
            ),
            ("subscriptions.max_total", self.max_total as u64),
            ("subscriptions.buffer", self.buffer as u64),
            ("subscriptions.keepalive_secs", self.keepalive_secs),
            ("subscriptions.init_timeout_secs", self.init_timeout_secs),
            (
                "subscriptions.live_min_interval_ms",
                self.live_min_interval_ms,
            ),
        ] {
            positive(key, value)?;
        }
        Ok(())
    }
}
