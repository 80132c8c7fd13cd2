//! The server harness: SDL answer, request log, faults and kill.

#[allow(dead_code, reason = "this test binary uses only some helpers")]
mod common;

use std::time::{Duration, Instant};

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use serde_json::{Value, json};
use test_subgraphs::{Subgraph, TestSubgraph};

struct Query;

#[Object]
impl Query {
    async fn hello(&self, name: String) -> String {
        format!("hello {name}")
    }
}

fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
    // No entities here, so federation (`_service`) must be switched on explicitly.
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish()
}

async fn hello() -> TestSubgraph {
    Subgraph::from_schema("hello", schema())
        .start()
        .await
        .expect("bind a free port")
}

#[tokio::test]
async fn answers_queries_and_service_sdl() {
    let subgraph = hello().await;
    assert_eq!(subgraph.name(), "hello");
    assert!(
        subgraph.url().starts_with("http://127.0.0.1:") && subgraph.url().ends_with("/graphql")
    );

    let answer = common::post(subgraph.url(), "{ hello(name: \"x\") }", Value::Null).await;
    assert_eq!(answer, json!({ "data": { "hello": "hello x" } }));

    let answer = common::post(subgraph.url(), "{ _service { sdl } }", Value::Null).await;
    assert_eq!(answer["data"]["_service"]["sdl"], subgraph.sdl());
    assert!(subgraph.sdl().contains("hello(name: String!): String!"));
}

#[tokio::test]
async fn service_answer_serves_a_hand_written_sdl() {
    let subgraph = Subgraph::new(
        "custom",
        schema(),
        "type Query { hello(name: String!): String! }",
    )
    .start()
    .await
    .expect("bind");
    let answer = common::post(subgraph.url(), "{ _service { sdl } }", Value::Null).await;
    assert_eq!(
        answer["data"]["_service"]["sdl"],
        "type Query { hello(name: String!): String! }"
    );
}

#[tokio::test]
async fn logs_every_request_body_in_order_until_cleared() {
    let subgraph = hello().await;
    common::post(
        subgraph.url(),
        "query A($n: String!) { hello(name: $n) }",
        json!({ "n": "a" }),
    )
    .await;
    common::post(subgraph.url(), "{ hello(name: \"b\") }", Value::Null).await;

    let requests = subgraph.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0]["query"],
        "query A($n: String!) { hello(name: $n) }"
    );
    assert_eq!(requests[0]["variables"], json!({ "n": "a" }));
    assert_eq!(requests[1]["query"], "{ hello(name: \"b\") }");

    subgraph.clear_requests();
    assert!(subgraph.requests().is_empty());
}

#[tokio::test]
async fn delay_slows_every_answer() {
    let subgraph = hello().await;
    subgraph.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    common::post(subgraph.url(), "{ hello(name: \"x\") }", Value::Null).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    subgraph.set_delay(Duration::ZERO);
    let started = Instant::now();
    common::post(subgraph.url(), "{ hello(name: \"x\") }", Value::Null).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn malformed_answers_200_with_a_non_json_body() {
    let subgraph = hello().await;
    subgraph.set_malformed(true);
    let response = reqwest::Client::new()
        .post(subgraph.url())
        .json(&json!({ "query": "{ hello(name: \"x\") }" }))
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "body was JSON: {body}"
    );
    // The request is still logged.
    assert_eq!(subgraph.requests().len(), 1);

    subgraph.set_malformed(false);
    let answer = common::post(subgraph.url(), "{ hello(name: \"x\") }", Value::Null).await;
    assert_eq!(answer["data"]["hello"], "hello x");
}

#[tokio::test]
async fn status_answers_with_that_status_and_a_body() {
    let subgraph = hello().await;
    subgraph.set_status(500);
    let response = reqwest::Client::new()
        .post(subgraph.url())
        .json(&json!({ "query": "{ hello(name: \"x\") }" }))
        .send()
        .await
        .expect("reachable");
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["errors"][0]["message"], "injected HTTP status 500");

    subgraph.set_status(200);
    let answer = common::post(subgraph.url(), "{ hello(name: \"x\") }", Value::Null).await;
    assert_eq!(answer["data"]["hello"], "hello x");
}

#[tokio::test]
async fn kill_refuses_new_requests() {
    let subgraph = hello().await;
    // A keep-alive connection exists before the kill: it must be dropped as well.
    let client = reqwest::Client::new();
    let request = json!({ "query": "{ hello(name: \"x\") }" });
    client
        .post(subgraph.url())
        .json(&request)
        .send()
        .await
        .expect("alive");

    subgraph.kill();
    let error = client.post(subgraph.url()).json(&request).send().await;
    assert!(error.is_err(), "a killed subgraph answered: {error:?}");
}

#[tokio::test]
async fn kill_drops_requests_in_flight() {
    let subgraph = hello().await;
    subgraph.set_delay(Duration::from_secs(30));
    let url = subgraph.url().to_owned();
    let in_flight = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&json!({ "query": "{ hello(name: \"x\") }" }))
            .send()
            .await
    });
    // Wait until the request has reached the handler.
    while subgraph.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    subgraph.kill();
    let outcome = in_flight.await.expect("task");
    assert!(
        outcome.is_err(),
        "the request in flight was answered: {outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn in_process_execution_needs_no_socket() {
    let subgraph = Subgraph::from_schema("hello", schema());
    let response = subgraph
        .execute(async_graphql::Request::new("{ _service { sdl } }"))
        .await;
    let data = response.data.into_json().expect("JSON data");
    assert_eq!(data["_service"]["sdl"], subgraph.sdl());
}
