//! RS256/ES256 tokens verified with keys from a JWKS URL: cached, fetched again when a
//! token names an unknown key (rotation without a restart), the algorithm fixed by the
//! key (no `alg: none`, no HS256 signed with a public key).

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    Json, Router,
    body::Body,
    http::{Request, StatusCode, header},
    routing::get,
};
use gateway::{
    config::GatewayConfig,
    server::{AppState, router_with},
    startup::engine_from_config,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, jwk::Jwk};
use serde_json::{Value, json};
use tower::ServiceExt;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A test-only key pair (never used anywhere else) and its public JWK.
struct Key {
    encoding: EncodingKey,
    jwk: Value,
    algorithm: Algorithm,
    kid: &'static str,
}

fn key(file: &str, algorithm: Algorithm, kid: &'static str) -> Key {
    let pem = std::fs::read(fixture(file)).expect("test key");
    let encoding = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .expect("key parses");
    let mut jwk = Jwk::from_encoding_key(&encoding, algorithm).expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    Key {
        encoding,
        jwk: serde_json::to_value(jwk).expect("json"),
        algorithm,
        kid,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn token(key: &Key, claims: Value) -> String {
    let mut header = Header::new(key.algorithm);
    header.kid = Some(key.kid.to_owned());
    encode(&header, &claims, &key.encoding).expect("signed")
}

fn claims(exp: u64) -> Value {
    json!({ "sub": "ana", "iss": "https://idp.example", "exp": exp, "scope": "lectura" })
}

/// The identity provider: serves whatever key set it holds and counts fetches.
struct Provider {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

async fn provider(keys: Vec<Value>) -> Provider {
    let keys = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (k, f) = (keys.clone(), fetches.clone());
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            let (k, f) = (k.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                let keys = k.lock().expect("lock").clone();
                Json(json!({ "keys": keys }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    Provider { url, keys, fetches }
}

fn gateway(jwks_url: &str) -> Router {
    let mut config = GatewayConfig::default();
    config.auth.jwks_url = Some(jwks_url.to_owned());
    config.auth.issuer = Some("https://idp.example".into());
    config.auth.jwks_min_refresh_secs = 0;
    config.validate().expect("valid");
    let sdl = std::fs::read_to_string(fixture("shop.supergraph.graphql")).expect("fixture");
    let engine = engine_from_config(&sdl, &config).expect("engine");
    router_with(AppState::new(engine), &config)
}

async fn status(app: &Router, bearer: &str) -> (StatusCode, Value) {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .body(Body::from(json!({ "query": "{ __typename }" }).to_string()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn asymmetric_tokens_verify_against_the_key_set_and_rotation_needs_no_restart() {
    let ec = key("jwks-test-ec.pem", Algorithm::ES256, "ec-1");
    let rsa = key("jwks-test-rsa.pem", Algorithm::RS256, "rsa-1");
    let idp = provider(vec![ec.jwk.clone()]).await;
    let app = gateway(&idp.url);

    let es256 = token(&ec, claims(now() + 600));
    for _ in 0..3 {
        let (code, body) = status(&app, &es256).await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 1, "keys are cached");

    // A token of a key the provider does not publish yet…
    let rs256 = token(&rsa, claims(now() + 600));
    let (code, body) = status(&app, &rs256).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown signing key 'rsa-1'")),
        "{body}"
    );
    // …verifies once the provider rotates it in: an unknown kid fetches the set again.
    idp.keys.lock().expect("lock").push(rsa.jwk.clone());
    let (code, body) = status(&app, &rs256).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        3,
        "one fetch per unknown kid"
    );
    let (code, _) = status(&app, &es256).await;
    assert_eq!(code, StatusCode::OK, "the earlier key still verifies");
}

#[tokio::test]
async fn forged_and_stale_tokens_are_refused() {
    let ec = key("jwks-test-ec.pem", Algorithm::ES256, "ec-1");
    let rsa = key("jwks-test-rsa.pem", Algorithm::RS256, "rsa-1");
    let idp = provider(vec![ec.jwk.clone(), rsa.jwk.clone()]).await;
    let app = gateway(&idp.url);
    let refused = |(code, body): (StatusCode, Value)| {
        assert_eq!(code, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    };
    // Expired, wrong issuer.
    refused(status(&app, &token(&ec, claims(now() - 120))).await);
    let mut other = claims(now() + 600);
    other["iss"] = json!("https://evil.example");
    refused(status(&app, &token(&ec, other)).await);
    // HS256 "signed" with the RSA public key as the secret (algorithm confusion).
    let public = serde_json::to_vec(&rsa.jwk).expect("bytes");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let confused = encode(
        &header,
        &claims(now() + 600),
        &EncodingKey::from_secret(&public),
    )
    .expect("signed");
    refused(status(&app, &confused).await);
    // An ES256 header on a token signed by the RSA key under the EC kid.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ec-1".into());
    let swapped = encode(&header, &claims(now() + 600), &rsa.encoding).expect("signed");
    refused(status(&app, &swapped).await);
    // alg: none.
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "kid": "ec-1" })),
        b64(&claims(now() + 600))
    );
    refused(status(&app, &none).await);
    // No kid.
    let kidless = encode(
        &Header::new(Algorithm::ES256),
        &claims(now() + 600),
        &ec.encoding,
    )
    .expect("signed");
    refused(status(&app, &kidless).await);
}

/// Base64url without padding, for a hand-made token.
fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
