//! JWT verification: HS256 with a shared secret (embedded mode). `exp`/`nbf` always, `iss`
//! and `aud` when configured; the algorithm is fixed by the key, so `alg: none` and
//! algorithm confusion are refused.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Map, Value};

/// Why a bearer token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Not a `Bearer` token.
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    /// Signature, algorithm, expiry, issuer or audience is wrong.
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// The verified claims of a request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    /// Every claim, as sent.
    pub raw: Map<String, Value>,
}

impl Claims {
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

/// Verifies bearer tokens.
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl JwtVerifier {
    /// HS256 with this secret; `issuer`/`audience` are checked when given.
    pub fn hs256(secret: &str, issuer: Option<&str>, audience: Option<&str>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        match issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        Self {
            key: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// Verifies an `Authorization` header value.
    pub fn verify_header(&self, header: &str) -> Result<Claims, AuthError> {
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Malformed)?;
        decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map(|data| Claims { raw: data.claims })
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}
