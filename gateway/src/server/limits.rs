//! Rate limits on `/graphql`: a token bucket per client and one for everybody, in memory
//! or in Redis shared by replicas (the `ratelimit` crate).

use std::sync::Arc;

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use ratelimit::{Bucket, Decision, Limiter, MemoryLimiter, RedisLimiter};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::client_ip::TrustedProxies;
use crate::config::RateLimitConfig;

/// The configured limiters.
pub(crate) struct RateLimits {
    client: Option<Arc<dyn Limiter>>,
    global: Option<Arc<dyn Limiter>>,
    api_key_header: HeaderName,
    /// Whose `X-Forwarded-For` names the client.
    trusted_proxies: TrustedProxies,
}

fn limiter(config: &RateLimitConfig, scope: &str, bucket: Bucket) -> Arc<dyn Limiter> {
    if let Some(url) = &config.redis_url {
        match RedisLimiter::new(url, &format!("{}:{scope}", config.key_prefix), bucket) {
            Ok(limiter) => return Arc::new(limiter),
            // Validated at start; reaching this means the URL changed meaning.
            Err(error) => {
                tracing::error!(%error, "rate limit: invalid Redis URL, limiting in memory")
            }
        }
    }
    Arc::new(MemoryLimiter::new(bucket))
}

impl RateLimits {
    /// The limiters of a validated configuration; `None` when no limit is set.
    pub(crate) fn new(config: &RateLimitConfig, trusted_proxies: TrustedProxies) -> Option<Self> {
        let (client, global) = config.buckets().ok()?;
        if client.is_none() && global.is_none() {
            return None;
        }
        Some(Self {
            client: client.map(|b| limiter(config, "client", b)),
            global: global.map(|b| limiter(config, "global", b)),
            api_key_header: HeaderName::from_bytes(config.api_key_header.as_bytes())
                .unwrap_or(HeaderName::from_static("x-api-key")),
            trusted_proxies,
        })
    }

    /// Who is asking: its API key, else its bearer token, else its address (keys and
    /// tokens are hashed, never stored as given).
    fn client_key(&self, request: &Request) -> String {
        let digest = |kind: &str, value: &[u8]| {
            let hash = Sha256::digest(value);
            let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("{kind}:{hex}")
        };
        let headers = request.headers();
        if let Some(key) = headers.get(&self.api_key_header) {
            return digest("key", key.as_bytes());
        }
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            return digest("token", auth.as_bytes());
        }
        match self.trusted_proxies.of_request(request) {
            Some(ip) => format!("ip:{ip}"),
            None => "ip:unknown".to_owned(),
        }
    }
}

fn limited(scope: &str, retry_after_ms: u64) -> Response {
    let seconds = retry_after_ms.div_ceil(1000).max(1);
    let body = json!({ "errors": [{
        "message": format!("Too many requests ({scope} limit): retry in {seconds} s"),
        "extensions": { "code": "RATE_LIMITED", "retryAfterMs": retry_after_ms },
    }]});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// The middleware: the client's bucket first (one client over its limit does not drain
/// the global one), then the global bucket. Leaves a [`RateCharge`] for handlers whose
/// request weighs more than one (a batch of operations).
pub(crate) async fn enforce(
    State(limits): State<Arc<RateLimits>>,
    mut request: Request,
    next: Next,
) -> Response {
    let client_key = match limits.client {
        Some(_) => limits.client_key(&request),
        None => String::new(),
    };
    let charge = RateCharge { limits, client_key };
    if let Err(refused) = charge.take(1).await {
        return refused;
    }
    request.extensions_mut().insert(charge);
    next.run(request).await
}

/// The limits one request is charged against, for charging it more.
#[derive(Clone)]
pub(crate) struct RateCharge {
    limits: Arc<RateLimits>,
    client_key: String,
}

impl RateCharge {
    /// Takes `tokens` at once from the client's bucket, then from the global one; the 429
    /// to answer when either lacks them.
    pub(crate) async fn take(&self, tokens: u32) -> Result<(), Response> {
        if let Some(client) = &self.limits.client
            && let Decision::Limited { retry_after_ms } =
                client.take_n(&self.client_key, tokens).await
        {
            return Err(limited("client", retry_after_ms));
        }
        if let Some(global) = &self.limits.global
            && let Decision::Limited { retry_after_ms } = global.take_n("all", tokens).await
        {
            return Err(limited("global", retry_after_ms));
        }
        Ok(())
    }
}
