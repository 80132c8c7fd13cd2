//! The outbox relay: publishes committed outbox rows in `seq` order, then marks them.
//!
//! Its only state is the table: a restart continues with the rows whose `published_at`
//! is still null. A crash between publishing and marking publishes those rows again
//! (a duplicate the consumers' inbox absorbs), never loses one.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};
use subgraph_kit::events::EventEnvelope;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::{bus::EventBus, error::RelayError};

/// A test hook called with each published batch before it is marked; returning `true`
/// simulates a crash at that point.
pub type FailAfterPublish = Arc<dyn Fn(&[EventEnvelope]) -> bool + Send + Sync>;

/// Settings of a relay.
#[derive(Clone, Debug)]
pub struct RelayOptions {
    /// Rows read and published per round.
    pub batch_size: u64,
    /// How often the outbox is polled when nobody wakes the relay.
    pub poll_interval: Duration,
    /// First wait after a failed round; doubles up to `max_backoff`.
    pub backoff: Duration,
    /// Longest wait after failures.
    pub max_backoff: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_millis(200),
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// Relays one database's outbox to a bus.
pub struct Relay {
    name: String,
    db: DatabaseConnection,
    bus: Arc<dyn EventBus>,
    options: RelayOptions,
    wake: Arc<Notify>,
    fail_after_publish: Option<FailAfterPublish>,
}

/// Advisory-lock key serialising the relays of replicas sharing one PostgreSQL database,
/// so that they neither interleave nor publish the same rows concurrently.
const RELAY_LOCK_KEY: i64 = 0x414C_5045_5245_4C59;

fn outbox() -> Alias {
    Alias::new("event_outbox")
}

impl Relay {
    /// A relay named `name` (logs) over `db`'s outbox.
    pub fn new(name: impl Into<String>, db: DatabaseConnection, bus: Arc<dyn EventBus>) -> Self {
        Self {
            name: name.into(),
            db,
            bus,
            options: RelayOptions::default(),
            wake: Arc::new(Notify::new()),
            fail_after_publish: None,
        }
    }

    /// Replaces the settings.
    pub fn with_options(mut self, options: RelayOptions) -> Self {
        self.options = options;
        self
    }

    /// Installs the crash-simulation hook (tests).
    pub fn fail_after_publish(mut self, hook: FailAfterPublish) -> Self {
        self.fail_after_publish = Some(hook);
        self
    }

    /// Wakes the relay before its next poll: `notify_one()` after committing outbox rows
    /// (a wake-up during a round is kept for the next one).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Publishes every pending row; returns how many were published.
    pub async fn relay_pending(&self) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let n = self.relay_batch().await?;
            total += n;
            if (n as u64) < self.options.batch_size {
                return Ok(total);
            }
        }
    }

    /// One round: up to `batch_size` rows.
    async fn relay_batch(&self) -> Result<usize, RelayError> {
        if self.db.get_database_backend() == DbBackend::Postgres {
            let txn = self.db.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({RELAY_LOCK_KEY})"))
                .await?;
            let n = self.round(&txn).await?;
            txn.commit().await?;
            Ok(n)
        } else {
            // SQLite files belong to one process with one relay; a transaction here would
            // turn the read into a write lock upgrade that fails under concurrent writers.
            self.round(&self.db).await
        }
    }

    async fn round<C: ConnectionTrait>(&self, conn: &C) -> Result<usize, RelayError> {
        let select = Query::select()
            .columns(
                [
                    "seq",
                    "event_id",
                    "tipo",
                    "agregado_id",
                    "ocurrido_en",
                    "datos",
                ]
                .map(Alias::new),
            )
            .from(outbox())
            .and_where(Expr::col(Alias::new("published_at")).is_null())
            .order_by(Alias::new("seq"), Order::Asc)
            .limit(self.options.batch_size)
            .to_owned();
        let rows = conn.query_all(&select).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut seqs = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get("", "seq")?;
            let bad = |reason: String| RelayError::BadRow { seq, reason };
            let id: String = row.try_get("", "event_id")?;
            let datos: String = row.try_get("", "datos")?;
            let ocurrido_en: DateTime<Utc> = row.try_get("", "ocurrido_en")?;
            events.push(EventEnvelope {
                id: Uuid::parse_str(&id).map_err(|e| bad(format!("event_id: {e}")))?,
                tipo: row.try_get("", "tipo")?,
                agregado_id: row.try_get("", "agregado_id")?,
                ocurrido_en,
                datos: serde_json::from_str(&datos).map_err(|e| bad(format!("datos: {e}")))?,
            });
            seqs.push(seq);
        }
        self.bus.publish_all(&events).await?;
        if let Some(hook) = &self.fail_after_publish
            && hook(&events)
        {
            return Err(RelayError::InjectedFailure);
        }
        let update = Query::update()
            .table(outbox())
            .value(Alias::new("published_at"), Utc::now())
            .and_where(Expr::col(Alias::new("seq")).is_in(seqs))
            .to_owned();
        conn.execute(&update).await?;
        Ok(events.len())
    }

    /// Relays until `shutdown` turns true: after each wake-up or poll interval, and with
    /// growing pauses while rounds fail.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut backoff = self.options.backoff;
        loop {
            if *shutdown.borrow() {
                break;
            }
            // Armed before the round: a commit during it still wakes the next one.
            let committed = subgraph_kit::messaging::outbox::committed();
            tokio::pin!(committed);
            committed.as_mut().enable();
            let pause = match self.relay_pending().await {
                Ok(n) => {
                    if n > 0 {
                        tracing::debug!(relay = %self.name, published = n, "outbox relayed");
                    }
                    backoff = self.options.backoff;
                    self.options.poll_interval
                }
                Err(error) => {
                    tracing::warn!(relay = %self.name, %error, "outbox relay failed; retrying");
                    let pause = backoff;
                    backoff = (backoff * 2).min(self.options.max_backoff);
                    pause
                }
            };
            tokio::select! {
                _ = &mut committed => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        tracing::debug!(relay = %self.name, "outbox relay stopped");
    }
}
