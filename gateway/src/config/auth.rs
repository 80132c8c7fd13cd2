//! `[auth]`: bearer-token verification and the users of `POST /auth/login`.

use serde::{Deserialize, Serialize};

use super::{
    ConfigError,
    validate::{http_url, positive},
};

/// Default clock-skew allowance on `exp`/`nbf`, in seconds (jsonwebtoken's own default
/// of 60 s keeps an expired token working for a minute).
pub const DEFAULT_LEEWAY_SECS: u64 = 5;

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwks_url: None,
            jwks_max_age_secs: 3600,
            jwks_min_refresh_secs: 10,
            jwt_secret: None,
            issuer: None,
            audience: None,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            users: Vec::new(),
            token_ttl_secs: 3600,
            login_throttle: LoginThrottleConfig::default(),
        }
    }
}

/// Failed logins allowed before `POST /auth/login` answers 429 for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LoginThrottleConfig {
    /// Failed attempts for one user name per window (0: no limit).
    pub max_failures_per_user: u32,
    /// Failed attempts from one client address per window (0: no limit).
    pub max_failures_per_ip: u32,
    /// The window, in seconds from its first failure.
    pub window_secs: u64,
}

impl Default for LoginThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures_per_user: 5,
            max_failures_per_ip: 20,
            window_secs: 60,
        }
    }
}

/// JWT verification: HS256 with a shared secret and/or asymmetric keys from a JWKS URL.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The HS256 secret (at least 32 bytes).
    pub jwt_secret: Option<String>,
    /// A JWKS URL whose keys verify RS256/ES256 (and other asymmetric) tokens; with
    /// neither this nor `jwt_secret`, requests are anonymous.
    pub jwks_url: Option<String>,
    /// Keys older than this are fetched again, in seconds.
    pub jwks_max_age_secs: u64,
    /// Shortest time between two JWKS fetches (unknown `kid`s fetch at most this often).
    pub jwks_min_refresh_secs: u64,
    /// Required `iss`, if set (a token without `iss` is refused).
    pub issuer: Option<String>,
    /// Required `aud`, if set (a token without `aud` is refused).
    pub audience: Option<String>,
    /// Clock skew allowed on `exp`/`nbf`, in seconds (at most 300).
    pub leeway_secs: u64,
    /// Users of `POST /auth/login` (demo and embedded mode); none: no login route.
    pub users: Vec<LoginUser>,
    /// Lifetime of login tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Throttling of failed logins, per user name and per client address.
    pub login_throttle: LoginThrottleConfig,
}

/// A user who may log in.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LoginUser {
    /// User name.
    pub username: String,
    /// The password as an argon2 PHC string (make one with `gateway hash-password` or any
    /// argon2 tool: `$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub password_hash: String,
    /// Scopes put in the token's `scope` claim.
    pub scopes: Vec<String>,
    /// Further claims put in the token (a partner user's `role` and `afiliado_id`, which
    /// subgraphs filter rows by); they never replace `sub`, `scope`, `iat`, `exp`, `iss`
    /// or `aud`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Whether a configured password hash is an argon2 PHC string (never a plain password).
pub fn check_password_hash(phc: &str) -> Result<(), String> {
    let hash = argon2::PasswordHash::new(phc).map_err(|e| format!("not a PHC string: {e}"))?;
    if !hash.algorithm.as_str().starts_with("argon2") {
        return Err(format!("{} is not argon2", hash.algorithm));
    }
    Ok(())
}

impl AuthConfig {
    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError::setting(
                "auth.jwt_secret",
                "an HS256 secret needs at least 32 bytes",
            ));
        }
        if self.leeway_secs > 300 {
            return Err(ConfigError::setting(
                "auth.leeway_secs",
                "at most 300: a longer leeway keeps expired tokens working",
            ));
        }
        if let Some(url) = &self.jwks_url {
            http_url("auth.jwks_url", url)?;
        }
        for (i, user) in self.users.iter().enumerate() {
            if let Err(problem) = check_password_hash(&user.password_hash) {
                return Err(ConfigError::setting(
                    format!("auth.users[{i}].password_hash"),
                    format!(
                        "{problem}: give an argon2 PHC string ($argon2id$v=19$m=…), never the password"
                    ),
                ));
            }
        }
        positive(
            "auth.login_throttle.window_secs",
            self.login_throttle.window_secs,
        )?;
        if !self.users.is_empty() && self.jwt_secret.is_none() {
            return Err(ConfigError::setting(
                "auth.users",
                "login users need auth.jwt_secret to sign their tokens",
            ));
        }
        Ok(())
    }
}
