//! Small HTTP helpers shared by the integration tests.

use serde_json::{Value, json};

/// POSTs a GraphQL request and returns the parsed JSON answer.
pub(crate) async fn post(url: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("subgraph reachable")
        .json()
        .await
        .expect("JSON answer")
}

/// Runs `_entities` with the given representations and selection.
pub(crate) async fn entities(url: &str, representations: Value, selection: &str) -> Value {
    let query =
        format!("query($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}");
    post(url, &query, json!({ "r": representations })).await
}
