//! JWT verification: HS256 with a shared secret (embedded mode) and RS256/ES256 (or any
//! asymmetric algorithm) with keys from a JWKS URL, cached and refreshed when a token names
//! an unknown `kid` (key rotation without a restart). `exp`/`nbf` always, `iss` and `aud`
//! when configured — then a token must carry them (a token without `iss` is not a token of
//! that issuer); times are checked with a small leeway for clock skew (5 s by default);
//! the algorithm comes from the key, never from the token, so `alg: none` and algorithm
//! confusion (an HS256 token signed with a public key) are refused.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode, decode_header,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet},
};
use serde_json::{Map, Value};

/// Why a bearer token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Not a `Bearer` token.
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    /// Signature, algorithm, key, expiry, issuer or audience is wrong.
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// The verified claims of a request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    /// Every claim, as sent.
    pub raw: Map<String, Value>,
}

/// Whether a token expiring at `expires_at` (seconds since the epoch; none: never) has
/// expired now: what long-lived streams check between their results.
pub fn expired(expires_at: Option<u64>) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    expires_at.is_some_and(|exp| exp <= now)
}

impl Claims {
    /// The token's `exp` (seconds since the epoch), if it has one.
    pub fn expires_at(&self) -> Option<u64> {
        self.raw.get("exp").and_then(Value::as_u64)
    }

    /// Scopes from `scope` (space-separated, OAuth 2) and `scopes` (array).
    pub fn scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = self
            .raw
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(Value::Array(list)) = self.raw.get("scopes") {
            scopes.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        scopes
    }
}

/// Where signing keys come from and how often they are fetched again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwksSource {
    /// The JWKS document's URL.
    pub url: String,
    /// Keys older than this are fetched again before use.
    pub max_age: Duration,
    /// Shortest time between two fetches (an unknown `kid` cannot make the gateway
    /// hammer the identity provider).
    pub min_interval: Duration,
}

type Keys = HashMap<String, (DecodingKey, Algorithm)>;

struct Jwks {
    source: JwksSource,
    http: reqwest::Client,
    keys: RwLock<Arc<Keys>>,
    /// When the keys were last fetched; held while fetching so one request fetches.
    fetched: tokio::sync::Mutex<Option<Instant>>,
}

/// The algorithm a key verifies: its `alg`, else the one its type implies. Symmetric
/// keys are never taken from a JWKS.
fn algorithm_of(jwk: &Jwk) -> Option<Algorithm> {
    if let Some(alg) = jwk.common.key_algorithm {
        return Algorithm::try_from(alg)
            .ok()
            .filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512));
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Some(Algorithm::ES256),
            EllipticCurve::P384 => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(_) => Some(Algorithm::EdDSA),
        // Symmetric keys, and key types this crate may add later.
        _ => None,
    }
}

impl Jwks {
    fn cached(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner()).clone();
        keys.get(kid).cloned()
    }

    async fn fetch(&self) -> Result<Keys, String> {
        let set: JwkSet = self
            .http
            .get(&self.source.url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("fetching {}: {e}", self.source.url))?
            .json()
            .await
            .map_err(|e| format!("reading {}: {e}", self.source.url))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let (Some(kid), Some(alg)) = (jwk.common.key_id.clone(), algorithm_of(jwk)) else {
                continue;
            };
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid, (key, alg));
                }
                Err(error) => tracing::warn!(%kid, %error, "JWKS: unusable key skipped"),
            }
        }
        Ok(keys)
    }

    /// The key `kid` names: cached, or after a fetch when it is unknown or the cache is old.
    async fn key(&self, kid: &str) -> Result<(DecodingKey, Algorithm), AuthError> {
        {
            let fetched = self.fetched.lock().await;
            let fresh = fetched.is_some_and(|at| at.elapsed() < self.source.max_age);
            if fresh && let Some(found) = self.cached(kid) {
                return Ok(found);
            }
        }
        let mut fetched = self.fetched.lock().await;
        // Another request may have fetched while this one waited.
        let recent = fetched.is_some_and(|at| at.elapsed() < self.source.min_interval);
        if !recent {
            match self.fetch().await {
                Ok(keys) => {
                    *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                    *fetched = Some(Instant::now());
                }
                // The last good keys keep serving while the provider is unreachable.
                Err(error) => tracing::warn!(%error, "JWKS refresh failed"),
            }
        }
        self.cached(kid)
            .ok_or_else(|| AuthError::Invalid(format!("unknown signing key '{kid}'")))
    }
}

/// Verifies bearer tokens.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    jwks: Option<Jwks>,
    validation: Validation,
}

impl JwtVerifier {
    /// A verifier accepting HS256 tokens signed with `secret` (if given) and tokens signed
    /// by keys of `jwks` (if given); `issuer`/`audience` are checked when given.
    pub fn new(
        secret: Option<&str>,
        jwks: Option<JwksSource>,
        issuer: Option<&str>,
        audience: Option<&str>,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_nbf = true;
        validation.leeway = crate::config::DEFAULT_LEEWAY_SECS;
        // jsonwebtoken checks `iss`/`aud` only when the token has them: a configured one
        // must also be required, or a token without it passes.
        let mut required = vec!["exp"];
        if issuer.is_some() {
            required.push("iss");
        }
        if audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        match issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        Self {
            hs256: secret.map(|s| DecodingKey::from_secret(s.as_bytes())),
            jwks: jwks.map(|source| Jwks {
                source,
                http: reqwest::Client::new(),
                keys: RwLock::default(),
                fetched: tokio::sync::Mutex::new(None),
            }),
            validation,
        }
    }

    /// Allows this much clock skew on `exp` and `nbf`, in seconds.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.validation.leeway = seconds;
        self
    }

    /// HS256 with this secret; `issuer`/`audience` are checked when given.
    pub fn hs256(secret: &str, issuer: Option<&str>, audience: Option<&str>) -> Self {
        Self::new(Some(secret), None, issuer, audience)
    }

    /// Verifies an `Authorization` header value.
    pub async fn verify_header(&self, header: &str) -> Result<Claims, AuthError> {
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Malformed)?;
        let invalid = |e: jsonwebtoken::errors::Error| AuthError::Invalid(e.to_string());
        let head = decode_header(token).map_err(invalid)?;
        let (key, algorithm) = match (head.alg, &self.hs256, &self.jwks) {
            (Algorithm::HS256, Some(secret), _) => (secret.clone(), Algorithm::HS256),
            (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512, _, _) => {
                return Err(AuthError::Invalid(format!(
                    "{:?} tokens are not accepted",
                    head.alg
                )));
            }
            (_, _, Some(jwks)) => {
                let kid = head
                    .kid
                    .as_deref()
                    .ok_or_else(|| AuthError::Invalid("the token names no key (kid)".into()))?;
                jwks.key(kid).await?
            }
            (alg, _, None) => {
                return Err(AuthError::Invalid(format!(
                    "{alg:?} tokens are not accepted"
                )));
            }
        };
        // The key decides the algorithm: a token claiming another one fails here.
        let mut validation = self.validation.clone();
        validation.algorithms = vec![algorithm];
        decode::<Map<String, Value>>(token, &key, &validation)
            .map(|data| Claims { raw: data.claims })
            .map_err(invalid)
    }
}
