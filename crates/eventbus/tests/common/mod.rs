//! Shared helpers of the eventbus tests: buses with short timeouts, throw-away databases
//! with the outbox/inbox and a counter table, and a handler that counts.

#![allow(dead_code, unreachable_pub)]

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use eventbus::{
    BusError, Delivery, EventBus, InProcessBus, InProcessOptions, RedisBus, RedisOptions,
    Subscription,
};
use futures::stream::BoxStream;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};
use sea_orm_migration::SchemaManager;
use subgraph_kit::{
    DomainError,
    events::EventEnvelope,
    messaging::{EventHandler, stats::BusStats},
};
use testkit::{Backend, TestDb};

/// Claim timeout of the test buses: short, so redelivery tests are quick.
pub const CLAIM_IDLE: Duration = Duration::from_millis(300);
/// Block time of the test buses.
pub const BLOCK: Duration = Duration::from_millis(100);
/// The event type the counting handler applies.
pub const CONTADO: &str = "Contado.v1";

/// An event of `tipo` for aggregate `agregado` with payload `{ "n": n }`.
pub fn event(tipo: &str, agregado: &str, n: u64) -> EventEnvelope {
    EventEnvelope {
        id: uuid::Uuid::now_v7(),
        tipo: tipo.to_owned(),
        agregado_id: agregado.to_owned(),
        // PostgreSQL keeps microseconds: round so envelopes compare equal after a trip.
        ocurrido_en: Utc::now().trunc_subsecs(6),
        datos: serde_json::json!({ "n": n }),
    }
}

/// In-process bus options of the tests.
pub fn in_process_options() -> InProcessOptions {
    InProcessOptions {
        capacity: 10_000,
        claim_idle: CLAIM_IDLE,
        block: BLOCK,
        publish_timeout: Duration::from_millis(200),
    }
}

/// An in-process bus with short timeouts.
pub fn in_process() -> Arc<dyn EventBus> {
    Arc::new(InProcessBus::new(in_process_options()))
}

/// The test Redis server.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Redis options with a stream of its own (tests run in parallel) and short timeouts.
pub fn redis_options() -> RedisOptions {
    RedisOptions {
        stream: format!("test:events:{}", uuid::Uuid::new_v4().simple()),
        max_len: 10_000,
        claim_idle: CLAIM_IDLE,
        block: BLOCK,
        command_timeout: Duration::from_secs(5),
    }
}

/// A Redis bus on a fresh stream; fails (not skips) without a server.
pub async fn redis(options: RedisOptions) -> anyhow::Result<RedisBus> {
    let url = redis_url();
    RedisBus::connect(&url, options).await.map_err(|e| {
        anyhow::anyhow!("Redis is required for the tests (TEST_REDIS_URL={url}): {e}; run .ci/run")
    })
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A database with the outbox, the inbox and `contador(agregado_id, total)`.
pub async fn database(backend: Backend) -> anyhow::Result<TestDb> {
    let db = TestDb::new(backend).await?;
    subgraph_kit::messaging::schema::create_tables(&SchemaManager::new(&db.db)).await?;
    db.db
        .execute_unprepared(
            "CREATE TABLE contador (agregado_id VARCHAR(100) PRIMARY KEY, total BIGINT NOT NULL)",
        )
        .await?;
    Ok(db)
}

/// `contador.total` of an aggregate (0 when absent).
pub async fn total(db: &DatabaseConnection, agregado: &str) -> anyhow::Result<i64> {
    let select = Query::select()
        .column(Alias::new("total"))
        .from(Alias::new("contador"))
        .and_where(Expr::col(Alias::new("agregado_id")).eq(agregado))
        .to_owned();
    Ok(match db.query_one(&select).await? {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    })
}

/// Sum of every `contador.total`.
pub async fn grand_total(db: &DatabaseConnection) -> anyhow::Result<i64> {
    count(
        db,
        "SELECT CAST(COALESCE(SUM(total), 0) AS BIGINT) AS n FROM contador",
    )
    .await
}

/// Runs a `SELECT … AS n` returning one integer.
pub async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row: {sql}"))?;
    Ok(row.try_get("", "n")?)
}

/// Adds one to `contador.total` of the event's aggregate; fails its first `failures`
/// calls; counts its calls.
pub struct Counter {
    pub calls: AtomicUsize,
    pub failures: usize,
}

impl Counter {
    /// A counter that never fails.
    pub fn new() -> Arc<Self> {
        Self::failing(0)
    }

    /// A counter whose first `failures` calls fail.
    pub fn failing(failures: usize) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            failures,
        })
    }

    /// Calls so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl EventHandler for Counter {
    fn consumer(&self) -> &'static str {
        "test.contador"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &[CONTADO]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let total = Alias::new("total");
        let upsert = Query::insert()
            .into_table(Alias::new("contador"))
            .columns([Alias::new("agregado_id"), total.clone()])
            .values_panic([event.agregado_id.clone().into(), 1i64.into()])
            .on_conflict(
                OnConflict::column(Alias::new("agregado_id"))
                    .value(
                        total.clone(),
                        Expr::col((Alias::new("contador"), total)).add(1),
                    )
                    .to_owned(),
            )
            .to_owned();
        // The write happens before the failure, so a failed call proves the rollback.
        txn.execute(&upsert).await.map_err(DomainError::internal)?;
        if call < self.failures {
            return Err(DomainError::internal("a transient failure of the test"));
        }
        Ok(())
    }
}

/// A bus that counts the acknowledgements of its subscriptions, so a test can wait until
/// every delivery was handled (applied, skipped as a duplicate or ignored) instead of
/// sleeping.
pub struct CountingAcks {
    inner: Arc<dyn EventBus>,
    acks: Arc<AtomicUsize>,
}

impl CountingAcks {
    /// Wraps `inner`; returns the bus and the shared count.
    pub fn wrap(inner: Arc<dyn EventBus>) -> (Arc<dyn EventBus>, Arc<AtomicUsize>) {
        let acks = Arc::new(AtomicUsize::new(0));
        let bus = Arc::new(Self {
            inner,
            acks: acks.clone(),
        });
        (bus, acks)
    }
}

#[async_trait]
impl EventBus for CountingAcks {
    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        self.inner.publish(event).await
    }

    async fn publish_all(&self, events: &[EventEnvelope]) -> Result<(), BusError> {
        self.inner.publish_all(events).await
    }

    async fn subscribe(
        &self,
        group: &str,
        member: &str,
    ) -> Result<Box<dyn Subscription>, BusError> {
        Ok(Box::new(CountedSubscription {
            inner: self.inner.subscribe(group, member).await?,
            acks: self.acks.clone(),
        }))
    }

    async fn tail(&self) -> Result<BoxStream<'static, EventEnvelope>, BusError> {
        self.inner.tail().await
    }

    async fn stats(&self, groups: Option<&[String]>) -> Result<BusStats, BusError> {
        self.inner.stats(groups).await
    }
}

struct CountedSubscription {
    inner: Box<dyn Subscription>,
    acks: Arc<AtomicUsize>,
}

#[async_trait]
impl Subscription for CountedSubscription {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, BusError> {
        self.inner.next_batch(max).await
    }

    async fn ack(&mut self, id: &str) -> Result<(), BusError> {
        self.inner.ack(id).await?;
        self.acks.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
