//! The circuit breaker counts only what says a subgraph is unreachable or overloaded
//! (connection failures, timeouts, 502–504, non-GraphQL answers), never a subgraph
//! answering one caller's bad input with 500: that must not make it unavailable to others.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use federation::Federation;
use gateway::config::{CircuitBreakerConfig, GatewayConfig};
use serde_json::Value;

const THRESHOLD: u32 = 3;
const QUERY: &str = "{ me { name } }";

/// The conformance subgraphs behind a gateway whose breakers open after three failures
/// and stay open for a minute (long past any of these tests).
async fn federation() -> Federation {
    let config = GatewayConfig {
        circuit_breaker: CircuitBreakerConfig {
            failure_threshold: THRESHOLD,
            open_ms: 60_000,
        },
        ..GatewayConfig::default()
    };
    Federation::conformance_with(|supergraph| supergraph, config).await
}

fn code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// Sends more failing requests than the threshold, then lets the subgraph recover and
/// returns the next answer.
async fn after_failures(
    f: &Federation,
    fail: impl Fn(&Federation),
    heal: impl Fn(&Federation),
) -> Value {
    fail(f);
    for _ in 0..THRESHOLD + 2 {
        let response = f.query(QUERY).await;
        assert!(response.get("errors").is_some(), "{response}");
    }
    heal(f);
    f.query(QUERY).await
}

#[tokio::test]
async fn subgraph_500s_for_a_callers_input_never_open_the_circuit() {
    let f = federation().await;
    // A panic in a resolver: 500 with an empty body.
    let answer = after_failures(
        &f,
        |f| f.subgraph("accounts").set_panic(true),
        |f| f.subgraph("accounts").set_panic(false),
    )
    .await;
    assert_eq!(answer["data"]["me"]["name"], "Ada Lovelace", "{answer}");
    // 500 with a GraphQL body of errors.
    let answer = after_failures(
        &f,
        |f| f.subgraph("accounts").set_status(500),
        |f| f.subgraph("accounts").set_status(200),
    )
    .await;
    assert_eq!(answer["data"]["me"]["name"], "Ada Lovelace", "{answer}");
}

#[tokio::test]
async fn an_overloaded_subgraph_opens_its_circuit() {
    let f = federation().await;
    let answer = after_failures(
        &f,
        |f| f.subgraph("accounts").set_status(503),
        |f| f.subgraph("accounts").set_status(200),
    )
    .await;
    assert_eq!(code(&answer), Some("SUBGRAPH_CIRCUIT_OPEN"), "{answer}");
    // Other subgraphs are not affected.
    let other = f.query(r#"{ product(upc: "1") { name } }"#).await;
    assert!(other["data"]["product"]["name"].is_string(), "{other}");
}

#[tokio::test]
async fn a_subgraph_answering_something_else_than_graphql_opens_its_circuit() {
    let f = federation().await;
    let answer = after_failures(
        &f,
        |f| f.subgraph("accounts").set_malformed(true),
        |f| f.subgraph("accounts").set_malformed(false),
    )
    .await;
    assert_eq!(code(&answer), Some("SUBGRAPH_CIRCUIT_OPEN"), "{answer}");
}

#[tokio::test]
async fn an_unreachable_subgraph_opens_its_circuit() {
    let f = federation().await;
    f.subgraph("accounts").kill();
    for _ in 0..THRESHOLD {
        let response = f.query(QUERY).await;
        assert_eq!(code(&response), Some("SUBREQUEST_HTTP_ERROR"), "{response}");
    }
    let response = f.query(QUERY).await;
    assert_eq!(code(&response), Some("SUBGRAPH_CIRCUIT_OPEN"), "{response}");
}
