//! `/health`: the gateway, every subgraph probed now (status and latency), and the
//! response cache's backend.

use std::{sync::Arc, time::Instant};

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;

/// How long one subgraph probe may take.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn probe(http: &reqwest::Client, name: &str, url: &str, secret: Option<&str>) -> Value {
    let started = Instant::now();
    let mut request = http
        .post(url)
        .timeout(PROBE_TIMEOUT)
        .json(&json!({ "query": "{ __typename }" }));
    // Deployed subgraphs answer only the gateway's credential.
    if let Some(secret) = secret {
        request = request.header(crate::executor::SECRET_HEADER, secret);
    }
    let result = request.send().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (status, error) = match result {
        Ok(response) if response.status().is_success() => ("up", None),
        Ok(response) => ("down", Some(format!("HTTP {}", response.status()))),
        Err(e) if e.is_timeout() => ("down", Some("timeout".to_owned())),
        Err(e) => ("down", Some(e.to_string())),
    };
    let mut out = json!({
        "name": name,
        "url": url,
        "status": status,
        "latencyMs": (latency_ms * 10.0).round() / 10.0,
    });
    if let Some(error) = error {
        out["error"] = Value::String(error);
    }
    out
}

/// 200 when every subgraph answers, 503 (`degraded`) otherwise.
pub(crate) async fn health(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let engine = state.engine();
    let secret = engine.subgraph_secret();
    let probes = engine.subgraph_urls().into_iter().map(|(name, url)| {
        let http = state.http.clone();
        async move { probe(&http, &name, &url, secret).await }
    });
    let subgraphs = futures::future::join_all(probes).await;
    let cache = match engine.caches() {
        Some(cache) => cache.health().await,
        None => json!({ "status": "off" }),
    };
    let all_up = subgraphs.iter().all(|s| s["status"] == "up") && cache["status"] != "down";
    let status = if all_up { "up" } else { "degraded" };
    let code = if all_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(json!({
            "status": status,
            "gateway": { "status": "up", "cachedPlans": engine.cached_plans(), "planCacheBytes": engine.plan_cache_bytes() },
            "subgraphs": subgraphs,
            "cache": cache,
        })),
    )
}
