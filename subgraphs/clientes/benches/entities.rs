//! `_entities` latency and SQL statement count for 1, 100 and 1,000 representations, on
//! SQLite and PostgreSQL, over HTTP against a running subgraph. Prints a table; asserts nothing.
//!
//! Run: `cargo bench -p clientes --bench entities` (PostgreSQL from `TEST_POSTGRES_URL`).

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use clientes::{Clientes, domain::RegistrarCliente};
use serde_json::json;
use testkit::{Backend, TestSubgraph};

const CLIENTES: usize = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run(backend: Backend) -> anyhow::Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let service = clientes::service(sg.db.db.clone());
    let mut ids = Vec::with_capacity(CLIENTES);
    for n in 0..CLIENTES {
        let cliente = service
            .registrar(
                RegistrarCliente {
                    id: None,
                    nombre: format!("Cliente Bench {n}"),
                    email: format!("bench{n}@example.com"),
                    cedula: "1234567890".into(),
                    fecha_nacimiento: NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
                },
                Utc::now(),
            )
            .await?;
        ids.push(cliente.id.to_string());
    }
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Cliente { id nombre email fechaRegistro } } }";
    for size in [1usize, 100, 1_000] {
        let representations: Vec<_> = ids[..size]
            .iter()
            .map(|id| json!({ "__typename": "Cliente", "id": id }))
            .collect();
        let variables = json!({ "r": representations });
        let iterations = if size == 1_000 { 100 } else { 300 };
        for _ in 0..10 {
            sg.data(query, variables.clone()).await?;
        }
        let mut samples = Vec::with_capacity(iterations);
        sg.db.statements.reset();
        for _ in 0..iterations {
            let start = Instant::now();
            let data = sg.data(query, variables.clone()).await?;
            samples.push(start.elapsed());
            anyhow::ensure!(data["_entities"].as_array().map(Vec::len) == Some(size));
        }
        let statements = sg.db.statements.get() as f64 / iterations as f64;
        samples.sort_unstable();
        println!(
            "{:<10} {:>6} reps  p50 {:>8.2} ms  p99 {:>8.2} ms  {:>4.1} SQL statements/request",
            format!("{backend:?}"),
            size,
            percentile(&samples, 0.5).as_secs_f64() * 1e3,
            percentile(&samples, 0.99).as_secs_f64() * 1e3,
            statements
        );
    }
    sg.stop().await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        // `cargo test --benches` probes harness-less benches with --list.
        return Ok(());
    }
    run(Backend::Sqlite).await?;
    run(Backend::Postgres).await
}
