//! `registrarEvento` throughput (events/s) and latency percentiles over HTTP, closed loop:
//! embedded mode (SQLite, memory limiter) and deployed shape (PostgreSQL, Redis limiter).
//! The limit is set high so every event is stored, but each one still takes a token.
//! PostgreSQL: `TEST_POSTGRES_URL`; Redis: `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`).

use std::time::{Duration, Instant};

use conversiones::{Config, Conversiones, ratelimit::LimiteTasa};
use serde_json::json;
use testkit::{Backend, TestSubgraph};
use uuid::Uuid;

const CLIENTS: usize = 32;
const WARMUP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
const AFILIADOS: usize = 100;

const MUTATION: &str =
    "mutation($input: RegistrarEventoInput!) { registrarEvento(input: $input) { evento { id } } }";

struct Row {
    name: &'static str,
    events: usize,
    errors: usize,
    secs: f64,
    latencies: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(name: &'static str, backend: Backend, redis: bool) -> anyhow::Result<Row> {
    let config = Config {
        limite: LimiteTasa {
            capacidad: 1_000_000,
            recarga_por_segundo: 1_000_000,
        },
        redis_url: redis.then(|| {
            std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
        }),
        redis_prefix: format!("bench:conversiones:{}", Uuid::new_v4().simple()),
    };
    let sg = TestSubgraph::start(&Conversiones::with_config(config), backend).await?;
    let url = format!("{}/graphql", sg.base_url);
    let afiliados: Vec<String> = (0..AFILIADOS).map(|_| Uuid::new_v4().to_string()).collect();
    let campania = Uuid::new_v4().to_string();
    let http = reqwest::Client::new();
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + MEASURE;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (http, url, afiliados, campania) = (
                http.clone(),
                url.clone(),
                afiliados.clone(),
                campania.clone(),
            );
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut n) = (Vec::new(), 0usize, c);
                while Instant::now() < end {
                    n += CLIENTS;
                    let body = json!({ "query": MUTATION, "variables": { "input": {
                        "tipo": "CLICK", "afiliadoId": afiliados[n % AFILIADOS],
                        "campaniaId": campania, "fuente": "WEB_TAG" } } });
                    let sent = Instant::now();
                    // As the gateway would forward an operator's claims.
                    let ok = match http
                        .post(&url)
                        .header(
                            subgraph_kit::server::CLAIMS_HEADER,
                            r#"{"sub":"bench","scope":"lectura escritura"}"#,
                        )
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(r) => r
                            .json::<serde_json::Value>()
                            .await
                            .map(|v| v.get("errors").is_none())
                            .unwrap_or(false),
                        Err(_) => false,
                    };
                    if sent >= measure_from && Instant::now() <= end {
                        if ok {
                            latencies.push(sent.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await?;
        latencies.extend(l);
        errors += e;
    }
    latencies.sort_unstable();
    sg.stop().await?;
    Ok(Row {
        name,
        events: latencies.len(),
        errors,
        secs: MEASURE.as_secs_f64(),
        latencies,
    })
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let rows = vec![
            run("SQLite + memory limiter", Backend::Sqlite, false).await?,
            run("PostgreSQL + Redis limiter", Backend::Postgres, true).await?,
        ];
        println!(
            "\nregistrarEvento over HTTP, {CLIENTS} closed-loop clients, {AFILIADOS} partners, {}s measured\n",
            MEASURE.as_secs()
        );
        println!(
            "| {:<28} | {:>9} | {:>8} | {:>8} | {:>8} | {:>6} |",
            "setup", "events/s", "p50 ms", "p99 ms", "max ms", "errors"
        );
        println!("|{:-<30}|{:->11}|{:->10}|{:->10}|{:->10}|{:->8}|", "", "", "", "", "", "");
        for r in rows {
            println!(
                "| {:<28} | {:>9.0} | {:>8.2} | {:>8.2} | {:>8.2} | {:>6} |",
                r.name,
                r.events as f64 / r.secs,
                percentile(&r.latencies, 0.50),
                percentile(&r.latencies, 0.99),
                percentile(&r.latencies, 1.0),
                r.errors
            );
        }
        Ok(())
    })
}
