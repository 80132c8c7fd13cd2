//! Fault tests: a relay crashing between publish and mark, duplicated and shuffled
//! deliveries, failing handlers. Effects must happen exactly once.

mod common;

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use anyhow::{Context, Result, ensure};
use common::{
    CONTADO, Counter, CountingAcks, count, database, event, eventually, grand_total, total,
};
use eventbus::{Consumer, ConsumerOptions, EventBus, Outcome, Relay, RelayError};
use sea_orm::{DatabaseConnection, TransactionTrait};
use subgraph_kit::messaging::outbox;
use testkit::{Backend, on_both_backends};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(15);

fn quick() -> ConsumerOptions {
    ConsumerOptions {
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..ConsumerOptions::default()
    }
}

async fn inbox_rows(db: &DatabaseConnection) -> Result<i64> {
    count(db, "SELECT COUNT(*) AS n FROM event_inbox").await
}

/// The relay publishes, then "crashes" before marking; the restarted relay publishes
/// the same rows again, and the consumer applies each event once.
async fn relay_crash_after_publish_duplicates_but_applies_once(
    backend: Backend,
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    let (bus, acks) = CountingAcks::wrap(bus);
    let test = database(backend).await?;
    let db = test.db.clone();
    let events: Vec<_> = (0..5)
        .map(|n| event(CONTADO, &format!("a-{}", n % 2), n))
        .chain([event("Ajeno.v1", "a-9", 9)])
        .collect();
    let txn = db.begin().await?;
    outbox::append(&txn, &events).await?;
    txn.commit().await?;

    let counter = Counter::new();
    let consumer = Consumer::new(db.clone(), bus.clone(), counter.clone()).with_options(quick());
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(consumer.run(shutdown));

    let crashing =
        Relay::new("test", db.clone(), bus.clone()).fail_after_publish(Arc::new(|_| true));
    let crashed = crashing.relay_pending().await;
    ensure!(
        matches!(crashed, Err(RelayError::InjectedFailure)),
        "{crashed:?}"
    );
    let pending = "SELECT COUNT(*) AS n FROM event_outbox WHERE published_at IS NULL";
    ensure!(count(&db, pending).await? == 6, "nothing was marked");
    // The first publication is consumed before the restart.
    ensure!(eventually(WAIT, || async { grand_total(&db).await.unwrap_or(-1) == 5 }).await);

    drop(crashing);
    let restarted = Relay::new("test", db.clone(), bus.clone());
    ensure!(
        restarted.relay_pending().await? == 6,
        "the restart publishes the rows again"
    );
    ensure!(count(&db, pending).await? == 0);

    // The duplicates arrive and are skipped by the inbox: all 12 deliveries (6 rows, twice)
    // handled and acknowledged.
    ensure!(
        eventually(WAIT, || async { acks.load(Ordering::SeqCst) == 12 }).await,
        "acknowledged {}",
        acks.load(Ordering::SeqCst)
    );
    ensure!(grand_total(&db).await? == 5, "effects applied once");
    ensure!(total(&db, "a-0").await? == 3 && total(&db, "a-1").await? == 2);
    ensure!(
        counter.calls() == 5,
        "the handler saw duplicates: {}",
        counter.calls()
    );
    ensure!(
        inbox_rows(&db).await? == 5,
        "foreign tipos are not recorded"
    );

    stop.send(true).ok();
    tokio::time::timeout(WAIT, running)
        .await
        .context("consumer stops")??;
    test.drop_db().await
}

/// Every event is delivered twice, in a shuffled order; each is applied once.
async fn duplicated_and_shuffled_deliveries_apply_each_event_once(
    backend: Backend,
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    let (bus, acks) = CountingAcks::wrap(bus);
    let test = database(backend).await?;
    let db = test.db.clone();
    let events: Vec<_> = (0..20)
        .map(|n| event(CONTADO, &format!("a-{}", n % 4), n))
        .collect();
    let mut deliveries: Vec<_> = events.iter().chain(events.iter()).cloned().collect();
    // A deterministic shuffle (no RNG needed): order by a hash of position.
    let mut keyed: Vec<_> = deliveries
        .drain(..)
        .enumerate()
        .map(|(i, e)| {
            (
                (i as u64)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .rotate_left(17),
                e,
            )
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    let deliveries: Vec<_> = keyed.into_iter().map(|(_, e)| e).collect();
    bus.publish_all(&deliveries).await?;

    let counter = Counter::new();
    let consumer = Consumer::new(db.clone(), bus.clone(), counter.clone()).with_options(quick());
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(consumer.run(shutdown));
    ensure!(eventually(WAIT, || async { inbox_rows(&db).await.unwrap_or(0) == 20 }).await);
    // Every one of the 40 deliveries handled and acknowledged, duplicates included.
    ensure!(
        eventually(WAIT, || async { acks.load(Ordering::SeqCst) == 40 }).await,
        "acknowledged {}",
        acks.load(Ordering::SeqCst)
    );
    ensure!(grand_total(&db).await? == 20);
    for a in 0..4 {
        ensure!(total(&db, &format!("a-{a}")).await? == 5);
    }
    ensure!(counter.calls() == 20, "handler calls {}", counter.calls());
    stop.send(true).ok();
    tokio::time::timeout(WAIT, running)
        .await
        .context("consumer stops")??;
    test.drop_db().await
}

/// A handler failing more often than the in-place attempts: its writes roll back, the
/// message is not acknowledged, comes back after the claim timeout and is applied once.
async fn failing_handler_is_redelivered_and_applied_once(
    backend: Backend,
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    let (bus, acks) = CountingAcks::wrap(bus);
    let test = database(backend).await?;
    let db = test.db.clone();
    let counter = Counter::failing(4);
    let consumer = Consumer::new(db.clone(), bus.clone(), counter.clone()).with_options(quick());
    let direct = Consumer::new(db.clone(), bus.clone(), counter.clone());
    bus.publish(&event(CONTADO, "a-1", 1)).await?;
    let (stop, shutdown) = watch::channel(false);
    let running = tokio::spawn(consumer.run(shutdown));
    ensure!(eventually(WAIT, || async { total(&db, "a-1").await.unwrap_or(0) == 1 }).await);
    ensure!(
        counter.calls() == 5,
        "3 attempts, a redelivery that fails, then success"
    );
    // Acknowledged: the bus delivers it to this group no more.
    ensure!(eventually(WAIT, || async { acks.load(Ordering::SeqCst) == 1 }).await);
    ensure!(
        total(&db, "a-1").await? == 1,
        "failed attempts left no effect"
    );
    ensure!(counter.calls() == 5, "acknowledged after the success");
    // Applying the same event directly is a no-op: the inbox has it.
    let events_seen = count(&db, "SELECT COUNT(*) AS n FROM event_inbox").await?;
    ensure!(events_seen == 1);
    let again = event(CONTADO, "a-1", 2);
    ensure!(direct.apply(&again).await? == Outcome::Applied);
    ensure!(direct.apply(&again).await? == Outcome::Duplicate);
    ensure!(direct.apply(&event("Ajeno.v1", "a-1", 3)).await? == Outcome::Ignored);
    stop.send(true).ok();
    tokio::time::timeout(WAIT, running)
        .await
        .context("consumer stops")??;
    test.drop_db().await
}

macro_rules! on_both_buses {
    ($($name:ident),* $(,)?) => {
        mod in_process {
            use super::*;
            $(
                async fn $name(backend: Backend) -> Result<()> {
                    super::$name(backend, common::in_process()).await
                }
            )*
            on_both_backends!($($name),*);
        }
        mod redis {
            use super::*;
            $(
                async fn $name(backend: Backend) -> Result<()> {
                    let bus = common::redis(common::redis_options()).await?;
                    let result = super::$name(backend, Arc::new(bus.clone())).await;
                    bus.delete_stream().await.ok();
                    result
                }
            )*
            on_both_backends!($($name),*);
        }
    };
}

on_both_buses!(
    relay_crash_after_publish_duplicates_but_applies_once,
    duplicated_and_shuffled_deliveries_apply_each_event_once,
    failing_handler_is_redelivered_and_applied_once,
);
