//! Every error the gateway emits carries `extensions.code`: refusals by its HTTP layers
//! (413, 414, 404, 405) and handlers (415) as GraphQL JSON, a subgraph's null in a
//! non-null position (`RESPONSE_VALIDATION_FAILED`, as Apollo Router), and a subgraph's
//! own errors without a code (`DOWNSTREAM_SERVICE_ERROR`, as Apollo Gateway).

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use federation::{Composer, Federation};
use gateway::{
    config::GatewayConfig,
    server::{AppState, engine_from_config, router_with},
};
use serde_json::{Value, json};
use tower::ServiceExt;

fn app(config: &GatewayConfig) -> axum::Router {
    let sdl = include_str!("fixtures/shop.supergraph.graphql");
    let engine = engine_from_config(sdl, config).expect("engine");
    router_with(AppState::configured(engine, config), config)
}

/// Status, content type and JSON body of one request.
async fn send(app: axum::Router, request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app.oneshot(request).await.expect("response");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, content_type, body)
}

#[tokio::test]
async fn http_refusals_are_graphql_errors_with_codes() {
    let mut config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    config.limits.max_body_bytes = 1024;
    config.limits.max_uri_bytes = 4096;
    let big_body = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(4000)) });
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "a body over the limit",
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(big_body.to_string()))
                .expect("request"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "a URI over the limit",
            Request::get(format!("/graphql?query={}", "%20".repeat(2000)))
                .body(Body::empty())
                .expect("request"),
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
        ),
        (
            "a body that is not JSON",
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{ __typename }"))
                .expect("request"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "an unknown path",
            Request::get("/nothing-here")
                .body(Body::empty())
                .expect("request"),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "a method the path does not take",
            Request::put("/graphql")
                .body(Body::empty())
                .expect("request"),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (case, request, status, code) in cases {
        let (found, content_type, body) = send(app(&config), request).await;
        assert_eq!(found, status, "{case}: {body}");
        assert!(content_type.contains("json"), "{case}: {content_type}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{case}: {body}"
        );
        assert!(body["errors"][0]["message"].is_string(), "{case}: {body}");
    }
    // Within the limits, the same routes answer.
    let (status, _, body) = send(
        app(&config),
        Request::get("/graphql?query=%7B__typename%7D")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn every_execution_error_has_a_code() {
    let f = Federation::conformance(Composer::Ours).await;
    // r6's product fails in its subgraph (an error without a code); r5's product is null
    // where `price: Int!` is expected.
    let response = f
        .query(r#"{ r5: review(id: "r5") { body product { price } } r6: review(id: "r6") { body product { price } } }"#)
        .await;
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{response}");
    for error in errors {
        assert!(error["extensions"]["code"].is_string(), "{error}");
    }
    let by_path = |path: Value| {
        errors
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("an error at {path}: {response}"))
    };
    assert_eq!(
        by_path(json!(["r6", "product"]))["extensions"]["code"],
        "DOWNSTREAM_SERVICE_ERROR"
    );
    let null = by_path(json!(["r5", "product", "price"]));
    assert_eq!(null["extensions"]["code"], "RESPONSE_VALIDATION_FAILED");
    assert!(
        null["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Cannot return null for non-nullable field")),
        "{null}"
    );
}
