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
        for route in &self.routes {
            if !route.path.starts_with('/') || route.path == "/graphql" {
                return Err(ConfigError::setting(
                    "rest.routes",
                    format!(
                        "{:?} must be a path like /api/v1/x, not /graphql",
                        route.path
                    ),
                ));
            }
        }
        Ok(())
    }
}
