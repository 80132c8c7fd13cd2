//! Rate limits on `/graphql`: per client (API key, token or address) and global, 429 with
//! `Retry-After`, and shared through Redis by two gateway replicas.

use std::path::PathBuf;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use gateway::{
    config::{GatewayConfig, RateLimitConfig},
    server::{AppState, router_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use tower::ServiceExt;

fn app(config: &GatewayConfig) -> axum::Router {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop.supergraph.graphql");
    let sdl = std::fs::read_to_string(fixture).expect("fixture");
    let engine = engine_from_config(&sdl, config).expect("engine");
    router_with(AppState::new(engine), config)
}

fn config(rate_limit: RateLimitConfig) -> GatewayConfig {
    let config = GatewayConfig {
        rate_limit,
        ..Default::default()
    };
    config.validate().expect("valid");
    config
}

/// `{ __typename }` (answered by the gateway itself) with these headers: status,
/// `Retry-After`, body.
async fn ask(app: &axum::Router, headers: &[(&str, &str)]) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(
            request
                .body(Body::from(json!({ "query": "{ __typename }" }).to_string()))
                .expect("request"),
        )
        .await
        .expect("response");
    let status = response.status();
    let retry = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, retry, serde_json::from_slice(&bytes).expect("json"))
}

#[tokio::test]
async fn each_client_has_its_own_bucket() {
    let app = app(&config(RateLimitConfig {
        client: Some("3/1".into()),
        ..Default::default()
    }));
    for _ in 0..3 {
        let (status, _, body) = ask(&app, &[("x-api-key", "cliente-a")]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, retry, body) = ask(&app, &[("x-api-key", "cliente-a")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry.as_deref(), Some("1"));
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert!(
        body["errors"][0]["extensions"]["retryAfterMs"]
            .as_u64()
            .is_some_and(|ms| ms > 0 && ms <= 1001),
        "{body}"
    );
    // Another API key, and a bearer token, are other clients.
    assert_eq!(
        ask(&app, &[("x-api-key", "cliente-b")]).await.0,
        StatusCode::OK
    );
    assert_eq!(
        ask(&app, &[("authorization", "Bearer abc")]).await.0,
        StatusCode::OK
    );
    // Probes are never limited.
    let health = app
        .clone()
        .oneshot(
            Request::get("/health")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_ne!(health.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_global_bucket_limits_everybody_together() {
    let app = app(&config(RateLimitConfig {
        client: Some("100/100".into()),
        global: Some("2/1".into()),
        ..Default::default()
    }));
    assert_eq!(ask(&app, &[("x-api-key", "a")]).await.0, StatusCode::OK);
    assert_eq!(ask(&app, &[("x-api-key", "b")]).await.0, StatusCode::OK);
    let (status, retry, body) = ask(&app, &[("x-api-key", "c")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some());
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("global")),
        "{body}"
    );
}

#[tokio::test]
async fn replicas_share_their_buckets_through_redis() {
    let shared = RateLimitConfig {
        client: Some("4/1".into()),
        redis_url: Some(
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        ),
        key_prefix: format!("test:gateway:{}", std::process::id()),
        ..Default::default()
    };
    let replicas = [app(&config(shared.clone())), app(&config(shared))];
    let key = format!(
        "clave-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    for i in 0..4 {
        let (status, _, body) = ask(&replicas[i % 2], &[("x-api-key", &key)]).await;
        assert_eq!(status, StatusCode::OK, "request {i}: {body}");
    }
    for replica in &replicas {
        let (status, retry, _) = ask(replica, &[("x-api-key", &key)]).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "the replicas share one bucket"
        );
        assert!(retry.is_some());
    }
}

#[test]
fn bad_limits_are_named() {
    for (limit, key) in [
        (
            RateLimitConfig {
                client: Some("0/1".into()),
                ..Default::default()
            },
            "rate_limit.client",
        ),
        (
            RateLimitConfig {
                global: Some("mucho".into()),
                ..Default::default()
            },
            "rate_limit.global",
        ),
        (
            RateLimitConfig {
                client: Some("1/1".into()),
                redis_url: Some("http://no-redis".into()),
                ..Default::default()
            },
            "rate_limit.redis_url",
        ),
    ] {
        let config = GatewayConfig {
            rate_limit: limit,
            ..Default::default()
        };
        let error = config.validate().expect_err("refused").to_string();
        assert!(error.contains(key), "{error}");
    }
}
