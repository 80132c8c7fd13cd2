//! `[batching]`: client operation batching (a JSON array of operations in one POST).

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The most operations a batch may ever be configured to hold.
pub const MAX_BATCH_OPERATIONS: usize = 100;

/// Client operation batching: off unless turned on.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BatchingConfig {
    /// Whether `POST /graphql` accepts a JSON array of operations, answered as an array.
    pub enabled: bool,
    /// The most operations one batch may hold (1–100); a bigger batch runs none of them.
    pub max_operations: usize,
}

impl Default for BatchingConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            max_operations: 10,
        }
    }
}

impl BatchingConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_BATCH_OPERATIONS).contains(&self.max_operations) {
            return Err(ConfigError::setting(
                "batching.max_operations",
                format!("must be between 1 and {MAX_BATCH_OPERATIONS}"),
            ));
        }
        Ok(())
    }
}
