//! Subscription fan-out through the embedded platform: 1,000 WebSocket subscribers of
//! `conversionRegistrada` (completed with the partner's name from afiliados), fed by
//! conversions registered through the gateway. Prints the commit-to-client latency (from
//! the mutation's answer, when the write is committed, to each subscriber's receipt),
//! events/s delivered in a burst, and the platform process's memory per open subscription.
//!
//! `cargo bench --bench fanout` (`BENCH_SUBSCRIBERS`, default 1000; `BENCH_EVENTS`, default 20).

mod common;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use testkit::WsClient;

const BASE_PORT: u16 = 4800;
const WAIT: Duration = Duration::from_secs(60);

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    http.post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json")
}

const REGISTRAR: &str = "mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id } } }";

/// Registers one conversion; returns when the gateway answered (the write is committed).
async fn register(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    target: &(String, String, String),
    referencia: &str,
) -> Value {
    let (afiliado, campania, moneda) = target;
    post(
        http,
        url,
        token,
        REGISTRAR,
        json!({ "input": {
        "afiliadoId": afiliado, "campaniaId": campania, "tipo": "VENTA",
        "valor": { "valor": "10.00", "moneda": moneda }, "canal": "web",
        "referenciaExterna": referencia } }),
    )
    .await
}

fn main() {
    common::run(run());
}

async fn run() {
    let subscribers = env_or("BENCH_SUBSCRIBERS", 1000);
    let events = env_or("BENCH_EVENTS", 20);
    let dir = std::env::temp_dir().join(format!("alpes-bench-fanout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("data dir");
    let launcher = common::Launcher::start(&dir, BASE_PORT).await;
    let pid = launcher.0.id();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{BASE_PORT}/graphql");
    let ws = format!("ws://127.0.0.1:{BASE_PORT}/graphql");
    let token = common::login(&http, &format!("http://127.0.0.1:{BASE_PORT}"), "admin").await;
    let data = post(&http, &url, &token,
        "{ afiliados(filtro: {estado: ACTIVO}, paginacion: {perPage: 1}) { items { id configuracionComisiones { minimoPago { moneda } } } }
           campanias(filtro: {estado: ACTIVA}, paginacion: {perPage: 1}) { items { id } } }", json!({})).await;
    let target = (
        data["data"]["afiliados"]["items"][0]["id"]
            .as_str()
            .expect("afiliado")
            .to_owned(),
        data["data"]["campanias"]["items"][0]["id"]
            .as_str()
            .expect("campania")
            .to_owned(),
        data["data"]["afiliados"]["items"][0]["configuracionComisiones"]["minimoPago"]["moneda"]
            .as_str()
            .expect("moneda")
            .to_owned(),
    );
    // conversiones learns the demo's partners and campaigns from their events after start.
    for attempt in 0.. {
        let answer = register(&http, &url, &token, &target, &format!("warm-{attempt}")).await;
        if answer.get("errors").is_none() {
            break;
        }
        assert!(attempt < 600, "conversions never accepted: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);

    // Every subscriber on its own connection, reporting (reference, receipt time).
    let subscription = "subscription($c: ID!) { conversionRegistrada(campaniaId: $c) { referenciaExterna afiliado { nombre } } }";
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        let mut client =
            WsClient::connect(&ws, json!({ "Authorization": format!("Bearer {token}") }))
                .await
                .expect("connect");
        client
            .subscribe("1", subscription, json!({ "c": target.1 }))
            .await
            .expect("subscribe");
        let tx = tx.clone();
        tasks.push(tokio::spawn(async move {
            while let Ok(Some(payload)) = client.next_payload(WAIT).await {
                let referencia = payload["data"]["conversionRegistrada"]["referenciaExterna"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    payload["data"]["conversionRegistrada"]["afiliado"]["nombre"].is_string(),
                    "{payload}"
                );
                if tx.send((referencia, Instant::now())).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    // The gateway's own subscription to conversiones opens shortly after the first client's.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);

    // Latency: one event at a time, each delivered to everyone before the next.
    let mut latencies = Vec::new();
    for n in 0..events {
        let referencia = format!("lat-{n}");
        let answer = register(&http, &url, &token, &target, &referencia).await;
        let committed = Instant::now();
        assert!(answer.get("errors").is_none(), "{answer}");
        let mut got = 0;
        while got < subscribers {
            let (seen, at) = tokio::time::timeout(WAIT, rx.recv())
                .await
                .expect("deliveries within 60 s")
                .expect("subscribers alive");
            assert_eq!(seen, referencia, "in order, no stray event");
            latencies.push(at.saturating_duration_since(committed));
            got += 1;
        }
    }
    latencies.sort();

    // Throughput: a burst of events registered concurrently, delivered to everyone.
    let started = Instant::now();
    let mut writes = Vec::new();
    for n in 0..events {
        let (http, url, target, token) = (http.clone(), url.clone(), target.clone(), token.clone());
        writes.push(tokio::spawn(async move {
            register(&http, &url, &token, &target, &format!("burst-{n}")).await
        }));
    }
    for write in writes {
        let answer = write.await.expect("write");
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    let mut per_event: HashMap<String, usize> = HashMap::new();
    let mut last = started;
    for _ in 0..events * subscribers {
        let (seen, at) = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("burst deliveries within 60 s")
            .expect("subscribers alive");
        *per_event.entry(seen).or_default() += 1;
        last = at;
    }
    let burst = last.duration_since(started).as_secs_f64();
    assert!(
        per_event.values().all(|n| *n == subscribers),
        "each subscriber got each event once"
    );

    println!(
        "Subscription fan-out: {subscribers} subscribers (one WebSocket each) of conversionRegistrada, completed with afiliados' nombre; gateway, subgraphs, bus and clients share the machine"
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| commit → client, one event at a time ({} deliveries) | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms |",
        latencies.len(),
        common::percentile(&latencies, 0.5),
        common::percentile(&latencies, 0.99),
        common::percentile(&latencies, 1.0)
    );
    println!(
        "| burst of {events} events × {subscribers} subscribers | {:.0} deliveries/s ({:.2} s from first write to last delivery) |",
        (events * subscribers) as f64 / burst,
        burst
    );
    println!(
        "| platform process memory per open subscription (RSS {before} → {after} KiB) | {:.1} KiB |",
        after.saturating_sub(before) as f64 / subscribers as f64
    );
    for task in tasks {
        task.abort();
    }
    drop(launcher);
    std::fs::remove_dir_all(&dir).ok();
}
