//! JWT authentication and `@authenticated` / `@requiresScopes` field authorization, over
//! the conformance subgraphs with those directives added to their supergraph.

#[path = "common/authz.rs"]
mod authz;
#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use authz::with_rules;
use federation::Federation;
use gateway::{auth::LoginUser, config::GatewayConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

async fn federation() -> Federation {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.auth.issuer = Some("alpes".into());
    config.auth.users = vec![LoginUser {
        username: "pricing".into(),
        password_hash: gateway::auth::hash_password("s3cret-pricing").expect("hash"),
        scopes: vec!["read:prices".into()],
        ..Default::default()
    }];
    Federation::conformance_with(with_rules, config).await
}

fn token(claims: Value) -> String {
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token");
    format!("Bearer {token}")
}

fn exp(offset: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    i64::try_from(now).expect("time") + offset
}

#[tokio::test]
async fn anonymous_callers_get_null_and_an_error_for_protected_fields_only() {
    let f = federation().await;
    f.clear_requests();
    let response = f
        .query(r#"{ me { id name } product(upc: "1") { upc price } }"#)
        .await;
    // `name: String!` denied makes `me` null; `price: Int!` denied makes `product` null.
    assert_eq!(response["data"], json!({ "me": null, "product": null }));
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{errors:?}");
    // Anonymous: UNAUTHENTICATED, the field named in Spanish.
    for error in errors {
        assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");
    }
    assert_eq!(
        errors[0]["message"],
        "Inicia sesión: User.name requiere un token"
    );
    assert_eq!(errors[0]["path"], json!(["me", "name"]));
    assert_eq!(errors[1]["path"], json!(["product", "price"]));
    // The denied fields were never asked of a subgraph.
    for request in f.subgraph("accounts").requests() {
        assert!(
            !request["query"].as_str().unwrap_or("").contains("name"),
            "{request}"
        );
    }
    for request in f.subgraph("products").requests() {
        assert!(
            !request["query"].as_str().unwrap_or("").contains("price"),
            "{request}"
        );
    }
    // Unprotected fields are served as usual.
    let response = f.query(r#"{ me { id } product(upc: "1") { upc } }"#).await;
    assert_eq!(
        response,
        json!({ "data": { "me": { "id": "u1" }, "product": { "upc": "1" } } })
    );
}

#[tokio::test]
async fn tokens_and_scopes_open_the_protected_fields() {
    let f = federation().await;
    let query = r#"{ me { name } product(upc: "1") { price } }"#;
    let reader = token(json!({ "sub": "u1", "iss": "alpes", "exp": exp(600) }));
    let (status, response) = f.query_as(query, &reader).await;
    assert_eq!(status, 200);
    assert_eq!(
        response["data"],
        json!({ "me": { "name": "Ada Lovelace" }, "product": null })
    );
    assert_eq!(
        response["errors"][0]["path"],
        json!(["product", "price"]),
        "{response}"
    );
    // A token without the scope: FORBIDDEN, naming the field and the scope.
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{response}"
    );
    assert_eq!(
        response["errors"][0]["message"],
        "Permiso insuficiente: Product.price requiere el alcance «read:prices»",
        "{response}"
    );
    let pricing = token(json!({
        "sub": "u1", "iss": "alpes", "exp": exp(600), "scope": "read:prices other"
    }));
    let (status, response) = f.query_as(query, &pricing).await;
    assert_eq!(status, 200);
    assert_eq!(
        response,
        json!({ "data": { "me": { "name": "Ada Lovelace" }, "product": { "price": 899 } } })
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() {
    let f = federation().await;
    let query = "{ me { id } }";
    let wrong_key = encode(
        &Header::new(Algorithm::HS256),
        &json!({ "iss": "alpes", "exp": exp(600) }),
        &EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!"),
    )
    .expect("token");
    // `alg: none`: header {"alg":"none"}, no signature.
    let none = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        "eyJpc3MiOiJhbHBlcyIsImV4cCI6OTk5OTk5OTk5OX0"
    );
    for authorization in [
        token(json!({ "iss": "alpes", "exp": exp(-600) })),
        token(json!({ "iss": "someone-else", "exp": exp(600) })),
        token(json!({ "iss": "alpes", "exp": exp(600), "nbf": exp(600) })),
        format!("Bearer {wrong_key}"),
        format!("Bearer {none}"),
        "Bearer not-a-token".to_owned(),
        "Basic dXNlcjpwYXNz".to_owned(),
    ] {
        let (status, body) = f.query_as(query, &authorization).await;
        assert_eq!(status, 401, "{authorization}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(body.get("data").is_none());
    }
}

#[tokio::test]
async fn configured_users_log_in_and_get_their_scopes() {
    let f = federation().await;
    let login_url = f.url.replace("/graphql", "/auth/login");
    let http = reqwest::Client::new();
    let response = http
        .post(&login_url)
        .json(&json!({ "username": "pricing", "password": "s3cret-pricing" }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 200);
    let issued: Value = response.json().await.expect("json");
    assert_eq!(issued["scopes"], json!(["read:prices"]));
    let bearer = format!("Bearer {}", issued["token"].as_str().expect("token"));
    let (status, body) = f
        .query_as(r#"{ me { name } product(upc: "1") { price } }"#, &bearer)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "me": { "name": "Ada Lovelace" }, "product": { "price": 899 } } })
    );
    for credentials in [
        json!({ "username": "pricing", "password": "wrong" }),
        json!({ "username": "nobody", "password": "s3cret-pricing" }),
    ] {
        let response = http
            .post(&login_url)
            .json(&credentials)
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 401, "{credentials}");
    }
    let response = http
        .post(&login_url)
        .body("nope")
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn identical_requests_of_different_callers_are_never_shared() {
    let f = federation().await;
    f.subgraph("accounts")
        .set_delay(std::time::Duration::from_millis(400));
    let alice = token(json!({ "sub": "alice", "iss": "alpes", "exp": exp(600) }));
    let bob = token(json!({ "sub": "bob", "iss": "alpes", "exp": exp(600) }));
    f.clear_requests();
    let (a, b, c) = tokio::join!(
        f.query_as("{ me { id } }", &alice),
        f.query_as("{ me { id } }", &bob),
        f.query_as("{ me { id } }", &alice),
    );
    for (status, body) in [a, b, c] {
        assert_eq!(
            (status, body),
            (200, json!({ "data": { "me": { "id": "u1" } } }))
        );
    }
    // Alice's two identical requests shared one subgraph request; Bob's was his own.
    assert_eq!(f.subgraph("accounts").requests().len(), 2);
}

async fn federation_with_audience(leeway_secs: Option<u64>) -> Federation {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.auth.issuer = Some("alpes".into());
    config.auth.audience = Some("alpes-gateway".into());
    if let Some(leeway) = leeway_secs {
        config.auth.leeway_secs = leeway;
    }
    Federation::conformance_with(with_rules, config).await
}

#[tokio::test]
async fn a_configured_issuer_and_audience_must_be_in_the_token() {
    let f = federation_with_audience(None).await;
    let query = "{ me { name } }";
    let refused = [
        (
            "without iss",
            json!({ "aud": "alpes-gateway", "exp": exp(600) }),
        ),
        ("without aud", json!({ "iss": "alpes", "exp": exp(600) })),
        (
            "with another aud",
            json!({ "iss": "alpes", "aud": "someone-else", "exp": exp(600) }),
        ),
        (
            "expired 10 s ago",
            json!({ "iss": "alpes", "aud": "alpes-gateway", "exp": exp(-10) }),
        ),
        (
            "without exp",
            json!({ "iss": "alpes", "aud": "alpes-gateway" }),
        ),
    ];
    for (case, claims) in refused {
        let (status, body) = f.query_as(query, &token(claims)).await;
        assert_eq!(status, 401, "a token {case} is refused: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let (status, body) = f
        .query_as(
            query,
            &token(json!({ "iss": "alpes", "aud": "alpes-gateway", "exp": exp(600) })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["name"], "Ada Lovelace", "{body}");
}

#[tokio::test]
async fn the_expiry_leeway_is_configurable() {
    let f = federation_with_audience(Some(30)).await;
    let (status, body) = f
        .query_as(
            "{ me { name } }",
            &token(json!({ "iss": "alpes", "aud": "alpes-gateway", "exp": exp(-10) })),
        )
        .await;
    assert_eq!(status, 200, "within a 30 s leeway: {body}");
    let (status, _) = f
        .query_as(
            "{ me { name } }",
            &token(json!({ "iss": "alpes", "aud": "alpes-gateway", "exp": exp(-60) })),
        )
        .await;
    assert_eq!(status, 401, "past it");
}
