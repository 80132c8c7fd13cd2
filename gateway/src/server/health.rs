//! Health: `/health` (the gateway, every subgraph replica probed now, the cache's
//! backend), the subgraphs' event-flow statistics for `/metrics`, and the old BFF's health
//! document (`rest.health`).
//!
//! Each replica gets two requests at once, both bounded by `health.probe_timeout_ms`: a
//! GraphQL `{ __typename }` (is it up, how fast) and a GET of its own health document
//! (`health.detail_path`), whose `events` object is passed on. A replica answering slower
//! than `health.degraded_latency_ms`, or whose event flow is degraded, is `degraded`; one
//! that does not answer in time is `down`. Nothing waits longer than the timeout.

use std::{collections::BTreeMap, sync::Arc, time::Duration, time::Instant};

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use super::AppState;
use crate::config::{HealthConfig, RestHealth};

/// A replica's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Up,
    Degraded,
    Down,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }
}

/// What one replica's probe found.
#[derive(Clone, Debug)]
pub(crate) struct Probe {
    name: String,
    url: String,
    status: Status,
    latency_ms: f64,
    /// Why it is down.
    error: Option<String>,
    /// Why it is degraded.
    notes: Vec<String>,
    /// Its `events` statistics, if its health document has them.
    events: Option<Value>,
}

/// The seed's words for a slow service.
const HIGH_LATENCY: &str = "High latency detected";

/// What a replica's own health document said.
enum Detail {
    /// Not asked for, or no `events` in it (another kind of subgraph).
    None,
    Events(Value),
    /// No answer in time, or the connection failed.
    Failed(String),
}

fn ms(duration: Duration) -> u128 {
    duration.as_millis()
}

/// The health document's URL: the subgraph URL with `path` instead of its own.
fn detail_url(url: &str, path: &str) -> Option<reqwest::Url> {
    let mut url = reqwest::Url::parse(url).ok()?;
    url.set_path(path);
    url.set_query(None);
    Some(url)
}

async fn detail(http: &reqwest::Client, url: &str, settings: &HealthConfig) -> Detail {
    let timeout = Duration::from_millis(settings.probe_timeout_ms);
    if settings.detail_path.is_empty() {
        return Detail::None;
    }
    let Some(url) = detail_url(url, &settings.detail_path) else {
        return Detail::None;
    };
    let fetched = async {
        let response = http.get(url).send().await?;
        response.json::<Value>().await
    };
    match tokio::time::timeout(timeout, fetched).await {
        Err(_) => Detail::Failed(format!(
            "health document: no answer within {} ms",
            ms(timeout)
        )),
        Ok(Ok(body)) => match body.get("events") {
            Some(events) if events.is_object() => Detail::Events(events.clone()),
            _ => Detail::None,
        },
        // Not JSON: a subgraph without this platform's health document.
        Ok(Err(e)) if e.is_decode() => Detail::None,
        Ok(Err(e)) => Detail::Failed(format!("health document: {e}")),
    }
}

async fn graphql(
    http: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    timeout: Duration,
) -> Result<(), String> {
    let mut request = http
        .post(url)
        .timeout(timeout)
        .json(&json!({ "query": "{ __typename }" }));
    // Deployed subgraphs answer only the gateway's credential.
    if let Some(secret) = secret {
        request = request.header(crate::executor::SECRET_HEADER, secret);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("HTTP {}", response.status())),
        Err(e) if e.is_timeout() => Err(format!("no answer within {} ms", ms(timeout))),
        Err(e) => Err(e.to_string()),
    }
}

async fn probe(
    http: &reqwest::Client,
    name: String,
    url: String,
    secret: Option<&str>,
    settings: &HealthConfig,
) -> Probe {
    let timeout = Duration::from_millis(settings.probe_timeout_ms);
    let timed = async {
        let started = Instant::now();
        let result = graphql(http, &url, secret, timeout).await;
        (result, started.elapsed())
    };
    let ((result, took), detail) = tokio::join!(timed, detail(http, &url, settings));
    let latency_ms = (took.as_secs_f64() * 10_000.0).round() / 10.0;
    let mut probe = Probe {
        name,
        url,
        status: Status::Up,
        latency_ms,
        error: None,
        notes: Vec::new(),
        events: None,
    };
    match detail {
        Detail::None => {}
        Detail::Events(events) => {
            if events["status"] != "up" {
                let notes: Vec<&str> = events["notes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                probe
                    .notes
                    .push(format!("events degraded: {}", notes.join("; ")));
            }
            probe.events = Some(events);
        }
        Detail::Failed(why) => probe.notes.push(why),
    }
    if let Err(error) = result {
        probe.status = Status::Down;
        probe.error = Some(error);
        return probe;
    }
    if ms(took) > u128::from(settings.degraded_latency_ms) {
        probe
            .notes
            .insert(0, format!("{HIGH_LATENCY} ({} ms)", ms(took)));
    }
    if !probe.notes.is_empty() {
        probe.status = Status::Degraded;
    }
    probe
}

/// Every subgraph replica probed now, at once.
pub(crate) async fn gather(state: &AppState) -> Vec<Probe> {
    let engine = state.engine();
    let secret = engine.subgraph_secret();
    let probes = engine
        .subgraph_urls()
        .into_iter()
        .map(|(name, url)| probe(&state.http, name, url, secret, &state.health));
    futures::future::join_all(probes).await
}

/// Each subgraph's `events` statistics (the first replica that has them), for
/// `/metrics`; only the health documents are fetched, at once and bounded.
pub(crate) async fn events(state: &AppState) -> Vec<(String, Value)> {
    let engine = state.engine();
    let details = engine
        .subgraph_urls()
        .into_iter()
        .map(|(name, url)| async move {
            match detail(&state.http, &url, &state.health).await {
                Detail::Events(events) => Some((name, events)),
                _ => None,
            }
        });
    let mut out: Vec<(String, Value)> = Vec::new();
    for (name, events) in futures::future::join_all(details)
        .await
        .into_iter()
        .flatten()
    {
        if !out.iter().any(|(seen, _)| *seen == name) {
            out.push((name, events));
        }
    }
    out
}

fn replica_json(probe: &Probe) -> Value {
    let mut out = json!({
        "name": probe.name,
        "url": probe.url,
        "status": probe.status.as_str(),
        "latencyMs": probe.latency_ms,
    });
    if let Some(error) = &probe.error {
        out["error"] = Value::String(error.clone());
    }
    if !probe.notes.is_empty() {
        out["notes"] = json!(probe.notes);
    }
    if let Some(events) = &probe.events {
        out["events"] = events.clone();
    }
    out
}

/// `/health`: `up` (200) when every replica is up and the cache backend answers;
/// `degraded` when one is slow or its event flow lags (200: the gateway serves) or when
/// one is down or the cache backend is (503).
pub(crate) async fn health(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let engine = state.engine();
    let (probes, cache) = tokio::join!(gather(&state), async {
        match engine.caches() {
            Some(cache) => cache.health().await,
            None => json!({ "status": "off" }),
        }
    });
    let down = probes.iter().any(|p| p.status == Status::Down) || cache["status"] == "down";
    let all_up = !down && probes.iter().all(|p| p.status == Status::Up);
    let status = if all_up { "up" } else { "degraded" };
    let code = if down {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        code,
        Json(json!({
            "status": status,
            "gateway": { "status": "up", "cachedPlans": engine.cached_plans(), "planCacheBytes": engine.plan_cache_bytes() },
            "subgraphs": probes.iter().map(replica_json).collect::<Vec<_>>(),
            "cache": cache,
        })),
    )
}

/// One service of the BFF's document: a subgraph's replicas together.
fn service(replicas: &[&Probe]) -> Value {
    let down = replicas.iter().filter(|p| p.status == Status::Down).count();
    let status = if down == replicas.len() {
        Status::Down
    } else if down == 0 && replicas.iter().all(|p| p.status == Status::Up) {
        Status::Up
    } else {
        Status::Degraded
    };
    // The slowest answer is what a caller may wait.
    let answered: Vec<f64> = replicas
        .iter()
        .filter(|p| p.status != Status::Down)
        .map(|p| p.latency_ms)
        .collect();
    let latency = if answered.is_empty() {
        replicas.iter().map(|p| p.latency_ms).fold(0.0, f64::max)
    } else {
        answered.into_iter().fold(0.0, f64::max)
    };
    let mut notes: Vec<String> = Vec::new();
    if down > 0 && replicas.len() > 1 {
        notes.push(format!("{down} of {} replicas down", replicas.len()));
    }
    for probe in replicas {
        for note in probe.error.iter().chain(&probe.notes) {
            if !notes.contains(note) {
                notes.push(note.clone());
            }
        }
    }
    let mut out = json!({
        "status": status.as_str(),
        "response_time_ms": latency.round() as u64,
    });
    if !notes.is_empty() {
        out["note"] = Value::String(notes.join("; "));
    }
    out
}

/// The old BFF's `GET /api/v1/health`: `status` (`healthy`, `degraded`, or `unhealthy`
/// with 503 when no service answers), `timestamp`, `version`, `services` (each subgraph
/// under its configured key: `status` up/degraded/down, `response_time_ms`, a `note` when
/// not up) and `cache` (hits, misses and hit rate of the response and entity caches).
pub(crate) async fn bff_health(
    state: Arc<AppState>,
    settings: Arc<RestHealth>,
) -> (StatusCode, Json<Value>) {
    let engine = state.engine();
    let (probes, cache_backend) = tokio::join!(gather(&state), async {
        match engine.caches() {
            Some(cache) => cache.health().await["status"] == "down",
            None => false,
        }
    });
    let mut by_name: BTreeMap<&str, Vec<&Probe>> = BTreeMap::new();
    for probe in &probes {
        by_name.entry(probe.name.as_str()).or_default().push(probe);
    }
    let services: serde_json::Map<String, Value> = by_name
        .iter()
        .map(|(name, replicas)| {
            let key = settings
                .services
                .get(*name)
                .cloned()
                .unwrap_or_else(|| (*name).to_owned());
            (key, service(replicas))
        })
        .collect();
    let all_down = !services.is_empty() && services.values().all(|s| s["status"] == "down");
    let all_up = !cache_backend && services.values().all(|s| s["status"] == "up");
    let (status, code) = if all_down {
        ("unhealthy", StatusCode::SERVICE_UNAVAILABLE)
    } else if all_up {
        ("healthy", StatusCode::OK)
    } else {
        ("degraded", StatusCode::OK)
    };
    let metrics = engine.metrics();
    let (hits, misses) = ["response", "entity"]
        .into_iter()
        .map(|cache| metrics.cache_counts(cache))
        .fold((0, 0), |(h, m), (hits, misses)| (h + hits, m + misses));
    let lookups = hits + misses;
    let hit_rate = if lookups == 0 {
        0.0
    } else {
        (hits as f64 / lookups as f64 * 1000.0).round() / 1000.0
    };
    let version = settings
        .version
        .clone()
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned());
    (
        code,
        Json(json!({
            "status": status,
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "version": version,
            "services": services,
            "cache": { "hits": hits, "misses": misses, "hit_rate": hit_rate },
        })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(status: Status, latency_ms: f64, note: Option<&str>) -> Probe {
        Probe {
            name: "s".into(),
            url: "http://x/graphql".into(),
            status,
            latency_ms,
            error: (status == Status::Down).then(|| "connection refused".to_owned()),
            notes: note.map(str::to_owned).into_iter().collect(),
            events: None,
        }
    }

    #[test]
    fn a_service_is_its_replicas_together() {
        let up = replica(Status::Up, 12.4, None);
        let slow = replica(
            Status::Degraded,
            1200.0,
            Some("High latency detected (1200 ms)"),
        );
        let down = replica(Status::Down, 2000.0, None);
        assert_eq!(
            service(&[&up]),
            json!({ "status": "up", "response_time_ms": 12 })
        );
        assert_eq!(
            service(&[&up, &slow]),
            json!({ "status": "degraded", "response_time_ms": 1200, "note": "High latency detected (1200 ms)" })
        );
        assert_eq!(
            service(&[&up, &down]),
            json!({ "status": "degraded", "response_time_ms": 12, "note": "1 of 2 replicas down; connection refused" })
        );
        assert_eq!(
            service(&[&down]),
            json!({ "status": "down", "response_time_ms": 2000, "note": "connection refused" })
        );
    }

    #[test]
    fn the_health_document_is_next_to_the_graphql_endpoint() {
        assert_eq!(
            detail_url("http://127.0.0.1:4002/graphql?x=1", "/health").map(|u| u.to_string()),
            Some("http://127.0.0.1:4002/health".to_owned())
        );
        assert_eq!(
            detail_url("https://api.example/sub/graphql", "/sub/health").map(|u| u.to_string()),
            Some("https://api.example/sub/health".to_owned())
        );
    }
}
