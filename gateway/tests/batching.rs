//! Client operation batching: an array of operations in one POST, answered as an array in
//! order; each operation isolated (its errors, limits and authorization), the batch bounded
//! in size and in the rate limits, and refused whole while batching is off.

#[path = "common/authz.rs"]
mod authz;
#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use federation::Federation;
use gateway::config::GatewayConfig;
use serde_json::{Value, json};

/// The conformance subgraphs (with field authorization) behind a gateway serving `config`.
async fn start(config: GatewayConfig) -> Federation {
    config.validate().expect("valid configuration");
    Federation::conformance_served_with(authz::with_rules, config).await
}

/// Posts `body` as it is: status and JSON answer.
async fn post(f: &Federation, body: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(&f.url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the gateway answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn enabled(max_operations: usize) -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.batching.enabled = true;
    config.batching.max_operations = max_operations;
    config
}

fn code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_batch_is_refused_whole_while_batching_is_off() {
    let g = start(GatewayConfig::default()).await;
    let (status, answer) = post(&g, r#"[{"query":"{ me { id } }"}]"#).await;
    assert_eq!(status, 400);
    assert_eq!(code(&answer), "BATCHING_NOT_ENABLED", "{answer}");
    assert!(g.request_counts().is_empty(), "nothing ran");
    // One operation alone is still served.
    let (status, answer) = post(&g, r#"{"query":"{ me { id } }"}"#).await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({ "data": { "me": { "id": "u1" } } }));
}

#[tokio::test]
async fn each_operation_of_a_batch_is_answered_on_its_own_in_order() {
    let mut config = enabled(5);
    config.limits.max_depth = 3;
    let g = start(config).await;
    let batch = json!([
        { "query": "{ me { id } }" },
        // Its own validation error.
        { "query": "{ me { nope } }" },
        // Its own authorization: `User.name` needs a token.
        { "query": "query Nombres { users { id name } }" },
        // Its own limits.
        { "query": "{ me { reviews { product { reviews { body } } } } }" },
        // Not a request at all.
        42,
        { "query": "query Sumar($by: Int!) { counter }", "variables": { "by": 1 } }
    ]);
    let (status, answers) = post(&g, &batch.to_string()).await;
    // Six elements: over the limit of five, nothing ran.
    assert_eq!(status, 400);
    assert_eq!(code(&answers), "BATCH_LIMIT_EXCEEDED", "{answers}");
    assert!(
        g.request_counts().is_empty(),
        "nothing ran: {:?}",
        g.request_counts()
    );

    let batch = Value::Array(batch.as_array().expect("array")[..5].to_vec());
    let (status, answers) = post(&g, &batch.to_string()).await;
    assert_eq!(status, 200, "{answers}");
    let answers = answers.as_array().expect("an array of answers");
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[0], json!({ "data": { "me": { "id": "u1" } } }));
    assert_eq!(
        code(&answers[1]),
        "GRAPHQL_VALIDATION_FAILED",
        "{}",
        answers[1]
    );
    assert!(answers[1].get("data").is_none());
    assert_eq!(code(&answers[2]), "UNAUTHENTICATED", "{}", answers[2]);
    assert_eq!(
        answers[2]["errors"][0]["path"],
        json!(["users", 0, "name"]),
        "{}",
        answers[2]
    );
    assert!(answers[3].get("data").is_none(), "{}", answers[3]);
    assert_eq!(code(&answers[3]), "MAX_DEPTH_LIMIT", "{}", answers[3]);
    assert_eq!(code(&answers[4]), "BAD_REQUEST", "{}", answers[4]);
}

#[tokio::test]
async fn malformed_and_empty_batches_run_nothing() {
    let g = start(enabled(3)).await;
    for body in ["[]", "[{\"query\": \"{ me { id } }\"", "[1,,2]"] {
        let (status, answer) = post(&g, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            matches!(code(&answer), "BAD_REQUEST" | "BATCH_LIMIT_EXCEEDED"),
            "{body}: {answer}"
        );
    }
    assert!(g.request_counts().is_empty());
}

/// Four requests a client, refilled one a second: a batch of three then a batch of four,
/// which would need three seconds more.
async fn weighs_its_operations(mut config: GatewayConfig) {
    config.rate_limit.client = Some("4/1".into());
    let g = start(config).await;
    let three = json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" }, { "query": "{ me { id } }" }]);
    let (status, answers) = post(&g, &three.to_string()).await;
    assert_eq!(status, 200, "{answers}");
    assert_eq!(answers.as_array().map(Vec::len), Some(3));
    // One token left: a batch of four is over the limit, though one request would pass.
    let four = json!([{ "query": "{ me { id } }" }, { "query": "{ me { id } }" },
        { "query": "{ me { id } }" }, { "query": "{ me { id } }" }]);
    let (status, answer) = post(&g, &four.to_string()).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(code(&answer), "RATE_LIMITED");
}

#[tokio::test]
async fn a_batch_weighs_its_operations_in_the_rate_limits() {
    weighs_its_operations(enabled(4)).await;
}

#[tokio::test]
async fn a_batch_weighs_its_operations_in_buckets_shared_through_redis() {
    let mut config = enabled(4);
    config.rate_limit.redis_url =
        Some(std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()));
    // A bucket of this run alone.
    config.rate_limit.key_prefix = format!(
        "test:gateway:batching:{}:{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    weighs_its_operations(config).await;
}
