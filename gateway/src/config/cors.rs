//! `[cors]`: which browser origins may call the gateway.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Which browser origins may call the gateway.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Allowed origins (`https://app.example`), or `["*"]` for any; empty: no CORS headers.
    pub allow_origins: Vec<String>,
    /// Whether cookies/credentials may be sent (not with `*`).
    pub allow_credentials: bool,
    /// How long browsers may cache a preflight answer, in seconds.
    pub max_age_secs: u64,
}

impl CorsConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for origin in &self.allow_origins {
            let valid = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/')
                    && axum::http::HeaderValue::from_str(origin).is_ok());
            if !valid {
                return Err(ConfigError::setting(
                    "cors.allow_origins",
                    format!("{origin:?} is not an origin like \"https://app.example\" (or \"*\")"),
                ));
            }
        }
        if self.allow_credentials && self.allow_origins.iter().any(|o| o == "*") {
            return Err(ConfigError::setting(
                "cors.allow_credentials",
                "browsers refuse credentials with the \"*\" origin: list the origins",
            ));
        }
        Ok(())
    }
}
