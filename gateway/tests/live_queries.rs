//! Live queries: `query @live` over WebSocket or server-sent events answers at once, then
//! again when a write or an event makes stale a type it selects — only when the answer
//! changed — and an ordinary POST answers it once.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;
#[path = "common/ws.rs"]
#[allow(dead_code)]
mod ws;

use std::time::Duration;

use federation::Federation;
use futures::StreamExt;
use gateway::{cache::InvalidationRule, config::GatewayConfig};
use serde_json::{Value, json};
use ws::WsClient;

const LIVE: &str = "query Panel @live { counter me { name reviews { body } } }";
const WAIT: Duration = Duration::from_secs(10);

fn config() -> GatewayConfig {
    let mut config = GatewayConfig::default();
    config.cache.response_ttl_secs = 60;
    config.cache.invalidation.rules = vec![InvalidationRule {
        events: vec!["ReviewPublished.v1".into()],
        types: vec!["Review".into()],
        ..Default::default()
    }];
    // Tests wait on conditions, not on the interval.
    config.subscriptions.live_min_interval_ms = 1;
    config
}

async fn increment(f: &Federation) -> i64 {
    let written = f.query("mutation { increment(by: 1) }").await;
    written["data"]["increment"]
        .as_i64()
        .unwrap_or_else(|| panic!("{written}"))
}

async fn next_counter(client: &mut WsClient) -> i64 {
    let message = client.message(WAIT).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "live", "{message}");
    let payload = &message["payload"];
    assert!(payload.get("errors").is_none(), "{payload}");
    assert!(payload["data"]["me"]["reviews"].is_array(), "{payload}");
    payload["data"]["counter"]
        .as_i64()
        .unwrap_or_else(|| panic!("{payload}"))
}

fn requests(f: &Federation) -> usize {
    f.request_counts().values().sum()
}

#[tokio::test]
async fn a_live_query_is_pushed_again_when_what_it_selects_changes() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let mut client = WsClient::connect(&f.url.replace("http://", "ws://"), json!({})).await;
    client.subscribe("live", LIVE).await;
    let first = next_counter(&mut client).await;

    // A write through the gateway makes `User` (accounts) stale: the query runs again and
    // the new counter is pushed.
    let written = increment(&f).await;
    assert_eq!(written, first + 1);
    assert_eq!(next_counter(&mut client).await, written);

    // An event about reviews re-runs it (the subgraphs are asked again), but the answer is
    // the same: nothing is pushed. The next push is the next change, not a repeat.
    let before = requests(&f);
    let engine = f.state.engine();
    let invalidator = &engine.caches().expect("caches").invalidator;
    invalidator
        .invalidate_event("ReviewPublished.v1", None)
        .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while requests(&f) == before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the query ran again"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // An event about a type it does not select changes nothing.
    invalidator.invalidate_types(&["Product".to_owned()]).await;
    let again = increment(&f).await;
    assert_eq!(next_counter(&mut client).await, again);
}

#[tokio::test]
async fn a_live_query_streams_over_server_sent_events() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let response = reqwest::Client::new()
        .post(&f.url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": LIVE }))
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(response.status(), 200);
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let mut events = Vec::new();
    let mut next_event = async || -> Value {
        loop {
            if let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if event.contains("event: next")
                    && let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: "))
                {
                    return serde_json::from_str(data).expect("json");
                }
                continue;
            }
            let chunk = tokio::time::timeout(WAIT, stream.next())
                .await
                .expect("an event in time")
                .expect("the stream goes on")
                .expect("bytes");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    let first = next_event().await;
    let counter = first["data"]["counter"].as_i64().expect("counter");
    events.push(first);
    let written = increment(&f).await;
    assert_eq!(written, counter + 1);
    let second = next_event().await;
    assert_eq!(second["data"]["counter"], written, "{second}");
    events.push(second);
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn a_live_query_posted_without_a_stream_answers_once_and_is_introspectable() {
    let f = Federation::conformance_with(|s| s, config()).await;
    let answer = f.query(LIVE).await;
    assert!(answer["data"]["counter"].is_i64(), "{answer}");
    let directives = f
        .query("{ __schema { directives { name locations args { name } } } }")
        .await;
    let live = directives["data"]["__schema"]["directives"]
        .as_array()
        .expect("directives")
        .iter()
        .find(|d| d["name"] == "live")
        .cloned()
        .unwrap_or_else(|| panic!("{directives}"));
    assert_eq!(live["locations"], json!(["QUERY"]), "{live}");
    assert_eq!(live["args"], json!([{ "name": "throttle" }]), "{live}");
}

#[tokio::test]
async fn without_invalidation_a_live_query_is_refused_clearly() {
    let f = Federation::conformance_with(|s| s, GatewayConfig::default()).await;
    let mut client = WsClient::connect(&f.url.replace("http://", "ws://"), json!({})).await;
    client.subscribe("live", LIVE).await;
    let message = client.message(WAIT).await;
    assert_eq!(message["type"], "error", "{message}");
    assert_eq!(
        message["payload"][0]["extensions"]["code"], "LIVE_QUERY_UNAVAILABLE",
        "{message}"
    );
}
