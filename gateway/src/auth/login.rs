//! A login for configured users (demo and embedded mode): user name and password in,
//! a signed HS256 token with the user's scopes out.
//!
//! Passwords are configured as argon2 PHC strings (`$argon2id$v=19$m=…`), never in clear;
//! checking one costs an argon2 hash (on a blocking thread), also for unknown user names, so
//! timing tells nothing about which users exist, and argon2 compares in constant time.
//! Failed attempts are throttled per user name and per client address: over the limit the
//! login answers 429 with `Retry-After` before any hash is computed, so guessing is slow and
//! cannot be turned into a CPU flood.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

use crate::config::{LoginThrottleConfig, LoginUser};
use serde::Serialize;
use tokio::time::Instant;

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user name or wrong password (which one is not said).
    #[error("unknown user name or wrong password")]
    Invalid,
    /// Too many failed attempts for this user name or from this address.
    #[error("too many failed logins: retry in {} s", retry_after.as_secs().max(1))]
    Throttled {
        /// When the next attempt is allowed.
        retry_after: Duration,
    },
    /// Hashing or signing failed (a bug or a broken configuration; logged).
    #[error("the login could not be completed: {0}")]
    Internal(String),
}

/// Hashes a password into an argon2id PHC string (default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, LoginError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| LoginError::Internal(e.to_string()))
}

/// Whether `password` matches the PHC string (constant-time comparison inside argon2).
fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// How many failed logins are allowed, and over which window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failed attempts for one user name within the window (0: no limit).
    pub max_failures_per_user: u32,
    /// Failed attempts from one client address within the window (0: no limit).
    pub max_failures_per_ip: u32,
    /// The window, counted from the first failure in it.
    pub window: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::from(&LoginThrottleConfig::default())
    }
}

impl From<&LoginThrottleConfig> for LoginThrottle {
    fn from(config: &LoginThrottleConfig) -> Self {
        Self {
            max_failures_per_user: config.max_failures_per_user,
            max_failures_per_ip: config.max_failures_per_ip,
            window: Duration::from_secs(config.window_secs),
        }
    }
}

/// Most user names (or addresses) whose failures are remembered; past it expired entries
/// are dropped, and if none has expired the oldest window goes (memory stays bounded
/// whatever names an attacker sprays).
const MAX_TRACKED: usize = 10_000;

/// Failed attempts per key within fixed windows, on tokio's clock (tests pause and
/// advance it instead of sleeping).
#[derive(Debug)]
struct Failures<K> {
    max: u32,
    window: Duration,
    /// Shared with the engines a hot reload replaces this one's with.
    by_key: Arc<Mutex<HashMap<K, (Instant, u32)>>>,
}

impl<K: Eq + Hash + Clone> Failures<K> {
    fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            by_key: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// These settings over `other`'s counts (one state for both from now on).
    fn sharing(&self, other: &Self) -> Self {
        Self {
            max: self.max,
            window: self.window,
            by_key: other.by_key.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (Instant, u32)>> {
        self.by_key.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long until `key` may try again, if it is over its limit now.
    fn blocked(&self, key: &K, now: Instant) -> Option<Duration> {
        if self.max == 0 {
            return None;
        }
        let map = self.lock();
        let (since, count) = map.get(key)?;
        let ends = *since + self.window;
        (*count >= self.max && now < ends).then(|| ends - now)
    }

    fn fail(&self, key: &K, now: Instant) {
        if self.max == 0 {
            return;
        }
        let mut map = self.lock();
        if map.len() >= MAX_TRACKED && !map.contains_key(key) {
            map.retain(|_, (since, _)| now < *since + self.window);
            if map.len() >= MAX_TRACKED
                && let Some(oldest) = map.iter().min_by_key(|(_, (since, _))| *since)
            {
                let oldest = oldest.0.clone();
                map.remove(&oldest);
            }
        }
        let entry = map.entry(key.clone()).or_insert((now, 0));
        if now >= entry.0 + self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    fn forget(&self, key: &K) {
        self.lock().remove(key);
    }
}

/// Issues tokens the gateway's own verifier accepts.
pub struct Login {
    users: Vec<LoginUser>,
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    ttl_secs: u64,
    by_user: Failures<String>,
    by_ip: Failures<IpAddr>,
    /// Checked for unknown user names, so they cost as much time as known ones.
    decoy: String,
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

impl Login {
    /// Users signing with the HS256 `secret`, throttled as `throttle` says.
    pub fn new(
        users: Vec<LoginUser>,
        secret: &str,
        issuer: Option<String>,
        audience: Option<String>,
        ttl_secs: u64,
        throttle: LoginThrottle,
    ) -> Result<Self, LoginError> {
        Ok(Self {
            users,
            key: EncodingKey::from_secret(secret.as_bytes()),
            issuer,
            audience,
            ttl_secs,
            by_user: Failures::new(throttle.max_failures_per_user, throttle.window),
            by_ip: Failures::new(throttle.max_failures_per_ip, throttle.window),
            decoy: hash_password("decoy: no user has this password")?,
        })
    }

    /// This login (users, key, settings) counting failures together with `old`'s, so a
    /// configuration or supergraph reload does not forget them.
    pub fn keeping_failures_of(&self, old: &Login) -> Self {
        Self {
            users: self.users.clone(),
            key: self.key.clone(),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            ttl_secs: self.ttl_secs,
            by_user: self.by_user.sharing(&old.by_user),
            by_ip: self.by_ip.sharing(&old.by_ip),
            decoy: self.decoy.clone(),
        }
    }

    /// A token for this user, or why not. `client` is the caller's address (none: not
    /// throttled by address).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<IssuedToken, LoginError> {
        let now = Instant::now();
        // Refused before hashing: a throttled guess costs no CPU.
        let waits = [
            self.by_user.blocked(&username.to_owned(), now),
            client.and_then(|ip| self.by_ip.blocked(&ip, now)),
        ];
        if let Some(retry_after) = waits.into_iter().flatten().max() {
            return Err(LoginError::Throttled { retry_after });
        }
        let user = self.users.iter().find(|u| u.username == username);
        let phc = user.map_or(self.decoy.clone(), |u| u.password_hash.clone());
        let attempt = password.to_owned();
        // Argon2 takes tens of milliseconds of CPU by design: off the request threads.
        let matches = tokio::task::spawn_blocking(move || verify(&phc, &attempt))
            .await
            .map_err(|e| LoginError::Internal(e.to_string()))?;
        let Some(user) = user.filter(|_| matches) else {
            let now = Instant::now();
            self.by_user.fail(&username.to_owned(), now);
            if let Some(ip) = client {
                self.by_ip.fail(&ip, now);
            }
            return Err(LoginError::Invalid);
        };
        self.by_user.forget(&user.username);
        self.issue(user)
    }

    fn issue(&self, user: &LoginUser) -> Result<IssuedToken, LoginError> {
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
            .map_err(|e| LoginError::Internal(e.to_string()))?;
        Ok(IssuedToken {
            token,
            expires_at,
            scopes: user.scopes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::check_password_hash;

    #[test]
    fn hashes_verify_only_their_password() {
        let phc = hash_password("admin").expect("hash");
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(check_password_hash(&phc).is_ok());
        assert!(verify(&phc, "admin"));
        assert!(!verify(&phc, "Admin"));
        assert!(!verify("not a hash", "admin"));
        assert!(check_password_hash("admin").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_counted_per_key_within_the_window() {
        let failures = Failures::new(2, Duration::from_secs(60));
        let key = "ana".to_owned();
        failures.fail(&key, Instant::now());
        assert_eq!(failures.blocked(&key, Instant::now()), None);
        failures.fail(&key, Instant::now());
        tokio::time::advance(Duration::from_secs(15)).await;
        assert_eq!(
            failures.blocked(&key, Instant::now()),
            Some(Duration::from_secs(45))
        );
        assert_eq!(failures.blocked(&"eva".to_owned(), Instant::now()), None);
        tokio::time::advance(Duration::from_secs(45)).await;
        assert_eq!(failures.blocked(&key, Instant::now()), None, "window over");
        failures.fail(&key, Instant::now());
        assert_eq!(failures.blocked(&key, Instant::now()), None, "a new window");
    }
}
