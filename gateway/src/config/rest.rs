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
const RESERVED: [&str; 7] = [
    "/graphql",
    "/health",
    "/metrics",
    "/auth/login",
    "/graphiql",
    "/spec",
    "/docs",
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

/// One REST route: `METHOD path` runs a persisted operation and shapes its data.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestRoute {
    /// The HTTP method: `GET` (none: GET), `POST`, `PUT`, `PATCH` or `DELETE`; any but GET
    /// may run a mutation.
    pub method: Option<String>,
    /// The path, with `{name}` segments (`/api/v1/pagos/{id}`).
    pub path: String,
    /// The operation's document.
    pub operation: Option<String>,
    /// Or a file holding it.
    pub operation_file: Option<PathBuf>,
    /// Which operation of the document to run.
    pub operation_name: Option<String>,
    /// Variable (dotted path for nested inputs: `paginacion.page`) ← `path.NAME`,
    /// `query.NAME`, `header.NAME`, `body.a.b` (a field of the JSON body) or `body` (all of
    /// it), optionally typed `:string`, `:int`, `:bool`, `:decimal`, `:date`, `:enum` (with
    /// aliases: `:enum(COMPLETED=EXITOSO)`), `:ago` (a period back from now, `30d`, as the
    /// date-time it starts; `:ago(90d)` bounds it, `:ago(90d,date)` gives a date), and for
    /// bodies `:json` and `:entries(clave,valor)` (an object of texts as a list of
    /// key/value inputs), with a default after `=` (`query.limit:int=5`). Several sources
    /// separated by `|` are alternatives: the first one given is used.
    pub variables: BTreeMap<String, String>,
    /// The HTTP status of a successful answer (none: 200; 201 for a creation, 202 for work
    /// accepted, 204 for an answer without body).
    pub status: Option<u16>,
    /// A JSON template of the answer: `"$.a.b"` takes the operation's data there,
    /// `{"$each": "$.list", "$map": {…}}` maps a list; none: the data as is.
    pub response: Option<String>,
    /// Served by the deployment's own routes, not by an operation: the gateway only
    /// documents it in `/spec` (path, method, status and `response_schema`).
    pub external: bool,
    /// The JSON Schema of an external route's answer (JSON text).
    pub response_schema: Option<String>,
}

impl RestConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for route in &self.routes {
            if let Some(method) = &route.method
                && !METHODS.contains(&method.to_ascii_uppercase().as_str())
            {
                return Err(ConfigError::setting(
                    "rest.routes",
                    format!(
                        "{} {method:?}: the method is one of {METHODS:?}",
                        route.path
                    ),
                ));
            }
            if let Some(status) = route.status
                && !(200..300).contains(&status)
            {
                return Err(ConfigError::setting(
                    "rest.routes",
                    format!("{} status {status}: a success status is 2xx", route.path),
                ));
            }
        }
        // Each method of each path served once.
        let mut seen = std::collections::BTreeSet::new();
        let routes = self.routes.iter().map(|r| {
            let method = r.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
            ("rest.routes", method, r.path.as_str())
        });
        let health = self
            .health
            .path
            .iter()
            .map(|p| ("rest.health.path", "GET".to_owned(), p.as_str()));
        let metrics = self
            .metrics
            .path
            .iter()
            .map(|p| ("rest.metrics.path", "GET".to_owned(), p.as_str()));
        for (key, method, path) in routes.chain(health).chain(metrics) {
            check_path(key, path)?;
            if !seen.insert((method.clone(), path)) {
                return Err(ConfigError::setting(
                    key,
                    format!("{method} {path:?} is served twice"),
                ));
            }
        }
        Ok(())
    }
}

/// The methods a route may answer.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
