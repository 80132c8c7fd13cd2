//! `@defer` through the gateway, end to end on the conformance subgraphs: the initial
//! payload without the deferred fragments, then one payload per deferred site, framed as
//! `multipart/mixed` (checked byte for byte), as server-sent events and over
//! `graphql-transport-ws`; one merged response for clients that take no incremental
//! delivery. Each case counts the subgraph requests.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;
#[path = "common/ws.rs"]
mod ws;

use std::time::Duration;

use federation::{Composer, Federation, counts};
use futures::StreamExt;
use serde_json::{Value, json};

/// The content type of answers in the current RFC's shape.
const MULTIPART: &str = "multipart/mixed; boundary=\"-\"";

/// One part of the multipart framing (`first`: the opening delimiter before it; `last`:
/// the close delimiter after it).
fn part(payload: &str, first: bool, last: bool) -> String {
    format!(
        "{}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{payload}{}",
        if first { "\r\n---" } else { "" },
        if last { "\r\n-----\r\n" } else { "\r\n---" }
    )
}

/// The whole multipart body of these payloads.
fn multipart(payloads: &[&str]) -> String {
    payloads
        .iter()
        .enumerate()
        .map(|(i, p)| part(p, i == 0, i + 1 == payloads.len()))
        .collect()
}

/// The JSON payloads of a multipart body, in order.
fn payloads(body: &str) -> Vec<Value> {
    body.split("\r\n---")
        .filter_map(|part| part.split("\r\n\r\n").nth(1))
        .map(|payload| serde_json::from_str(payload).expect("JSON payload"))
        .collect()
}

/// Posts `query` accepting `accept`; returns the content type and the body as text.
async fn post(f: &Federation, accept: &str, body: Value) -> (String, String) {
    let response = reqwest::Client::new()
        .post(&f.url)
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .expect("gateway answers");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, response.text().await.expect("body"))
}

/// Runs `query` as multipart from a clean request log: content type, body, requests.
async fn run_multipart(
    f: &Federation,
    query: &str,
) -> (String, String, std::collections::BTreeMap<String, usize>) {
    f.clear_requests();
    let (content_type, body) = post(
        f,
        // What GraphiQL's fetcher sends.
        "application/json, multipart/mixed",
        json!({ "query": query }),
    )
    .await;
    (content_type, body, f.request_counts())
}

#[tokio::test]
async fn a_deferred_entity_field_of_another_subgraph_comes_in_a_later_part() {
    let f = Federation::conformance(Composer::Ours).await;
    let (content_type, body, requests) = run_multipart(
        &f,
        r#"{ me { name ... @defer(label: "reviews") { reviews { body } } } }"#,
    )
    .await;
    assert_eq!(content_type, MULTIPART);
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"me":{"name":"Ada Lovelace"}},"pending":[{"id":"0","path":["me"],"label":"reviews"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"reviews":[{"body":"Love it!"},{"body":"Too expensive."}]}}],"completed":[{"id":"0"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(requests, counts(&[("accounts", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn the_initial_part_is_sent_before_the_deferred_fetch_answers() {
    let f = Federation::conformance(Composer::Ours).await;
    // The deferred fetch's subgraph is slow: the initial part must not wait for it.
    f.subgraph("reviews").set_delay(Duration::from_millis(400));
    // Browsers ask for compression: multipart answers must not get it (it would hold
    // the parts back).
    let response = reqwest::Client::new()
        .post(&f.url)
        .header("accept", "multipart/mixed")
        .header("accept-encoding", "gzip, br")
        .json(&json!({ "query": "{ me { name ... @defer { reviews { body } } } }" }))
        .send()
        .await
        .expect("gateway answers");
    assert!(response.headers().get("content-encoding").is_none());
    let expected = part(
        r#"{"data":{"me":{"name":"Ada Lovelace"}},"pending":[{"id":"0","path":["me"]}],"hasNext":true}"#,
        true,
        false,
    );
    // Read until the first part is complete: nothing of the deferred one is there yet.
    let mut chunks = response.bytes_stream();
    let mut received = Vec::new();
    while received.len() < expected.len() {
        let chunk = chunks.next().await.expect("more of the body");
        received.extend_from_slice(&chunk.expect("readable"));
    }
    assert_eq!(String::from_utf8_lossy(&received), expected);
    let mut rest = Vec::new();
    while let Some(chunk) = chunks.next().await {
        rest.extend_from_slice(&chunk.expect("readable"));
    }
    assert!(
        String::from_utf8_lossy(&rest).contains("\"hasNext\":false"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
}

#[tokio::test]
async fn nested_defers_come_one_after_the_other() {
    let f = Federation::conformance(Composer::Ours).await;
    let (_, body, requests) = run_multipart(
        &f,
        r#"{ topReviews(first: 1) { body ... @defer(label: "outer") { product { upc ... @defer(label: "inner") { name price } } } } }"#,
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"body":"Love it!"}]},"pending":[{"id":"0","path":["topReviews",0],"label":"outer"}],"hasNext":true}"#,
            r#"{"pending":[{"id":"1","path":["topReviews",0,"product"],"label":"inner"}],"incremental":[{"id":"0","data":{"product":{"upc":"1"}}}],"completed":[{"id":"0"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"1","data":{"name":"Table","price":899}}],"completed":[{"id":"1"}],"hasNext":false}"#,
        ])
    );
    // The deferred `upc` is the key the primary fetch brought: no fetch for it.
    assert_eq!(requests, counts(&[("products", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn a_defer_inside_a_list_completes_every_element_in_one_part() {
    let f = Federation::conformance(Composer::Ours).await;
    let (_, body, requests) = run_multipart(
        &f,
        "{ topReviews(first: 2) { id ... @defer { product { name } } } }",
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"id":"r1"},{"id":"r2"}]},"pending":[{"id":"0","path":["topReviews",0]},{"id":"1","path":["topReviews",1]}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"product":{"name":"Table"}}},{"id":"1","data":{"product":{"name":"Couch"}}}],"completed":[{"id":"0"},{"id":"1"}],"hasNext":false}"#,
        ])
    );
    // One entity fetch serves every element.
    assert_eq!(requests, counts(&[("products", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn an_error_inside_a_deferred_part_lands_at_its_path() {
    let f = Federation::conformance(Composer::Ours).await;
    f.subgraph("products").kill();
    let (_, body, _) = run_multipart(
        &f,
        "{ topReviews(first: 1) { body ... @defer { product { price } } } }",
    )
    .await;
    let parts: Vec<&str> = body.split("\r\n---").collect();
    assert_eq!(
        parts[1],
        "\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{\"data\":{\"topReviews\":[{\"body\":\"Love it!\"}]},\"pending\":[{\"id\":\"0\",\"path\":[\"topReviews\",0]}],\"hasNext\":true}"
    );
    let second = parts[2]
        .split("\r\n\r\n")
        .nth(1)
        .expect("a payload after the part's headers");
    let payload: Value = serde_json::from_str(second).expect("JSON payload");
    assert_eq!(
        payload["incremental"][0]["data"],
        json!({ "product": null })
    );
    let error = &payload["incremental"][0]["errors"][0];
    assert_eq!(error["path"], json!(["topReviews", 0, "product"]));
    assert_eq!(error["extensions"]["code"], "SUBREQUEST_HTTP_ERROR");
    assert_eq!(payload["completed"], json!([{ "id": "0" }]));
    assert_eq!(payload["hasNext"], false);
    assert!(body.ends_with("\r\n-----\r\n"), "{body}");
}

#[tokio::test]
async fn defer_if_false_answers_one_response() {
    let f = Federation::conformance(Composer::Ours).await;
    let query = "query($d: Boolean!) { me { name ... @defer(if: $d) { reviews { body } } } }";
    f.clear_requests();
    let (content_type, body) = post(
        &f,
        "multipart/mixed, application/json",
        json!({ "query": query, "variables": { "d": false } }),
    )
    .await;
    assert_eq!(content_type, "application/json");
    assert_eq!(
        body,
        r#"{"data":{"me":{"name":"Ada Lovelace","reviews":[{"body":"Love it!"},{"body":"Too expensive."}]}}}"#
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("accounts", 1), ("reviews", 1)])
    );
    let literal = "{ me { name ... @defer(if: false) { reviews { body } } } }";
    let (content_type, same) = post(&f, "multipart/mixed", json!({ "query": literal })).await;
    assert_eq!(content_type, "application/json");
    assert_eq!(same, body);
}

#[tokio::test]
async fn a_client_without_multipart_gets_one_merged_response() {
    let f = Federation::conformance(Composer::Ours).await;
    let (response, requests) = f
        .run("{ topReviews(first: 2) { id ... @defer { product { name ... @defer { price } } } } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "topReviews": [
            { "id": "r1", "product": { "name": "Table", "price": 899 } },
            { "id": "r2", "product": { "name": "Couch", "price": 1299 } }
        ] } })
    );
    assert_eq!(requests, counts(&[("products", 2), ("reviews", 1)]));
}

#[tokio::test]
async fn server_sent_events_carry_each_payload_as_a_next_event() {
    let f = Federation::conformance(Composer::Ours).await;
    let (content_type, body) = post(
        &f,
        "text/event-stream",
        json!({ "query": "{ me { name ... @defer { reviews { body } } } }" }),
    )
    .await;
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    assert_eq!(
        body,
        concat!(
            "event: next\ndata: {\"data\":{\"me\":{\"name\":\"Ada Lovelace\"}},\"pending\":[{\"id\":\"0\",\"path\":[\"me\"]}],\"hasNext\":true}\n\n",
            "event: next\ndata: {\"incremental\":[{\"id\":\"0\",\"data\":{\"reviews\":[{\"body\":\"Love it!\"},{\"body\":\"Too expensive.\"}]}}],\"completed\":[{\"id\":\"0\"}],\"hasNext\":false}\n\n",
            "event: complete\n\n",
        )
    );
}

#[tokio::test]
async fn graphql_transport_ws_sends_each_payload_as_next_then_complete() {
    let f = Federation::conformance(Composer::Ours).await;
    let url = f.url.replacen("http://", "ws://", 1);
    let mut client = ws::WsClient::connect(&url, json!({})).await;
    client
        .subscribe("1", "{ me { name ... @defer { reviews { body } } } }")
        .await;
    let wait = Duration::from_secs(5);
    let first = client.message(wait).await;
    assert_eq!(
        first,
        json!({ "id": "1", "type": "next", "payload": {
            "data": { "me": { "name": "Ada Lovelace" } },
            "pending": [{ "id": "0", "path": ["me"] }],
            "hasNext": true
        } })
    );
    let second = client.message(wait).await;
    assert_eq!(
        second,
        json!({ "id": "1", "type": "next", "payload": {
            "incremental": [{ "id": "0", "data": { "reviews": [ { "body": "Love it!" }, { "body": "Too expensive." } ] } }],
            "completed": [{ "id": "0" }],
            "hasNext": false
        } })
    );
    assert_eq!(
        client.message(wait).await,
        json!({ "id": "1", "type": "complete" })
    );
}

#[tokio::test]
async fn a_site_that_does_not_defer_delivers_with_the_one_around_it() {
    let f = Federation::conformance(Composer::Ours).await;
    let query = r#"query($outer: Boolean!, $inner: Boolean!) { topReviews(first: 1) { body ... @defer(if: $outer, label: "outer") { product { upc ... @defer(if: $inner, label: "inner") { name } } } } }"#;
    // The inner site does not defer: its fetch runs with the outer one's, its fields come
    // in the outer one's payload.
    f.clear_requests();
    let (_, body) = post(
        &f,
        "multipart/mixed",
        json!({ "query": query, "variables": { "outer": true, "inner": false } }),
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"body":"Love it!"}]},"pending":[{"id":"0","path":["topReviews",0],"label":"outer"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"product":{"upc":"1","name":"Table"}}}],"completed":[{"id":"0"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("products", 1), ("reviews", 1)])
    );
    // The outer site does not defer: the inner one is pending from the initial payload.
    f.clear_requests();
    let (_, body) = post(
        &f,
        "multipart/mixed",
        json!({ "query": query, "variables": { "outer": false, "inner": true } }),
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"body":"Love it!","product":{"upc":"1"}}]},"pending":[{"id":"0","path":["topReviews",0,"product"],"label":"inner"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"name":"Table"}}],"completed":[{"id":"0"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(
        f.request_counts(),
        counts(&[("products", 1), ("reviews", 1)])
    );
}

#[tokio::test]
async fn sibling_defers_at_the_root_and_deeper_each_get_a_payload() {
    let f = Federation::conformance(Composer::Ours).await;
    let (_, body, requests) = run_multipart(
        &f,
        r#"{ me { name } ... @defer(label: "top") { topReviews(first: 1) { body } } ... @defer(label: "me") { me { reviews { body } } } }"#,
    )
    .await;
    let payloads = payloads(&body);
    assert_eq!(
        payloads[0],
        json!({
            "data": { "me": { "name": "Ada Lovelace" } },
            "pending": [ { "id": "0", "path": [], "label": "top" }, { "id": "1", "path": [], "label": "me" } ],
            "hasNext": true
        })
    );
    // The two sites fetch side by side: their payloads come in the order they finish.
    let mut rest: Vec<Value> = payloads[1..].to_vec();
    assert_eq!(rest.len(), 2, "{body}");
    assert_eq!(rest[0]["hasNext"], true);
    assert_eq!(rest[1]["hasNext"], false);
    rest.sort_by_key(|p| p["completed"][0]["id"].to_string());
    assert_eq!(
        rest[0]["incremental"],
        json!([{ "id": "0", "data": { "topReviews": [ { "body": "Love it!" } ] } }])
    );
    assert_eq!(
        rest[1]["incremental"],
        json!([{ "id": "1", "data": { "me": { "reviews": [ { "body": "Love it!" }, { "body": "Too expensive." } ] } } }])
    );
    assert_eq!(requests, counts(&[("accounts", 2), ("reviews", 2)]));
}

#[tokio::test]
async fn a_fast_deferred_part_is_not_held_back_by_a_slow_one() {
    let f = Federation::conformance(Composer::Ours).await;
    f.subgraph("reviews").set_delay(Duration::from_millis(300));
    let (_, body, requests) = run_multipart(
        &f,
        r#"{ me { name ... @defer(label: "slow") { reviews { body } } } ... @defer(label: "fast") { product(upc: "1") { name } } }"#,
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"me":{"name":"Ada Lovelace"}},"pending":[{"id":"0","path":["me"],"label":"slow"},{"id":"1","path":[],"label":"fast"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"1","data":{"product":{"name":"Table"}}}],"completed":[{"id":"1"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"reviews":[{"body":"Love it!"},{"body":"Too expensive."}]}}],"completed":[{"id":"0"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(
        requests,
        counts(&[("accounts", 1), ("products", 1), ("reviews", 1)])
    );
}

#[tokio::test]
async fn a_streamed_list_sends_its_first_items_then_the_rest() {
    let f = Federation::conformance(Composer::Ours).await;
    let (content_type, body, requests) = run_multipart(
        &f,
        r#"{ topReviews(first: 3) @stream(initialCount: 1, label: "reviews") { id } }"#,
    )
    .await;
    assert_eq!(content_type, MULTIPART);
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"id":"r1"}]},"pending":[{"id":"0","path":["topReviews"],"label":"reviews"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","items":[{"id":"r2"},{"id":"r3"}]}],"completed":[{"id":"0"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(requests, counts(&[("reviews", 1)]));
    // The subgraph answers the whole list: `@stream` is the gateway's.
    let sent = f.subgraph("reviews").requests()[0]["query"].to_string();
    assert!(!sent.contains("@stream"), "{sent}");
    // Without multipart: the whole list in one response.
    let (response, _) = f
        .run("{ topReviews(first: 3) @stream(initialCount: 1) { id } }")
        .await;
    assert_eq!(
        response,
        json!({ "data": { "topReviews": [ { "id": "r1" }, { "id": "r2" }, { "id": "r3" } ] } })
    );
}

#[tokio::test]
async fn streamed_items_can_hold_deferred_fragments() {
    let f = Federation::conformance(Composer::Ours).await;
    let (_, body, requests) = run_multipart(
        &f,
        "{ topReviews(first: 2) @stream(initialCount: 1) { id ... @defer { product { name } } } }",
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"id":"r1"}]},"pending":[{"id":"0","path":["topReviews",0]},{"id":"1","path":["topReviews"]}],"hasNext":true}"#,
            // The rest of the list needs no fetch: it comes first, announcing the item's
            // fragment, which then completes with the first item's (one fetch for both).
            r#"{"pending":[{"id":"2","path":["topReviews",1]}],"incremental":[{"id":"1","items":[{"id":"r2"}]}],"completed":[{"id":"1"}],"hasNext":true}"#,
            r#"{"incremental":[{"id":"0","data":{"product":{"name":"Table"}}},{"id":"2","data":{"product":{"name":"Couch"}}}],"completed":[{"id":"0"},{"id":"2"}],"hasNext":false}"#,
        ])
    );
    assert_eq!(requests, counts(&[("products", 1), ("reviews", 1)]));
}

#[tokio::test]
async fn apollo_clients_get_the_defer_spec_20220824_shape() {
    let f = Federation::conformance(Composer::Ours).await;
    let accept = "multipart/mixed;deferSpec=20220824,application/json";
    let (content_type, body) = post(
        &f,
        accept,
        json!({ "query": r#"{ me { name ... @defer(label: "reviews") { reviews { body } } } }"# }),
    )
    .await;
    assert_eq!(
        content_type,
        "multipart/mixed; boundary=\"-\"; deferSpec=20220824"
    );
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"me":{"name":"Ada Lovelace"}},"hasNext":true}"#,
            r#"{"incremental":[{"data":{"reviews":[{"body":"Love it!"},{"body":"Too expensive."}]},"path":["me"],"label":"reviews"}],"hasNext":false}"#,
        ])
    );
    let (_, body) = post(
        &f,
        accept,
        json!({ "query": "{ topReviews(first: 3) @stream(initialCount: 1) { id } }" }),
    )
    .await;
    assert_eq!(
        body,
        multipart(&[
            r#"{"data":{"topReviews":[{"id":"r1"}]},"hasNext":true}"#,
            r#"{"incremental":[{"items":[{"id":"r2"},{"id":"r3"}],"path":["topReviews",1]}],"hasNext":false}"#,
        ])
    );
}

#[tokio::test]
async fn more_sibling_defers_than_fetch_at_once_all_complete() {
    let f = Federation::conformance(Composer::Ours).await;
    let fragments: String = (0..12)
        .map(|i| format!(r#" ... @defer {{ p{i}: product(upc: "1") {{ name }} }}"#))
        .collect();
    let (_, body, requests) = run_multipart(&f, &format!("{{ me {{ name }}{fragments} }}")).await;
    let payloads = payloads(&body);
    assert_eq!(payloads.len(), 13, "{body}");
    assert_eq!(payloads[0]["pending"].as_array().map(Vec::len), Some(12));
    let mut completed: Vec<String> = payloads[1..]
        .iter()
        .map(|p| {
            p["completed"][0]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    completed.sort_by_key(|id| id.parse::<usize>().unwrap_or(usize::MAX));
    let expected: Vec<String> = (0..12).map(|i| i.to_string()).collect();
    assert_eq!(completed, expected);
    assert!(payloads[1..12].iter().all(|p| p["hasNext"] == true));
    assert_eq!(payloads[12]["hasNext"], false);
    assert_eq!(requests, counts(&[("accounts", 1), ("products", 12)]));
}
