//! An admin's token for gateways a test or benchmark configures itself (shared by
//! `tests/federation.rs` and `benches/dashboard.rs`).

/// A token for `admin` with every scope of the authorization model, issued by the
/// gateway's own login with `secret`, valid `ttl_secs`.
pub(crate) async fn admin_token(secret: &str, ttl_secs: u64) -> String {
    let login = gateway::auth::Login::new(
        vec![gateway::auth::LoginUser {
            username: "admin".into(),
            password_hash: gateway::auth::hash_password("admin").expect("hash"),
            scopes: ["lectura", "escritura", "admin", "pii"]
                .map(str::to_owned)
                .to_vec(),
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
