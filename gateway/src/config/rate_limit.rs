//! `[rate_limit]`: token buckets per client and for everybody.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Token buckets on `/graphql`: one per client (its API key, else its bearer token, else
/// its IP address) and one for everybody; over either the request gets 429 with
/// `Retry-After` and a `RATE_LIMITED` GraphQL error.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Per-client bucket, `CAPACITY/REFILL_PER_SECOND` (`"100/20"`); none: off.
    pub client: Option<String>,
    /// Bucket shared by every client; none: off.
    pub global: Option<String>,
    /// Redis holding the buckets, so replicas share them; none: each replica's memory.
    pub redis_url: Option<String>,
    /// Key prefix of the buckets in Redis.
    pub key_prefix: String,
    /// Header carrying a client's API key.
    pub api_key_header: String,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            client: None,
            global: None,
            redis_url: None,
            key_prefix: "alpes:gateway:limit".into(),
            api_key_header: "x-api-key".into(),
        }
    }
}

impl RateLimitConfig {
    /// The per-client and global buckets, checked.
    pub fn buckets(
        &self,
    ) -> Result<(Option<ratelimit::Bucket>, Option<ratelimit::Bucket>), ConfigError> {
        let parse = |key: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    t.parse::<ratelimit::Bucket>()
                        .map_err(|e| ConfigError::setting(key, e.to_string()))
                })
                .transpose()
        };
        Ok((
            parse("rate_limit.client", &self.client)?,
            parse("rate_limit.global", &self.global)?,
        ))
    }
}

impl RateLimitConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let (client, global) = self.buckets()?;
        if let Some(url) = &self.redis_url
            && let Some(bucket) = client.or(global)
            && let Err(e) = ratelimit::RedisLimiter::new(url, &self.key_prefix, bucket)
        {
            return Err(ConfigError::setting("rate_limit.redis_url", e.to_string()));
        }
        if axum::http::HeaderName::from_bytes(self.api_key_header.as_bytes()).is_err() {
            return Err(ConfigError::setting(
                "rate_limit.api_key_header",
                "not a valid HTTP header name",
            ));
        }
        Ok(())
    }
}
