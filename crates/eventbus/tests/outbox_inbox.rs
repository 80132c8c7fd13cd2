//! The kernel's outbox `append` and inbox `record` on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use anyhow::{Result, ensure};
use common::{count, database, event};
use eventbus::{EventBus, InProcessBus, Relay, RelayOptions};
use sea_orm::TransactionTrait;
use subgraph_kit::messaging::{inbox, outbox};
use testkit::{Backend, on_both_backends};

async fn appended_events_are_relayed_in_order_and_intact(backend: Backend) -> Result<()> {
    let test = database(backend).await?;
    let db = &test.db;
    let first: Vec<_> = (0..3).map(|n| event("Probado.v1", "a-1", n)).collect();
    let second = vec![event("Otro.v2", "a-2", 3)];
    let rolled_back = vec![event("Probado.v1", "a-1", 99)];

    let txn = db.begin().await?;
    outbox::append(&txn, &first).await?;
    outbox::append(&txn, &[]).await?;
    txn.commit().await?;
    let txn = db.begin().await?;
    outbox::append(&txn, &rolled_back).await?;
    txn.rollback().await?;
    let txn = db.begin().await?;
    outbox::append(&txn, &second).await?;
    txn.commit().await?;

    let pending = "SELECT COUNT(*) AS n FROM event_outbox WHERE published_at IS NULL";
    ensure!(
        count(db, pending).await? == 4,
        "the rolled-back event is not in the outbox"
    );

    let bus = InProcessBus::new(common::in_process_options());
    let mut sub = bus.subscribe("g", "m").await?;
    let relay = Relay::new("test", db.clone(), Arc::new(bus.clone()));
    ensure!(relay.relay_pending().await? == 4);
    ensure!(
        count(db, pending).await? == 0,
        "every published row is marked"
    );
    ensure!(
        relay.relay_pending().await? == 0,
        "marked rows are not published again"
    );

    let mut received = Vec::new();
    while received.len() < 4 {
        let batch = sub.next_batch(10).await?;
        ensure!(!batch.is_empty(), "missing events");
        received.extend(batch.into_iter().map(|d| d.event));
    }
    let expected: Vec<_> = first.into_iter().chain(second).collect();
    ensure!(received == expected, "{received:#?}\n!=\n{expected:#?}");
    test.drop_db().await
}

async fn inbox_records_each_event_once_per_consumer(backend: Backend) -> Result<()> {
    let test = database(backend).await?;
    let db = &test.db;
    let id = uuid::Uuid::now_v7();
    ensure!(inbox::record(db, "uno", id).await?, "first record");
    ensure!(
        !inbox::record(db, "uno", id).await?,
        "second record of the same consumer"
    );
    ensure!(inbox::record(db, "dos", id).await?, "another consumer");

    // A rolled-back record leaves no trace: the event is applied on the next delivery.
    let other = uuid::Uuid::now_v7();
    let txn = db.begin().await?;
    ensure!(inbox::record(&txn, "uno", other).await?);
    txn.rollback().await?;
    ensure!(inbox::record(db, "uno", other).await?, "after a rollback");
    test.drop_db().await
}

/// A running relay publishes right after `outbox::commit`, not at its next poll (here an
/// hour away).
async fn a_commit_wakes_the_running_relay(backend: Backend) -> Result<()> {
    let test = database(backend).await?;
    let db = &test.db;
    let bus = InProcessBus::new(common::in_process_options());
    let mut sub = bus.subscribe("g", "m").await?;
    let relay = Relay::new("test", db.clone(), Arc::new(bus.clone())).with_options(RelayOptions {
        poll_interval: std::time::Duration::from_secs(3600),
        ..RelayOptions::default()
    });
    // A first event, committed before the relay starts, is what its first round
    // publishes: once it arrives that round has read the outbox, so only a wake-up can
    // start the next.
    let first = event("Primero.v1", "a-0", 0);
    let txn = db.begin().await?;
    outbox::append(&txn, std::slice::from_ref(&first)).await?;
    txn.commit().await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(relay.run(stopped));
    let batch = tokio::time::timeout(std::time::Duration::from_secs(30), sub.next_batch(10))
        .await
        .map_err(|_| anyhow::anyhow!("the relay's first round published nothing"))??;
    ensure!(batch.len() == 1 && batch[0].event == first, "{batch:?}");
    sub.ack(&batch[0].id).await?;
    let sent = event("Probado.v1", "a-1", 1);
    let txn = db.begin().await?;
    outbox::append(&txn, std::slice::from_ref(&sent)).await?;
    outbox::commit(txn).await?;
    let batch = tokio::time::timeout(std::time::Duration::from_secs(30), sub.next_batch(10))
        .await
        .map_err(|_| anyhow::anyhow!("the relay waited for its poll instead of the commit"))??;
    ensure!(batch.len() == 1 && batch[0].event == sent, "{batch:?}");
    stop.send(true)?;
    running.await?;
    test.drop_db().await
}

on_both_backends!(
    appended_events_are_relayed_in_order_and_intact,
    inbox_records_each_event_once_per_consumer,
    a_commit_wakes_the_running_relay,
);
