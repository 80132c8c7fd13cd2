//! Event-flow statistics: the buses' stream and consumer groups (in process and on real
//! Redis), and the outbox and inbox figures computed in SQL (SQLite and PostgreSQL).

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result, ensure};
use common::{database, event};
use eventbus::{EventBus, InProcessBus, InProcessOptions, Relay};
use futures::future::BoxFuture;
use sea_orm::{ConnectionTrait, TransactionTrait};
use sea_orm_migration::SchemaManager;
use subgraph_kit::messaging::{
    inbox, outbox,
    stats::{self, BusProbe, BusStats, EventsProbe, GroupStats},
};
use testkit::{Backend, on_both_backends};

fn names(groups: &[&str]) -> Vec<String> {
    groups.iter().map(|g| (*g).to_owned()).collect()
}

fn group<'a>(stats: &'a BusStats, name: &str) -> Result<&'a GroupStats> {
    stats
        .groups
        .iter()
        .find(|g| g.group == name)
        .with_context(|| format!("no group {name} in {stats:?}"))
}

async fn groups_report_members_pending_lag_and_the_oldest_unacked_age(
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    let asked = names(&["g.lee", "g.ausente"]);
    let empty = bus.stats(Some(&asked)).await?;
    ensure!(empty.length == 0, "{empty:?}");
    ensure!(
        empty.groups.len() == 2,
        "groups asked for are listed: {empty:?}"
    );
    ensure!(
        empty
            .groups
            .iter()
            .all(|g| g.consumers == 0 && g.pending == 0),
        "{empty:?}"
    );

    let mut sub = bus.subscribe("g.lee", "m1").await?;
    let events: Vec<_> = (0..5).map(|n| event("Probado.v1", "a-1", n)).collect();
    bus.publish_all(&events).await?;
    tokio::time::sleep(Duration::from_millis(60)).await;
    let mut got = Vec::new();
    while got.len() < 3 {
        got.extend(sub.next_batch(3 - got.len()).await?);
    }
    sub.ack(&got[0].id).await?;

    let now = bus.stats(Some(&asked)).await?;
    ensure!(now.length == 5 && now.published == Some(5), "{now:?}");
    ensure!(now.trimmed == Some(0), "{now:?}");
    let lee = group(&now, "g.lee")?;
    ensure!(lee.consumers == 1, "{lee:?}");
    ensure!(lee.pending == 2, "two delivered, one acknowledged: {lee:?}");
    ensure!(lee.lag == Some(2), "two never delivered: {lee:?}");
    let age = lee.oldest_unacked_age_ms.context("an unacked message")?;
    ensure!((50..10_000).contains(&age), "published ~60 ms ago: {age}");
    let ausente = group(&now, "g.ausente")?;
    ensure!(
        ausente.consumers == 0 && ausente.pending == 0,
        "{ausente:?}"
    );
    // Every group when none is named.
    let none = bus.stats(Some(&[])).await?;
    ensure!(none.groups.is_empty(), "no group asked for: {none:?}");
    let all = bus.stats(None).await?;
    ensure!(all.groups.iter().any(|g| g.group == "g.lee"), "{all:?}");

    // Caught up: nothing pending, no lag, no age.
    for delivery in &got[1..] {
        sub.ack(&delivery.id).await?;
    }
    let mut rest = Vec::new();
    while rest.len() < 2 {
        rest.extend(sub.next_batch(2 - rest.len()).await?);
    }
    for delivery in &rest {
        sub.ack(&delivery.id).await?;
    }
    let done = bus.stats(Some(&asked)).await?;
    let lee = group(&done, "g.lee")?;
    ensure!(
        lee.pending == 0 && lee.lag == Some(0) && lee.oldest_unacked_age_ms.is_none(),
        "{lee:?}"
    );
    Ok(())
}

async fn a_group_behind_reports_the_age_of_its_first_undelivered_message(
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    // Joined, then idle: what it never read makes its lag and age.
    let sub = bus.subscribe("g.lento", "m").await?;
    bus.publish(&event("Probado.v1", "a-1", 1)).await?;
    tokio::time::sleep(Duration::from_millis(80)).await;
    bus.publish(&event("Probado.v1", "a-1", 2)).await?;
    let stats = bus.stats(Some(&names(&["g.lento"]))).await?;
    let lento = group(&stats, "g.lento")?;
    ensure!(lento.pending == 0 && lento.lag == Some(2), "{lento:?}");
    let age = lento.oldest_unacked_age_ms.context("age")?;
    ensure!(age >= 70, "the first message is ~80 ms old: {age}");
    drop(sub);
    Ok(())
}

macro_rules! bus_suite {
    ($($name:ident),* $(,)?) => {
        mod in_process {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::in_process()).await.expect("in-process bus");
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let bus = super::common::redis(super::common::redis_options()).await.expect("Redis");
                    let result = super::$name(std::sync::Arc::new(bus.clone())).await;
                    bus.delete_stream().await.ok();
                    result.expect("Redis bus");
                }
            )*
        }
    };
}

bus_suite!(
    groups_report_members_pending_lag_and_the_oldest_unacked_age,
    a_group_behind_reports_the_age_of_its_first_undelivered_message,
);

#[tokio::test]
async fn in_process_members_leave_and_trimmed_messages_are_counted() {
    let bus = InProcessBus::new(InProcessOptions {
        capacity: 10,
        ..common::in_process_options()
    });
    for n in 0..25 {
        bus.publish(&event("Probado.v1", "a-1", n))
            .await
            .expect("publish");
    }
    let stats = bus.stats(None).await.expect("stats");
    assert_eq!(
        (stats.length, stats.published, stats.trimmed),
        (10, Some(25), Some(15)),
        "{stats:?}"
    );
    let sub = bus.subscribe("g", "m").await.expect("subscribe");
    let joined = bus.stats(Some(&names(&["g"]))).await.expect("stats");
    assert_eq!(joined.groups[0].consumers, 1);
    assert_eq!(
        joined.groups[0].lag,
        Some(10),
        "a new group starts at the oldest retained"
    );
    drop(sub);
    let left = bus.stats(Some(&names(&["g"]))).await.expect("stats");
    assert_eq!(left.groups[0].consumers, 0, "a dropped member leaves");
}

#[tokio::test]
async fn redis_counts_what_max_len_trimmed() {
    let mut options = common::redis_options();
    options.max_len = 100;
    let bus = common::redis(options).await.expect("Redis");
    let missing = bus
        .stats(Some(&names(&["g"])))
        .await
        .expect("stats of no stream");
    assert_eq!((missing.length, missing.trimmed), (0, Some(0)));
    assert_eq!(missing.groups.len(), 1);
    let events: Vec<_> = (0..1_000).map(|n| event("Probado.v1", "a-1", n)).collect();
    for chunk in events.chunks(50) {
        bus.publish_all(chunk).await.expect("publish");
    }
    let stats = bus.stats(None).await;
    bus.delete_stream().await.ok();
    let stats = stats.expect("stats");
    assert_eq!(stats.kind, "redis");
    assert_eq!(stats.published, Some(1_000), "{stats:?}");
    assert_eq!(stats.trimmed, Some(1_000 - stats.length), "{stats:?}");
    assert!(stats.length <= 200, "{stats:?}");
}

async fn outbox_and_inbox_figures_come_from_sql(backend: Backend) -> Result<()> {
    let test = database(backend).await?;
    let db = &test.db;
    let empty = stats::outbox(db).await?;
    ensure!(empty == stats::OutboxStats::default(), "{empty:?}");

    let txn = db.begin().await?;
    outbox::append(
        &txn,
        &(0..3)
            .map(|n| event("Probado.v1", "a-1", n))
            .collect::<Vec<_>>(),
    )
    .await?;
    txn.commit().await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let waiting = stats::outbox(db).await?;
    ensure!(waiting.backlog == 3, "{waiting:?}");
    ensure!(waiting.oldest_unpublished_seq.is_some(), "{waiting:?}");
    let age = waiting.oldest_unpublished_age_ms.context("age")?;
    ensure!((40..10_000).contains(&age), "written ~50 ms ago: {age}");
    ensure!(waiting.last_published_seq.is_none() && waiting.relay_lag_ms.is_none());

    let bus = InProcessBus::new(common::in_process_options());
    let relay = Relay::new("test", db.clone(), Arc::new(bus));
    ensure!(relay.relay_pending().await? == 3);
    let relayed = stats::outbox(db).await?;
    ensure!(
        relayed.backlog == 0 && relayed.oldest_unpublished_age_ms.is_none(),
        "{relayed:?}"
    );
    ensure!(relayed.last_published_seq.is_some(), "{relayed:?}");
    let lag = relayed.relay_lag_ms.context("relay lag")?;
    ensure!(
        (40..10_000).contains(&lag),
        "written ~50 ms before the relay ran: {lag}"
    );

    for id in [uuid::Uuid::now_v7(), uuid::Uuid::now_v7()] {
        inbox::record(db, "ctx.uno", id).await?;
    }
    inbox::record(db, "ctx.dos", uuid::Uuid::now_v7()).await?;
    let applied = stats::inbox(db).await?;
    let counts: Vec<_> = applied
        .iter()
        .map(|c| (c.consumer.as_str(), c.applied))
        .collect();
    ensure!(counts == [("ctx.dos", 1), ("ctx.uno", 2)], "{applied:?}");
    ensure!(
        applied.iter().all(|c| c.last_applied_at.is_some()),
        "{applied:?}"
    );
    test.drop_db().await
}

async fn rows_from_before_recorded_at_count_from_their_event_time(backend: Backend) -> Result<()> {
    let test = database(backend).await?;
    let db = &test.db;
    let manager = SchemaManager::new(db);
    // An outbox as it was before the column: the migration adds it, once.
    subgraph_kit::messaging::schema::drop_recorded_at(&manager).await?;
    ensure!(!manager.has_column("event_outbox", "recorded_at").await?);
    subgraph_kit::messaging::schema::add_recorded_at(&manager).await?;
    subgraph_kit::messaging::schema::add_recorded_at(&manager).await?;
    ensure!(manager.has_column("event_outbox", "recorded_at").await?);
    let mut old = event("Probado.v1", "a-1", 1);
    old.ocurrido_en -= chrono::TimeDelta::seconds(90);
    let txn = db.begin().await?;
    outbox::append(&txn, &[old]).await?;
    txn.commit().await?;
    db.execute_unprepared("UPDATE event_outbox SET recorded_at = NULL")
        .await?;
    let waiting = stats::outbox(db).await?;
    let age = waiting.oldest_unpublished_age_ms.context("age")?;
    ensure!((90_000..100_000).contains(&age), "from ocurrido_en: {age}");

    // Ninety seconds waiting is stale: the report says why, and that no bus relays it.
    let probe = EventsProbe::new(None, Vec::new());
    let report = stats::report(db, Some(&probe)).await;
    ensure!(report.status == "degraded", "{report:?}");
    ensure!(
        report.notes.iter().any(|n| n.contains("no event bus")),
        "{report:?}"
    );
    test.drop_db().await
}

on_both_backends!(
    outbox_and_inbox_figures_come_from_sql,
    rows_from_before_recorded_at_count_from_their_event_time,
);

/// A bus whose statistics never come.
struct Hanging;

impl BusProbe for Hanging {
    fn stats<'a>(&'a self, _: &'a [String]) -> BoxFuture<'a, Result<BusStats, String>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_bus_that_does_not_answer_degrades_the_report_without_stalling_it() {
    let test = database(Backend::Sqlite).await.expect("database");
    let probe = EventsProbe::new(Some(Arc::new(Hanging)), names(&["ctx.uno"]));
    let started = std::time::Instant::now();
    let report = stats::report(&test.db, Some(&probe)).await;
    let took = started.elapsed();
    assert!(
        took < stats::STATS_TIMEOUT + Duration::from_secs(1),
        "{took:?}"
    );
    assert_eq!(report.status, "degraded");
    assert!(report.bus.is_none());
    assert!(
        report.outbox.is_some(),
        "the database's part is still there"
    );
    assert!(
        report.notes.iter().any(|n| n.starts_with("bus:")),
        "{report:?}"
    );
    test.drop_db().await.expect("drop");
}

#[tokio::test]
async fn an_in_process_bus_feeds_a_full_report() {
    let test = database(Backend::Sqlite).await.expect("database");
    let bus: Arc<dyn EventBus> = common::in_process();
    let _member = bus.subscribe("ctx.uno", "m").await.expect("subscribe");
    bus.publish(&event("Probado.v1", "a-1", 1))
        .await
        .expect("publish");
    let probe = EventsProbe::new(Some(Arc::new(InProbe(bus.clone()))), names(&["ctx.uno"]));
    let report = stats::report(&test.db, Some(&probe)).await;
    assert_eq!(report.status, "up", "{report:?}");
    let bus_stats = report.bus.as_ref().expect("bus");
    assert_eq!(bus_stats.kind, "in-process");
    assert_eq!(bus_stats.groups.len(), 1);
    assert_eq!(bus_stats.groups[0].lag, Some(1));
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["bus"]["groups"][0]["group"], "ctx.uno", "{json}");
    assert_eq!(json["outbox"]["backlog"], 0, "{json}");
    test.drop_db().await.expect("drop");
}

/// The probe `eventbus::events_probe` builds, over any bus.
struct InProbe(Arc<dyn EventBus>);

impl BusProbe for InProbe {
    fn stats<'a>(&'a self, groups: &'a [String]) -> BoxFuture<'a, Result<BusStats, String>> {
        Box::pin(async move { self.0.stats(Some(groups)).await.map_err(|e| e.to_string()) })
    }
}
