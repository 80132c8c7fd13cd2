//! A login for configured users (demo and embedded mode): user name and password in,
//! a signed HS256 token with the user's scopes out.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::{Deserialize, Serialize};

use super::AuthError;

/// A user who may log in.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LoginUser {
    /// User name.
    pub username: String,
    /// Password (configuration is trusted; for demo users).
    pub password: String,
    /// Scopes put in the token's `scope` claim.
    pub scopes: Vec<String>,
    /// Further claims put in the token (a partner user's `role` and `afiliado_id`, which
    /// subgraphs filter rows by); they never replace `sub`, `scope`, `iat`, `exp`, `iss`
    /// or `aud`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Issues tokens the gateway's own verifier accepts.
pub struct Login {
    users: Vec<LoginUser>,
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    ttl_secs: u64,
}

/// A token issued by [`Login::login`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    /// The bearer token.
    pub token: String,
    /// Its expiry, seconds since the epoch.
    pub expires_at: u64,
    /// The scopes it grants.
    pub scopes: Vec<String>,
}

/// Compares without stopping at the first difference (no timing hint on the password).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Login {
    /// Users signing with the HS256 `secret`.
    pub fn new(
        users: Vec<LoginUser>,
        secret: &str,
        issuer: Option<String>,
        audience: Option<String>,
        ttl_secs: u64,
    ) -> Self {
        Self {
            users,
            key: EncodingKey::from_secret(secret.as_bytes()),
            issuer,
            audience,
            ttl_secs,
        }
    }

    /// A token for this user, or `AuthError::Invalid` for unknown credentials.
    pub fn login(&self, username: &str, password: &str) -> Result<IssuedToken, AuthError> {
        let user = self
            .users
            .iter()
            .find(|u| u.username == username && same(&u.password, password))
            .ok_or_else(|| AuthError::Invalid("unknown user name or wrong password".into()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let expires_at = now + self.ttl_secs;
        let mut claims = serde_json::Value::Object(user.claims.clone());
        claims["sub"] = user.username.clone().into();
        claims["scope"] = user.scopes.join(" ").into();
        claims["iat"] = now.into();
        claims["exp"] = expires_at.into();
        if let Some(issuer) = &self.issuer {
            claims["iss"] = issuer.clone().into();
        }
        if let Some(audience) = &self.audience {
            claims["aud"] = audience.clone().into();
        }
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        Ok(IssuedToken {
            token,
            expires_at,
            scopes: user.scopes.clone(),
        })
    }
}
