//! The dashboard operation through the gateway, against the five subgraphs of the embedded
//! launcher (SQLite, demo data): cold (no cache) against warm (response cache in memory and
//! in Redis, entity cache), in requests per second and p50/p99; time to the first byte and
//! to the last part with and without `@defer` (cold); then what a request pays for JWT
//! verification, the limit checks and a plan-cache hit.
//!
//! `cargo bench --bench dashboard` (Redis at `BENCH_REDIS_URL`, default
//! `redis://127.0.0.1:6379`; `BENCH_SECONDS` per mode, default 5).

#[path = "../tests/support/token.rs"]
mod token;

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use gateway::{
    config::{GatewayConfig, SubgraphConfig},
    server::{AppState, serve_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};

const BASE_PORT: u16 = 4700;
const CONCURRENCY: usize = 16;
const SUBGRAPHS: [&str; 5] = [
    "clientes",
    "afiliados",
    "campanias",
    "conversiones",
    "pagos",
];
const SECRET: &str = "a-bench-secret-of-at-least-32-bytes!!";

fn base_config() -> GatewayConfig {
    let mut config = GatewayConfig {
        subgraph_timeout_ms: 30_000,
        ..Default::default()
    };
    for (i, name) in SUBGRAPHS.iter().enumerate() {
        config.subgraphs.insert(
            (*name).to_owned(),
            SubgraphConfig {
                url: Some(format!(
                    "http://127.0.0.1:{}/graphql",
                    BASE_PORT + 1 + i as u16
                )),
                ..Default::default()
            },
        );
    }
    config.auth.jwt_secret = Some(SECRET.into());
    config.subgraph_secret = Some(common::SUBGRAPH_SECRET.into());
    config
}

/// Serves a gateway with `config` on an ephemeral port; returns its URL.
async fn start_gateway(supergraph: &str, config: GatewayConfig) -> String {
    let engine = engine_from_config(supergraph, &config).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        serve_with(
            listener,
            AppState::new(engine),
            &config,
            std::future::pending(),
        )
        .await
    });
    url
}

/// `CONCURRENCY` clients posting `body` for `seconds`: (requests/s, p50 ms, p99 ms).
async fn load(url: &str, body: &Value, seconds: u64) -> (f64, f64, f64) {
    let http = reqwest::Client::new();
    let token = token::admin_token(SECRET, 3600).await;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CONCURRENCY {
        let (http, url, body, token) = (http.clone(), url.to_owned(), body.clone(), token.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("answer");
                let answer: Value = response.json().await.expect("json");
                assert!(answer.get("errors").is_none(), "{answer}");
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.expect("client"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    (
        all.len() as f64 / elapsed,
        common::percentile(&all, 0.5),
        common::percentile(&all, 0.99),
    )
}

/// The dashboard with its payout and conversion panels deferred (the slowest: their
/// aggregates and joins), the rest answered first.
fn deferred_dashboard(dashboard: &str) -> String {
    let mut text = dashboard.to_owned();
    for (field, label) in [("conversiones(", "conversiones"), ("pagos(", "pagos")] {
        let start = text.find(&format!("  {field}")).expect("root field") + 2;
        // The field ends at the closing brace of its own indentation level.
        let end = start + text[start..].find("\n  }").expect("end of field") + 4;
        let body = text[start..end].to_owned();
        text.replace_range(
            start..end,
            &format!("... @defer(label: \"{label}\") {{ {body} }}"),
        );
    }
    text
}

/// Sequential requests of `body` (cold caches), read as they arrive: p50 of the time to
/// the first body bytes and to the end of the answer, in ms, and the parts per answer.
async fn first_and_last(url: &str, body: &Value, accept: &str, n: usize) -> (f64, f64, usize) {
    let http = reqwest::Client::new();
    let token = token::admin_token(SECRET, 3600).await;
    let (mut first, mut last) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut parts = 0;
    for _ in 0..n {
        let sent = Instant::now();
        let mut response = http
            .post(url)
            .bearer_auth(&token)
            .header("accept", accept)
            .json(body)
            .send()
            .await
            .expect("answer");
        let mut text = Vec::new();
        while let Some(chunk) = response.chunk().await.expect("body") {
            if text.is_empty() {
                first.push(sent.elapsed());
            }
            text.extend_from_slice(&chunk);
        }
        last.push(sent.elapsed());
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains("\"errors\""), "{text}");
        parts = text.matches("\r\n---").count().max(1);
    }
    first.sort();
    last.sort();
    (
        common::percentile(&first, 0.5),
        common::percentile(&last, 0.5),
        parts,
    )
}

/// Mean time of `f` over `n` runs, in microseconds.
fn per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

fn main() {
    common::run(run());
}

async fn run() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let redis_url =
        std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("alpes-bench-dashboard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("data dir");
    let _launcher = common::Launcher::start(&dir, BASE_PORT).await;
    let http = reqwest::Client::new();
    let supergraph = std::fs::read_to_string(root.join("schema.graphql")).expect("supergraph");
    let dashboard = std::fs::read_to_string(root.join("operations/Dashboard.graphql"))
        .expect("dashboard operation");
    let body = json!({ "query": dashboard, "operationName": "Dashboard" });

    let unique = format!("bench:{}", std::process::id());
    let mut memory = base_config();
    memory.cache.response_ttl_secs = 300;
    let mut redis = memory.clone();
    redis.cache.redis_url = Some(redis_url);
    redis.cache.key_prefix = unique;
    let mut entities = base_config();
    entities.cache.entity_ttl_secs = 300;
    println!(
        "Dashboard operation, {CONCURRENCY} concurrent clients, {seconds} s per mode (gateway, client and subgraphs share the machine)"
    );
    println!("| mode | req/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|");
    for (mode, config) in [
        (
            "cold: no cache (every request reaches the 5 subgraphs)",
            base_config(),
        ),
        ("warm: response cache in memory", memory),
        ("warm: response cache in Redis", redis),
        ("entity cache only, in memory", entities),
    ] {
        let url = start_gateway(&supergraph, config).await;
        // One request plans the operation (and fills the caches).
        http.post(&url)
            .bearer_auth(token::admin_token(SECRET, 3600).await)
            .json(&body)
            .send()
            .await
            .expect("warm-up");
        let (rps, p50, p99) = load(&url, &body, seconds).await;
        println!("| {mode} | {rps:.0} | {p50:.2} | {p99:.2} |");
    }

    // The dashboard's first paint: with @defer the fast panels come first.
    let url = start_gateway(&supergraph, base_config()).await;
    let deferred = json!({ "query": deferred_dashboard(&dashboard), "operationName": "Dashboard" });
    println!();
    println!("Dashboard, one client, cold caches, {CONCURRENCY}0 sequential requests per mode");
    println!("| mode | first byte p50 ms | last part p50 ms | parts |");
    println!("|---|---|---|---|");
    for (mode, body, accept) in [
        ("without @defer", &body, "application/json"),
        (
            "with @defer (multipart/mixed)",
            &deferred,
            "multipart/mixed",
        ),
    ] {
        let (first, last, parts) = first_and_last(&url, body, accept, CONCURRENCY * 10).await;
        println!("| {mode} | {first:.2} | {last:.2} | {parts} |");
    }

    // What each request pays before execution.
    let config = base_config();
    let engine = engine_from_config(&supergraph, &config).expect("engine");
    let login = gateway::auth::Login::new(
        vec![gateway::auth::LoginUser {
            username: "admin".into(),
            password_hash: gateway::auth::hash_password("admin").expect("hash"),
            scopes: vec!["lectura".into(), "escritura".into(), "admin".into()],
            ..Default::default()
        }],
        SECRET,
        None,
        None,
        3600,
        gateway::auth::LoginThrottle::default(),
    )
    .expect("login");
    let token = login
        .login("admin", "admin", None)
        .await
        .expect("token")
        .token;
    let header = format!("Bearer {token}");
    let verifier = gateway::auth::JwtVerifier::hs256(SECRET, None, None);
    let n = 20_000;
    let started = Instant::now();
    for _ in 0..n {
        verifier.verify_header(&header).await.expect("valid token");
    }
    let jwt = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);

    let parsed = gateway::supergraph::Supergraph::parse(&supergraph).expect("supergraph");
    let document = Arc::new(
        gateway::pipeline::parse_and_validate(&parsed.api_schema, &dashboard, None)
            .expect("valid operation"),
    );
    let request: gateway::pipeline::GraphqlRequest =
        serde_json::from_value(body.clone()).expect("request");
    let prepared = gateway::pipeline::select_operation(
        &parsed.api_schema,
        document,
        &request,
        gateway::pipeline::HttpMethod::Post,
    )
    .expect("operation");
    let limits = gateway::pipeline::OperationLimits::from(&config.limits);
    let variables = serde_json::Map::new();
    let checks = per_call(n, || {
        let measure = gateway::pipeline::measure(
            &parsed.schema,
            &prepared.document,
            &prepared.operation,
            &variables,
            config.limits.default_list_size,
            None,
        )
        .expect("measured");
        gateway::pipeline::check_limits(&limits, &measure).expect("within limits");
    });
    let queries = vec![dashboard.clone()];
    engine.warm(&queries);
    let plan_hit = per_call(n, || {
        engine.warm(&queries);
    });
    println!();
    println!("| per request | µs |");
    println!("|---|---|");
    println!("| JWT verification (HS256, `Authorization` header → claims) | {jwt:.2} |");
    println!("| limit checks (depth, aliases, root fields, cost: measure + check) | {checks:.2} |");
    println!("| plan-cache hit (document-cache hit + plan lookup) | {plan_hit:.2} |");
    std::fs::remove_dir_all(&dir).ok();
}
