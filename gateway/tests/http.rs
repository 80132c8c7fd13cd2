//! GraphQL over HTTP: bad input of every kind gets a clear GraphQL error with the status
//! of the GraphQL-over-HTTP spec, and the gateway keeps serving.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use gateway::{
    server::{AppState, router},
    startup::engine_from_sdl,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn app() -> Router {
    let engine = engine_from_sdl(
        include_str!("fixtures/shop.supergraph.graphql"),
        Duration::from_secs(1),
    )
    .expect("fixture supergraph");
    router(AppState::new(engine))
}

async fn send(request: Request<Body>) -> (StatusCode, Option<String>, Value) {
    let response = app().oneshot(request).await.expect("response");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().expect("ascii").to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, content_type, body)
}

fn post(body: impl Into<Body>, accept: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, accept)
        .body(body.into())
        .expect("request")
}

fn post_json(body: Value) -> Request<Body> {
    post(body.to_string(), GRAPHQL_RESPONSE)
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn a_query_without_subgraph_fields_is_answered() {
    let (status, content_type, body) = send(post_json(json!({ "query": "{ __typename }" }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some(GRAPHQL_RESPONSE));
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
    let (status, _, body) = send(
        Request::get("/graphql?query=%7B__typename%7D")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn malformed_document() {
    let (status, _, body) = send(post_json(json!({ "query": "{ me { name " }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
    assert!(body.get("data").is_none());
    assert!(body["errors"][0]["locations"].is_array(), "{body}");
    // Legacy clients (application/json) get 200 with the same errors.
    let (status, content_type, body) = send(post(
        json!({ "query": "{ me { name " }).to_string(),
        "application/json",
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn unknown_fields_and_types() {
    let (status, _, body) = send(post_json(json!({ "query": "{ me { nope } }" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
    let errors = body["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(
            |e| e["message"].as_str().is_some_and(|m| m.contains("`nope`"))
                && e["locations"][0]["column"] == 8
        ),
        "{body}"
    );
    let (_, _, body) = send(post_json(
        json!({ "query": "{ me { ... on Nope { id } } }" }),
    ))
    .await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
    // Inaccessible elements do not exist for clients.
    let (_, _, body) = send(post_json(json!({ "query": "{ me { passwordHash } }" }))).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn wrong_variable_types() {
    let (status, _, body) = send(post_json(json!({
        "query": "query($n: Int) { topProducts(first: $n) { name } }",
        "variables": { "n": "five" }
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn operation_name_missing_among_several() {
    let query = "query A { __typename } query B { __typename }";
    let (status, _, body) = send(post_json(json!({ "query": query }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "OPERATION_RESOLUTION_FAILURE");
    let (status, _, body) = send(post_json(json!({ "query": query, "operationName": "B" }))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn mutation_via_get_is_refused() {
    let (status, _, body) = send(
        Request::get("/graphql?query=mutation%7B__typename%7D")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&body), "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn empty_and_non_json_bodies() {
    let (status, _, body) = send(post("", GRAPHQL_RESPONSE)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_REQUEST");
    let (status, _, body) = send(post_json(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_REQUEST");
    let (status, _, body) = send(post("not json", GRAPHQL_RESPONSE)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_REQUEST");
    let (status, _, _) = send(
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{ __typename }"))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = send(
        Request::get("/graphql?query=%7B__typename%7D&variables=%5B1%5D")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn huge_documents_and_bodies() {
    let huge = format!("{{ __typename {} }}", "__typename ".repeat(120_000));
    let (status, _, body) = send(post_json(json!({ "query": huge }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_REQUEST");
    let body = format!("{{\"query\": \"{}\"}}", " ".repeat(5 << 20));
    let (status, _, _) = send(post(body, GRAPHQL_RESPONSE)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_gateway_keeps_serving_after_bad_input() {
    let app = app();
    for body in [
        "",
        "not json",
        "{\"query\": \"{\"}",
        "{\"query\": \"{ nope }\"}",
    ] {
        let response = app
            .clone()
            .oneshot(post(body.to_owned(), GRAPHQL_RESPONSE))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let response = app
        .oneshot(post_json(json!({ "query": "{ __typename }" })))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn plans_are_cached_by_the_normalised_document() {
    use gateway::{engine::RequestOptions, pipeline::GraphqlRequest};
    let engine = std::sync::Arc::new(
        engine_from_sdl(
            include_str!("fixtures/shop.supergraph.graphql"),
            Duration::from_secs(1),
        )
        .expect("fixture supergraph"),
    );
    let request = |query: &str| GraphqlRequest {
        query: Some(query.to_owned()),
        ..Default::default()
    };
    let options = RequestOptions::default();
    engine.execute(&request("{ __typename }"), &options).await;
    engine
        .execute(&request("# same\nquery {\n  __typename\n}\n"), &options)
        .await;
    assert_eq!(
        engine.cached_plans(),
        1,
        "layout and comments do not matter"
    );
    engine
        .execute(&request("{ t: __typename }"), &options)
        .await;
    assert_eq!(engine.cached_plans(), 2);
}
