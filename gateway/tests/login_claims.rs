//! Configured login users may carry extra claims (a partner user's role and partner id,
//! which subgraphs filter rows by); the token's own claims cannot be overridden by them.

use gateway::auth::{JwtVerifier, Login, LoginThrottle, LoginUser, hash_password};
use serde_json::{Value, json};

const SECRET: &str = "secreto-de-la-prueba-de-claims-0123456789";

#[tokio::test]
async fn extra_claims_reach_the_token_but_never_replace_its_own() {
    let claims = json!({
        "role": "afiliado",
        "afiliado_id": "990af708-d72c-4659-979e-386dc61de940",
        "sub": "otro", "scope": "admin", "exp": 1, "iss": "falso"
    });
    let user = LoginUser {
        username: "socio".into(),
        password_hash: hash_password("clave-del-socio").expect("hash"),
        scopes: vec!["lectura".into()],
        claims: claims.as_object().cloned().unwrap_or_default(),
    };
    let login = Login::new(
        vec![user],
        SECRET,
        Some("alpes".into()),
        None,
        600,
        LoginThrottle::default(),
    )
    .expect("login");
    let issued = login
        .login("socio", "clave-del-socio", None)
        .await
        .expect("logs in");
    let verified = JwtVerifier::hs256(SECRET, Some("alpes"), None)
        .verify_header(&format!("Bearer {}", issued.token))
        .await
        .expect("the token verifies (its own exp and iss)");
    let raw = Value::Object(verified.raw.clone());
    assert_eq!(raw["role"], "afiliado");
    assert_eq!(raw["afiliado_id"], "990af708-d72c-4659-979e-386dc61de940");
    assert_eq!(raw["sub"], "socio");
    assert_eq!(raw["scope"], "lectura");
    assert_eq!(raw["iss"], "alpes");
    assert_eq!(verified.scopes(), vec!["lectura".to_owned()]);
}

#[test]
fn users_in_configuration_take_claims() {
    let user: LoginUser = serde_json::from_value(json!({
        "username": "afiliado", "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "scopes": ["lectura"],
        "claims": { "role": "afiliado", "afiliado_id": "990af708-d72c-4659-979e-386dc61de940" }
    }))
    .expect("a user with claims");
    assert_eq!(user.claims["role"], "afiliado");
    let plain: LoginUser = serde_json::from_value(
        json!({ "username": "lector", "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "scopes": ["lectura"] }),
    )
    .expect("claims are optional");
    assert!(plain.claims.is_empty());
}
