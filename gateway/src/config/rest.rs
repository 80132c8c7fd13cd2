//! `[rest]`: REST-compatible endpoints, each running a persisted operation. How a
//! route's variables and answer template are read is checked where routes are compiled
//! (`server::check_rest_route`); here only what the configuration alone tells.

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// REST-compatible endpoints.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestConfig {
    /// The routes.
    pub routes: Vec<RestRoute>,
    /// The old BFF's health document (`status`, `timestamp`, `version`, `services` with
    /// status and response time, `cache` hits, misses and hit rate).
    pub health: RestHealth,
    /// The old BFF's JSON metrics (`count`, `errors`, `p50`, `p95`, `p99`).
    pub metrics: RestMetrics,
}

/// Where the BFF's health document is served and how it names things.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestHealth {
    /// Its path (`/api/v1/health`); none: not served.
    pub path: Option<String>,
    /// The `version` it reports (default: the gateway's).
    pub version: Option<String>,
    /// The key of each subgraph in `services` (`{ clientes = "cliente_service" }`);
    /// subgraphs not listed keep their name.
    pub services: BTreeMap<String, String>,
}

/// Where the BFF's JSON metrics are served.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestMetrics {
    /// Its path (`/api/v1/metrics`); none: not served.
    pub path: Option<String>,
}

/// Paths the gateway serves itself.
const RESERVED: [&str; 5] = [
    "/graphql",
    "/health",
    "/metrics",
    "/auth/login",
    "/graphiql",
];

fn check_path(key: &str, path: &str) -> Result<(), ConfigError> {
    if !path.starts_with('/') || RESERVED.contains(&path) {
        return Err(ConfigError::setting(
            key,
            format!(
                "{path:?} must be a path like /api/v1/x, not one the gateway serves ({})",
                RESERVED.join(", ")
            ),
        ));
    }
    Ok(())
}

/// One REST route: `GET path` runs a persisted operation and shapes its data.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestRoute {
    /// The path, with `{name}` segments (`/api/v1/pagos/{id}`).
    pub path: String,
    /// The operation's document.
    pub operation: Option<String>,
    /// Or a file holding it.
    pub operation_file: Option<PathBuf>,
    /// Which operation of the document to run.
    pub operation_name: Option<String>,
    /// Variable (dotted path for nested inputs: `paginacion.page`) ← `path.NAME`,
    /// `query.NAME` or `header.NAME`, optionally typed `:int`, `:bool`, `:decimal`, `:enum`.
    pub variables: BTreeMap<String, String>,
    /// A JSON template of the answer: `"$.a.b"` takes the operation's data there,
    /// `{"$each": "$.list", "$map": {…}}` maps a list; none: the data as is.
    pub response: Option<String>,
}

impl RestConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        let paths = self
            .routes
            .iter()
            .map(|r| ("rest.routes", r.path.as_str()))
            .chain(
                self.health
                    .path
                    .iter()
                    .map(|p| ("rest.health.path", p.as_str())),
            )
            .chain(
                self.metrics
                    .path
                    .iter()
                    .map(|p| ("rest.metrics.path", p.as_str())),
            );
        for (key, path) in paths {
            check_path(key, path)?;
            if !seen.insert(path) {
                return Err(ConfigError::setting(
                    key,
                    format!("{path:?} is served twice"),
                ));
            }
        }
        Ok(())
    }
}
