//! `[introspect]`: development mode, composing the supergraph from running subgraphs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConfigError, validate::http_url};

/// Development mode: the supergraph is composed from these running subgraphs' SDL and
/// recomposed whenever one changes (the `supergraph` file is then not read).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IntrospectConfig {
    /// Subgraph name → GraphQL URL; empty: serve the supergraph file.
    pub subgraphs: BTreeMap<String, String>,
    /// How often their SDL is fetched again, in milliseconds.
    pub poll_ms: u64,
}

impl Default for IntrospectConfig {
    fn default() -> Self {
        Self {
            subgraphs: BTreeMap::new(),
            poll_ms: 2_000,
        }
    }
}

impl IntrospectConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (name, url) in &self.subgraphs {
            http_url(&format!("introspect.subgraphs.{name}"), url)?;
        }
        Ok(())
    }
}
