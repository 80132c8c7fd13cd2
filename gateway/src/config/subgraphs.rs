//! `[subgraphs.NAME]` and `[traffic_shaping]`: where each subgraph is reached and how
//! requests to it are shaped.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    ConfigError, GatewayConfig,
    validate::{http_url, positive},
};

/// Settings of one subgraph.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SubgraphConfig {
    /// Its own request timeout, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A URL replacing the supergraph's routing URL.
    pub url: Option<String>,
    /// Several replicas' URLs instead (requests take turns; queries are retried on the
    /// next replica when a connection fails, mutations never).
    pub urls: Vec<String>,
    /// Its own choice of in-flight deduplication (`traffic_shaping.dedupe` otherwise).
    pub dedupe: Option<bool>,
}

/// How requests to subgraphs are shaped.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrafficShapingConfig {
    /// Identical queries in flight to a subgraph at once (same body, same caller's claims
    /// and key) share one request and its answer.
    pub dedupe: bool,
}

impl Default for TrafficShapingConfig {
    fn default() -> Self {
        Self { dedupe: true }
    }
}

impl SubgraphConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self, name: &str) -> Result<(), ConfigError> {
        if let Some(timeout) = self.timeout_ms {
            positive(&format!("subgraphs.{name}.timeout_ms"), timeout)?;
        }
        let urls = self.url.iter().map(|u| ("url", u));
        for (key, url) in urls.chain(self.urls.iter().map(|u| ("urls", u))) {
            http_url(&format!("subgraphs.{name}.{key}"), url)?;
        }
        Ok(())
    }
}

impl GatewayConfig {
    /// Checks the settings that name subgraphs against the supergraph's subgraphs.
    pub fn validate_against<'a>(
        &self,
        subgraphs: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), ConfigError> {
        for name in self.subgraphs.keys() {
            if !subgraphs.clone().into_iter().any(|s| s == name) {
                let known: Vec<&str> = subgraphs.into_iter().collect();
                return Err(ConfigError::setting(
                    format!("subgraphs.{name}"),
                    format!(
                        "the supergraph has no subgraph {name:?} (it has: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
    /// Whether identical queries in flight to a subgraph share one request.
    pub fn dedupe_of(&self, subgraph: &str) -> bool {
        self.subgraphs
            .get(subgraph)
            .and_then(|s| s.dedupe)
            .unwrap_or(self.traffic_shaping.dedupe)
    }

    /// The request timeout of a subgraph.
    pub fn timeout_of(&self, subgraph: &str) -> Duration {
        let ms = self
            .subgraphs
            .get(subgraph)
            .and_then(|s| s.timeout_ms)
            .unwrap_or(self.subgraph_timeout_ms);
        Duration::from_millis(ms)
    }

    /// The URL requests to a subgraph go to.
    pub fn url_of<'a>(&'a self, subgraph: &str, routing_url: &'a str) -> &'a str {
        self.subgraphs
            .get(subgraph)
            .and_then(|s| s.url.as_deref())
            .unwrap_or(routing_url)
    }

    /// Every replica URL of a subgraph: `urls`, else its one URL.
    pub fn urls_of(&self, subgraph: &str, routing_url: &str) -> Vec<String> {
        match self.subgraphs.get(subgraph) {
            Some(s) if !s.urls.is_empty() => s.urls.clone(),
            _ => vec![self.url_of(subgraph, routing_url).to_owned()],
        }
    }
}
