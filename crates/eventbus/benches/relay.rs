//! Relay lag, from the commit of an outbox row to the end of the consumer's transaction,
//! with the in-process bus on SQLite and with Redis on PostgreSQL.
//!
//! `cargo bench -p eventbus --bench relay` (needs PostgreSQL and Redis, as the tests do).
//! Two runs per setup: paced (one command per 2 ms, latency without a backlog) and burst
//! (all commands at once, throughput).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use chrono::Utc;
use eventbus::{Consumer, EventBus, InProcessBus, RedisBus, RedisOptions, Relay, RelayOptions};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use sea_orm_migration::SchemaManager;
use subgraph_kit::{
    DomainError,
    events::EventEnvelope,
    messaging::{EventHandler, outbox},
};
use testkit::{Backend, TestDb};
use tokio::{sync::watch, time::Instant};
use uuid::Uuid;

const PACED: usize = 500;
const BURST: usize = 2_000;
const TIPO: &str = "Medido.v1";

/// Notes when each event was applied.
struct Stopwatch {
    applied: Mutex<HashMap<Uuid, Instant>>,
}

#[async_trait]
impl EventHandler for Stopwatch {
    fn consumer(&self) -> &'static str {
        "bench.stopwatch"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &[TIPO]
    }

    async fn handle(
        &self,
        _: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        // Noted before the commit; the commit is a few hundred µs more.
        self.applied
            .lock()
            .map_err(|_| DomainError::internal("poisoned"))?
            .insert(event.id, Instant::now());
        Ok(())
    }
}

struct Run {
    lags: Vec<Duration>,
    elapsed: Duration,
}

async fn run(
    db: &DatabaseConnection,
    bus: Arc<dyn EventBus>,
    n: usize,
    pace: Option<Duration>,
) -> anyhow::Result<Run> {
    let stopwatch = Arc::new(Stopwatch {
        applied: Mutex::new(HashMap::new()),
    });
    let relay = Relay::new("bench", db.clone(), bus.clone()).with_options(RelayOptions {
        poll_interval: Duration::from_millis(100),
        ..RelayOptions::default()
    });
    let waker = relay.waker();
    let (stop, shutdown) = watch::channel(false);
    let relay_task = tokio::spawn(relay.run(shutdown.clone()));
    let consumer_task =
        tokio::spawn(Consumer::new(db.clone(), bus, stopwatch.clone()).run(shutdown));

    let mut committed = HashMap::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let event = EventEnvelope {
            id: Uuid::now_v7(),
            tipo: TIPO.to_owned(),
            agregado_id: format!("a-{}", i % 16),
            ocurrido_en: Utc::now(),
            datos: serde_json::json!({ "i": i, "importe": "123.45" }),
        };
        let txn = db.begin().await?;
        outbox::append(&txn, std::slice::from_ref(&event)).await?;
        txn.commit().await?;
        committed.insert(event.id, Instant::now());
        waker.notify_one();
        if let Some(pace) = pace {
            tokio::time::sleep_until(started + pace * (i as u32 + 1)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while stopwatch.applied.lock().map(|a| a.len()).unwrap_or(0) < n {
        anyhow::ensure!(Instant::now() < deadline, "events not consumed in 30 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    stop.send(true).ok();
    relay_task.await?;
    consumer_task.await?;
    let applied = stopwatch
        .applied
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut lags: Vec<_> = committed
        .iter()
        .map(|(id, at)| applied[id].saturating_duration_since(*at))
        .collect();
    lags.sort();
    Ok(Run { lags, elapsed })
}

fn report(setup: &str, kind: &str, run: &Run) {
    let n = run.lags.len();
    let p = |q: f64| run.lags[((n as f64 * q) as usize).min(n - 1)];
    println!(
        "{setup:<24} {kind:<22} n={n:<5} p50 {:>7.2} ms   p99 {:>7.2} ms   {:>7.0} events/s",
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        n as f64 / run.elapsed.as_secs_f64(),
    );
}

async fn setup_db(backend: Backend) -> anyhow::Result<TestDb> {
    let db = TestDb::new(backend).await?;
    subgraph_kit::messaging::schema::create_tables(&SchemaManager::new(&db.db)).await?;
    Ok(db)
}

async fn bench(setup: &str, backend: Backend, bus: Arc<dyn EventBus>) -> anyhow::Result<()> {
    let db = setup_db(backend).await?;
    let paced = run(&db.db, bus.clone(), PACED, Some(Duration::from_millis(2))).await?;
    report(setup, "paced (500/s offered)", &paced);
    let burst = run(&db.db, bus, BURST, None).await?;
    report(setup, "burst", &burst);
    db.drop_db().await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    println!("relay lag: outbox commit -> consumer transaction (one event per command)");
    bench(
        "in-process + SQLite",
        Backend::Sqlite,
        Arc::new(InProcessBus::default()),
    )
    .await?;
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = RedisBus::connect(
        &url,
        RedisOptions {
            stream: format!("bench:events:{}", Uuid::new_v4().simple()),
            ..RedisOptions::default()
        },
    )
    .await?;
    let result = bench(
        "Redis + PostgreSQL",
        Backend::Postgres,
        Arc::new(redis.clone()),
    )
    .await;
    redis.delete_stream().await.ok();
    result
}
