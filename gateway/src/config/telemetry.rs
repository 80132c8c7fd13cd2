//! `[telemetry]`: OpenTelemetry trace export.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// OpenTelemetry traces: a span per client request and per subgraph fetch, exported over
/// OTLP/HTTP (protobuf) in batches; W3C `traceparent` is read from clients and sent on to
/// subgraphs while export is on.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`); spans go to
    /// `<url>/v1/traces`. None: no export.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of the exported spans.
    pub service_name: String,
    /// Share of new traces kept, 0 to 1; a caller's `traceparent` decides for its own trace.
    pub sample_ratio: f64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "gateway".into(),
            sample_ratio: 1.0,
        }
    }
}

impl TelemetryConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.otlp_endpoint
            && (!(url.starts_with("http://") || url.starts_with("https://"))
                || url.parse::<axum::http::Uri>().is_err())
        {
            return Err(ConfigError::setting(
                "telemetry.otlp_endpoint",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        // Written so that NaN fails too.
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            return Err(ConfigError::setting(
                "telemetry.sample_ratio",
                format!("{} is not between 0 and 1", self.sample_ratio),
            ));
        }
        if self.service_name.trim().is_empty() {
            return Err(ConfigError::setting(
                "telemetry.service_name",
                "must not be empty",
            ));
        }
        Ok(())
    }
}
