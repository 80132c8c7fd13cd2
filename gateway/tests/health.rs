//! `/health`, the old BFF's health document (`rest.health`) and the subgraphs' event-flow
//! statistics in `/health` and `/metrics`, over real HTTP: a slow subgraph makes the
//! answer `degraded` (a subgraph slower than the probe timeout `down`), never late.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::time::{Duration, Instant};

use federation::Federation;
use gateway::config::{GatewayConfig, HealthConfig, RestHealth};
use serde_json::{Value, json};

const PROBE_TIMEOUT_MS: u64 = 600;

fn config() -> GatewayConfig {
    let mut config = GatewayConfig {
        health: HealthConfig {
            probe_timeout_ms: PROBE_TIMEOUT_MS,
            degraded_latency_ms: 150,
            ..HealthConfig::default()
        },
        ..GatewayConfig::default()
    };
    config.rest.health = RestHealth {
        path: Some("/api/v1/health".into()),
        version: Some("9.9.9".into()),
        services: [("accounts".to_owned(), "cuentas_service".to_owned())].into(),
    };
    config.cache.response_ttl_secs = 30;
    config
}

/// GETs a path of the gateway: status, body, and how long it took.
async fn get(f: &Federation, path: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = reqwest::get(f.url.replace("/graphql", path))
        .await
        .expect("gateway answers");
    let status = response.status().as_u16();
    let body = response.json().await.expect("JSON");
    (status, body, started.elapsed())
}

fn replica<'a>(health: &'a Value, name: &str) -> &'a Value {
    health["subgraphs"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("{name} not in {health}"))
}

#[tokio::test]
async fn a_slow_subgraph_degrades_the_answers_without_stalling_them() {
    let f = Federation::conformance_served_with(|s| s, config()).await;

    let (status, health, _) = get(&f, "/health").await;
    assert_eq!((status, &health["status"]), (200, &json!("up")), "{health}");
    let (status, bff, _) = get(&f, "/api/v1/health").await;
    assert_eq!(status, 200, "{bff}");
    assert_eq!(bff["status"], "healthy", "{bff}");
    assert_eq!(bff["version"], "9.9.9");
    let timestamp = bff["timestamp"].as_str().expect("timestamp");
    assert!(
        timestamp.len() == 20 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "RFC 3339 in seconds, UTC: {timestamp}"
    );
    let services = bff["services"].as_object().expect("services");
    assert_eq!(services.len(), 5, "{bff}");
    assert!(
        services.contains_key("cuentas_service"),
        "the configured key: {bff}"
    );
    assert!(
        services.contains_key("products"),
        "unlisted names kept: {bff}"
    );
    for service in services.values() {
        assert_eq!(service["status"], "up", "{bff}");
        assert!(service["response_time_ms"].is_u64(), "{bff}");
        assert!(service.get("note").is_none(), "{bff}");
    }
    assert_eq!(
        bff["cache"],
        json!({ "hits": 0, "misses": 0, "hit_rate": 0.0 })
    );

    // The response cache's hits and misses since start.
    for _ in 0..3 {
        f.query("query Me { me { name } }").await;
    }
    let (_, bff, _) = get(&f, "/api/v1/health").await;
    assert_eq!(
        bff["cache"],
        json!({ "hits": 2, "misses": 1, "hit_rate": 0.667 }),
        "{bff}"
    );

    // Slower than the latency threshold: degraded, still answering (200).
    f.subgraph("accounts").set_delay(Duration::from_millis(300));
    let (status, health, _) = get(&f, "/health").await;
    assert_eq!(
        (status, &health["status"]),
        (200, &json!("degraded")),
        "{health}"
    );
    let accounts = replica(&health, "accounts");
    assert_eq!(accounts["status"], "degraded", "{health}");
    assert!(
        accounts["notes"][0]
            .as_str()
            .is_some_and(|n| n.starts_with("High latency detected")),
        "{health}"
    );
    assert_eq!(replica(&health, "products")["status"], "up");
    let (status, bff, _) = get(&f, "/api/v1/health").await;
    assert_eq!((status, &bff["status"]), (200, &json!("degraded")), "{bff}");
    let cuentas = &bff["services"]["cuentas_service"];
    assert_eq!(cuentas["status"], "degraded", "{bff}");
    assert!(cuentas["response_time_ms"].as_u64() >= Some(300), "{bff}");
    assert!(
        cuentas["note"]
            .as_str()
            .is_some_and(|n| n.contains("High latency detected")),
        "{bff}"
    );

    // Slower than the probe timeout: down, and the answers still come in time.
    f.subgraph("accounts").set_delay(Duration::from_secs(10));
    let (status, health, took) = get(&f, "/health").await;
    assert!(
        took < Duration::from_millis(PROBE_TIMEOUT_MS + 1000),
        "{took:?}"
    );
    assert_eq!(
        (status, &health["status"]),
        (503, &json!("degraded")),
        "{health}"
    );
    let accounts = replica(&health, "accounts");
    assert_eq!(accounts["status"], "down");
    assert_eq!(
        accounts["error"],
        format!("no answer within {PROBE_TIMEOUT_MS} ms"),
        "{health}"
    );
    let (status, bff, took) = get(&f, "/api/v1/health").await;
    assert!(
        took < Duration::from_millis(PROBE_TIMEOUT_MS + 1000),
        "{took:?}"
    );
    assert_eq!((status, &bff["status"]), (200, &json!("degraded")), "{bff}");
    assert_eq!(
        bff["services"]["cuentas_service"]["status"], "down",
        "{bff}"
    );

    // Nothing answers: unhealthy, 503.
    for subgraph in &f.subgraphs {
        subgraph.kill();
    }
    let (status, bff, _) = get(&f, "/api/v1/health").await;
    assert_eq!(
        (status, &bff["status"]),
        (503, &json!("unhealthy")),
        "{bff}"
    );
    assert!(
        bff["services"]
            .as_object()
            .expect("services")
            .values()
            .all(|s| s["status"] == "down"),
        "{bff}"
    );
}

fn events(status: &str, backlog: u64, notes: &[&str]) -> Value {
    json!({
        "status": "up",
        "events": {
            "status": status,
            "notes": notes,
            "outbox": { "backlog": backlog, "oldestUnpublishedAgeMs": if backlog > 0 { json!(90_000) } else { Value::Null },
                        "relayLagMs": 4 },
            "inbox": [{ "consumer": "ctx.pedidos", "applied": 12 }],
            "bus": { "kind": "redis", "stream": "s", "length": 40, "published": 45, "trimmed": 5,
                     "groups": [{ "group": "ctx.pedidos", "consumers": 2, "pending": 1, "lag": 3,
                                  "oldestUnackedAgeMs": 1500 }] }
        }
    })
}

#[tokio::test]
async fn subgraph_event_statistics_reach_health_and_metrics() {
    let f = Federation::conformance_served_with(|s| s, config()).await;
    f.subgraph("accounts").set_health(Some(events(
        "degraded",
        7,
        &["outbox: the oldest unpublished event waits for 90000 ms"],
    )));
    f.subgraph("products")
        .set_health(Some(events("up", 0, &[])));

    let (status, health, _) = get(&f, "/health").await;
    assert_eq!(
        status, 200,
        "a lagging event flow degrades, the gateway still serves"
    );
    assert_eq!(health["status"], "degraded", "{health}");
    let accounts = replica(&health, "accounts");
    assert_eq!(accounts["status"], "degraded", "{health}");
    assert_eq!(accounts["events"]["outbox"]["backlog"], 7, "{health}");
    assert_eq!(
        accounts["notes"][0],
        "events degraded: outbox: the oldest unpublished event waits for 90000 ms"
    );
    let products = replica(&health, "products");
    assert_eq!(products["status"], "up", "{health}");
    assert_eq!(products["events"]["bus"]["groups"][0]["lag"], 3);
    assert!(
        replica(&health, "reviews").get("events").is_none(),
        "a subgraph without a health document has no events: {health}"
    );
    let (_, bff, _) = get(&f, "/api/v1/health").await;
    assert_eq!(
        bff["services"]["cuentas_service"]["status"], "degraded",
        "{bff}"
    );

    let metrics = || async {
        let started = Instant::now();
        let text = reqwest::get(f.url.replace("/graphql", "/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        (text, started.elapsed())
    };
    let (text, _) = metrics().await;
    for line in [
        r#"events_up{subgraph="accounts"} 0.0"#,
        r#"events_up{subgraph="products"} 1.0"#,
        r#"events_outbox_backlog{subgraph="accounts"} 7.0"#,
        r#"events_outbox_oldest_unpublished_age_seconds{subgraph="accounts"} 90.0"#,
        r#"events_outbox_relay_lag_seconds{subgraph="products"} 0.004"#,
        r#"events_inbox_applied_total{subgraph="products",consumer="ctx.pedidos"} 12.0"#,
        r#"events_bus_trimmed_total{subgraph="accounts"} 5.0"#,
        r#"events_consumer_group_members{subgraph="accounts",group="ctx.pedidos"} 2.0"#,
        r#"events_consumer_group_pending{subgraph="accounts",group="ctx.pedidos"} 1.0"#,
        r#"events_consumer_group_lag{subgraph="accounts",group="ctx.pedidos"} 3.0"#,
        r#"events_consumer_group_oldest_unacked_age_seconds{subgraph="accounts",group="ctx.pedidos"} 1.5"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    assert!(!text.contains(r#"subgraph="reviews""#), "{text}");
    assert!(
        text.contains("gateway_cached_plans"),
        "the gateway's own metrics stay"
    );
    assert_eq!(text.matches("# EOF").count(), 1, "{text}");
    assert!(text.ends_with("# EOF\n"));
    let parsed =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    assert!(
        parsed
            .samples
            .iter()
            .any(|s| s.metric == "events_outbox_backlog")
    );

    // A subgraph slower than the probe timeout is left out of /metrics, not waited for.
    f.subgraph("accounts").set_delay(Duration::from_secs(10));
    let (text, took) = metrics().await;
    assert!(
        took < Duration::from_millis(PROBE_TIMEOUT_MS + 1000),
        "{took:?}"
    );
    assert!(
        !text.contains(r#"events_up{subgraph="accounts"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"events_up{subgraph="products"} 1.0"#),
        "{text}"
    );
}

#[test]
fn compatibility_paths_are_checked() {
    let mut config = GatewayConfig::default();
    config.rest.health.path = Some("/health".into());
    let error = config
        .validate()
        .expect_err("the gateway's own path")
        .to_string();
    assert!(error.contains("rest.health.path"), "{error}");
    config.rest.health.path = Some("/api/v1/health".into());
    config.validate().expect("a path of its own");
    config.rest.metrics.path = Some("/api/v1/health".into());
    let error = config.validate().expect_err("served twice").to_string();
    assert!(error.contains("served twice"), "{error}");
    config.rest.metrics.path = None;
    config.health.detail_path = "health".into();
    let error = config.validate().expect_err("not a path").to_string();
    assert!(error.contains("health.detail_path"), "{error}");
}

#[tokio::test]
async fn the_bff_json_metrics_come_from_the_gateways_histograms() {
    let mut config = config();
    config.rest.metrics.path = Some("/api/v1/metrics".into());
    let f = Federation::conformance_served_with(|s| s, config).await;
    for _ in 0..3 {
        f.query("query Me { me { name } }").await;
    }
    f.query("{ nope }").await;
    f.subgraph("products").set_status(503);
    let failed = f.query("query Top { topProducts { name } }").await;
    assert!(failed.get("errors").is_some(), "{failed}");

    let (status, metrics, _) = get(&f, "/api/v1/metrics").await;
    assert_eq!(status, 200, "{metrics}");
    for key in ["count", "errors", "p50", "p95", "p99"] {
        assert!(metrics[key].is_number(), "{key} in {metrics}");
    }
    assert_eq!(metrics["count"], 5, "{metrics}");
    assert_eq!(metrics["errors"], 1, "{metrics}");
    assert_eq!(metrics["rejected"], 1, "{metrics}");
    let (p50, p95, p99) = (
        metrics["p50"].as_f64().expect("p50"),
        metrics["p95"].as_f64().expect("p95"),
        metrics["p99"].as_f64().expect("p99"),
    );
    assert!(p50 > 0.0 && p50 <= p95 && p95 <= p99, "{metrics}");
    let me = &metrics["operations"]["Me"];
    assert_eq!(
        (me["count"].as_u64(), me["errors"].as_u64()),
        (Some(3), Some(0)),
        "{metrics}"
    );
    assert_eq!(metrics["operations"]["Top"]["errors"], 1, "{metrics}");
    assert_eq!(
        metrics["subgraphs"]["accounts"]["count"], 1,
        "the cache answered twice: {metrics}"
    );
    assert_eq!(metrics["subgraphs"]["products"]["errors"], 1, "{metrics}");

    // `/metrics` gives the same to a client asking for JSON, Prometheus text otherwise.
    let json: Value = reqwest::Client::new()
        .get(f.url.replace("/graphql", "/metrics"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("metrics")
        .json()
        .await
        .expect("JSON");
    assert_eq!(json["count"], 5, "{json}");
    assert_eq!(json["operations"]["Me"]["count"], 3, "{json}");
    let text = reqwest::get(f.url.replace("/graphql", "/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("gateway_request_duration_seconds_bucket"),
        "{text}"
    );
}
