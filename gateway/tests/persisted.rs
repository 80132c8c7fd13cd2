//! Persisted operations: Apollo's APQ protocol over POST and GET, and the safelist mode.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Request, header},
};
use gateway::{
    config::GatewayConfig,
    pipeline::sha256_hex,
    server::{AppState, router_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const SHOP: &str = include_str!("fixtures/shop.supergraph.graphql");

fn app(config: &GatewayConfig) -> Router {
    let engine = engine_from_config(SHOP, config).expect("engine");
    router_with(AppState::new(engine), config)
}

async fn send(app: &Router, request: Request<Body>) -> (u16, Value) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).expect("json"))
}

fn post(body: Value) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

const QUERY: &str = "{ __typename }";

#[tokio::test]
async fn automatic_persisted_queries_over_post_and_get() {
    let app = app(&GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    });
    let hash = sha256_hex(QUERY);
    // Unknown hash: the client is told to send the document (200, as Apollo clients expect).
    let (status, body) = send(&app, post(json!({ "extensions": persisted(&hash) }))).await;
    assert_eq!((status, code(&body)), (200, "PERSISTED_QUERY_NOT_FOUND"));
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    // Registration: document and hash.
    let (status, body) = send(
        &app,
        post(json!({ "query": QUERY, "extensions": persisted(&hash) })),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );
    // Then the hash alone, by POST and by GET.
    let (status, body) = send(&app, post(json!({ "extensions": persisted(&hash) }))).await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );
    let extensions = persisted(&hash).to_string();
    let uri = format!(
        "/graphql?extensions={}",
        extensions
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
    );
    let (status, body) = send(
        &app,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "data": { "__typename": "Query" } }))
    );
    // A document that does not match its hash is refused and not stored.
    let (status, body) = send(
        &app,
        post(json!({ "query": "{ t: __typename }", "extensions": persisted(&"0".repeat(64)) })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_HASH_MISMATCH")
    );
    let (_, body) = send(
        &app,
        post(json!({ "extensions": persisted(&"0".repeat(64)) })),
    )
    .await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    // Unknown protocol version.
    let (status, body) = send(
        &app,
        post(json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_SUPPORTED")
    );
}

#[tokio::test]
async fn safelist_mode_runs_only_listed_operations() {
    let dir = std::env::temp_dir().join(format!("gateway-safelist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let manifest = dir.join("manifest.json");
    std::fs::write(
        &manifest,
        json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": "typename-op", "name": "T", "type": "query", "body": QUERY }]
        })
        .to_string(),
    )
    .expect("write manifest");
    let mut config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    config.persisted_queries.safelist = Some(manifest);
    let app = Arc::new(app(&config));
    let ok = json!({ "data": { "__typename": "Query" } });
    for body in [
        json!({ "extensions": persisted("typename-op") }),
        json!({ "extensions": persisted(&sha256_hex(QUERY)) }),
        json!({ "query": QUERY }),
    ] {
        let (status, answer) = send(&app, post(body.clone())).await;
        assert_eq!((status, &answer), (200, &ok), "{body}");
    }
    for body in [
        json!({ "query": "{ t: __typename }" }),
        json!({ "query": "{ t: __typename }", "extensions": persisted(&sha256_hex("{ t: __typename }")) }),
        json!({ "extensions": persisted("unknown") }),
    ] {
        let (status, answer) = send(&app, post(body.clone())).await;
        assert_eq!(
            (status, code(&answer)),
            (400, "PERSISTED_QUERY_NOT_IN_LIST"),
            "{body}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn hash_only_requests_are_refused_when_persisted_queries_are_off() {
    let mut config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    config.persisted_queries.apq = false;
    let app = app(&config);
    let (status, body) = send(
        &app,
        post(json!({ "extensions": persisted(&sha256_hex(QUERY)) })),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_SUPPORTED")
    );
    let (status, _) = send(&app, post(json!({ "query": QUERY }))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn apq_registrations_are_shared_by_replicas_through_redis() {
    let mut config = GatewayConfig::default();
    config.persisted_queries.redis_url =
        Some(std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()));
    config.persisted_queries.key_prefix = format!("test:apq:{}", std::process::id());
    config.validate().expect("valid");
    let (one, two) = (app(&config), app(&config));
    // A document unique to this run, so an earlier run's registration cannot answer.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let query = format!("query Apq{run} {{ __typename }}");
    let hash = sha256_hex(&query);
    let (_, body) = send(&two, post(json!({ "extensions": persisted(&hash) }))).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
    let (status, body) = send(
        &one,
        post(json!({ "query": query, "extensions": persisted(&hash) })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(&two, post(json!({ "extensions": persisted(&hash) }))).await;
    assert_eq!(status, 200, "the other replica knows the hash: {body}");
    assert_eq!(body["data"]["__typename"], "Query");
}
