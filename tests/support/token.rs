//! Tokens for gateways a test or benchmark configures itself (shared by
//! `tests/federation.rs`, `tests/suscripciones.rs` and `benches/dashboard.rs`).

/// A token for `admin` with every scope of the authorization model, issued by the
/// gateway's own login with `secret`, valid `ttl_secs`.
pub(crate) async fn admin_token(secret: &str, ttl_secs: u64) -> String {
    token_with(secret, &["lectura", "escritura", "admin", "pii"], ttl_secs).await
}

/// A token with exactly these scopes, issued by the gateway's own login with `secret`,
/// valid `ttl_secs`.
pub(crate) async fn token_with(secret: &str, scopes: &[&str], ttl_secs: u64) -> String {
    let login = gateway::auth::Login::new(
        vec![gateway::auth::LoginUser {
            username: "admin".into(),
            password_hash: gateway::auth::hash_password("admin").expect("hash"),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }],
        secret,
        None,
        None,
        ttl_secs,
        gateway::auth::LoginThrottle::default(),
    )
    .expect("login");
    login
        .login("admin", "admin", None)
        .await
        .expect("token")
        .token
}
