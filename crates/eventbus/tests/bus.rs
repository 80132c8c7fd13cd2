//! The bus suite, run against both implementations (in-process and Redis Streams).

mod common;

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::{Context, Result, ensure};
use common::{BLOCK, CLAIM_IDLE, event};
use eventbus::{Delivery, EventBus, InProcessBus, InProcessOptions, Subscription};

/// Reads until `n` messages arrived or `timeout` passed.
async fn receive(sub: &mut dyn Subscription, n: usize, timeout: Duration) -> Result<Vec<Delivery>> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n && tokio::time::Instant::now() < deadline {
        out.extend(sub.next_batch(n - out.len()).await?);
    }
    Ok(out)
}

/// Reads for `wait` and expects nothing.
async fn nothing_within(sub: &mut dyn Subscription, wait: Duration) -> Result<()> {
    let got = receive(sub, 1, wait).await?;
    ensure!(got.is_empty(), "unexpected delivery: {got:?}");
    Ok(())
}

async fn every_group_receives_every_message_in_order(bus: Arc<dyn EventBus>) -> Result<()> {
    let events: Vec<_> = (0..3).map(|n| event("Probado.v1", "a-1", n)).collect();
    bus.publish_all(&events[..2]).await?;
    bus.publish(&events[2]).await?;
    for group in ["g.uno", "g.dos"] {
        let mut sub = bus.subscribe(group, "m1").await?;
        let got = receive(sub.as_mut(), 3, Duration::from_secs(5)).await?;
        let received: Vec<_> = got.iter().map(|d| d.event.clone()).collect();
        ensure!(received == events, "{group} received {received:?}");
        ensure!(got.iter().all(|d| !d.redelivered));
        for delivery in &got {
            sub.ack(&delivery.id).await?;
        }
        // Acknowledged messages never come back, even after the claim timeout.
        nothing_within(sub.as_mut(), CLAIM_IDLE * 2).await?;
    }
    Ok(())
}

async fn members_of_a_group_share_the_messages(bus: Arc<dyn EventBus>) -> Result<()> {
    let mut a = bus.subscribe("g", "a").await?;
    let mut b = bus.subscribe("g", "b").await?;
    let events: Vec<_> = (0..4).map(|n| event("Probado.v1", "a-1", n)).collect();
    bus.publish_all(&events).await?;
    let first = receive(a.as_mut(), 4, Duration::from_secs(5)).await?;
    ensure!(first.len() == 4, "a got {}", first.len());
    // Within the claim timeout the other member gets none of them.
    nothing_within(b.as_mut(), BLOCK).await?;
    for delivery in &first {
        a.ack(&delivery.id).await?;
    }
    Ok(())
}

async fn unacked_message_is_redelivered_after_its_member_dies(
    bus: Arc<dyn EventBus>,
) -> Result<()> {
    let sent = event("Probado.v1", "a-1", 1);
    bus.publish(&sent).await?;
    {
        let mut dying = bus.subscribe("g", "dying").await?;
        let got = receive(dying.as_mut(), 1, Duration::from_secs(5)).await?;
        ensure!(got.len() == 1);
        // Dropped without an ack: the member "crashed" mid-transaction.
    }
    let mut next = bus.subscribe("g", "next").await?;
    let got = receive(next.as_mut(), 1, CLAIM_IDLE * 10).await?;
    ensure!(got.len() == 1, "not redelivered");
    ensure!(got[0].event == sent && got[0].redelivered);
    next.ack(&got[0].id).await?;
    nothing_within(next.as_mut(), CLAIM_IDLE * 2).await
}

async fn a_stuck_members_message_is_reclaimed_by_another(bus: Arc<dyn EventBus>) -> Result<()> {
    let sent = event("Probado.v1", "a-1", 1);
    let mut stuck = bus.subscribe("g", "stuck").await?;
    let mut other = bus.subscribe("g", "other").await?;
    bus.publish(&sent).await?;
    let got = receive(stuck.as_mut(), 1, Duration::from_secs(5)).await?;
    ensure!(got.len() == 1);
    // `stuck` stays alive but never acknowledges.
    let started = tokio::time::Instant::now();
    let reclaimed = receive(other.as_mut(), 1, CLAIM_IDLE * 10).await?;
    ensure!(reclaimed.len() == 1, "not reclaimed");
    ensure!(
        started.elapsed() >= CLAIM_IDLE / 2,
        "reclaimed before the claim timeout"
    );
    ensure!(reclaimed[0].event == sent && reclaimed[0].redelivered);
    other.ack(&reclaimed[0].id).await?;
    nothing_within(stuck.as_mut(), CLAIM_IDLE * 2).await?;
    nothing_within(other.as_mut(), BLOCK).await
}

async fn events_of_an_aggregate_arrive_in_publication_order(bus: Arc<dyn EventBus>) -> Result<()> {
    let mut sub = bus.subscribe("g", "m").await?;
    let aggregates = ["a-1", "a-2", "a-3"];
    let events: Vec<_> = (0..60u64)
        .map(|n| event("Probado.v1", aggregates[(n % 3) as usize], n))
        .collect();
    for chunk in events.chunks(7) {
        bus.publish_all(chunk).await?;
    }
    let got = receive(sub.as_mut(), events.len(), Duration::from_secs(10)).await?;
    let mut last: HashMap<String, u64> = HashMap::new();
    for delivery in &got {
        let n = delivery.event.datos["n"].as_u64().context("n")?;
        if let Some(previous) = last.insert(delivery.event.agregado_id.clone(), n) {
            ensure!(
                previous < n,
                "{} out of order: {previous} then {n}",
                delivery.event.agregado_id
            );
        }
        sub.ack(&delivery.id).await?;
    }
    ensure!(got.len() == events.len(), "got {}", got.len());
    Ok(())
}

async fn tails_get_every_message_published_after_they_start(bus: Arc<dyn EventBus>) -> Result<()> {
    use futures::StreamExt;
    bus.publish(&event("Antes.v1", "a-1", 0)).await?;
    let mut first = bus.tail().await?;
    let mut second = bus.tail().await?;
    let events: Vec<_> = (1..=5).map(|n| event("Probado.v1", "a-1", n)).collect();
    bus.publish_all(&events[..3]).await?;
    let mut got = [Vec::new(), Vec::new()];
    for (tail, got) in [&mut first, &mut second].into_iter().zip(&mut got) {
        while got.len() < 3 {
            let next = tokio::time::timeout(Duration::from_secs(5), tail.next())
                .await
                .context("tail timed out")?
                .context("tail ended")?;
            got.push(next);
        }
    }
    // Published while nobody reads: a tail keeps its place between reads.
    bus.publish_all(&events[3..]).await?;
    for (tail, mut got) in [&mut first, &mut second].into_iter().zip(got) {
        while got.len() < events.len() {
            let next = tokio::time::timeout(Duration::from_secs(5), tail.next())
                .await
                .context("tail timed out")?
                .context("tail ended")?;
            got.push(next);
        }
        ensure!(got == events, "tail received {got:?}");
    }
    // Tails are no consumer group: a group still gets everything, from the start.
    let mut sub = bus.subscribe("g", "m").await?;
    let delivered = receive(sub.as_mut(), 6, Duration::from_secs(5)).await?;
    ensure!(delivered.len() == 6, "group got {}", delivered.len());
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
    every_group_receives_every_message_in_order,
    members_of_a_group_share_the_messages,
    unacked_message_is_redelivered_after_its_member_dies,
    a_stuck_members_message_is_reclaimed_by_another,
    events_of_an_aggregate_arrive_in_publication_order,
    tails_get_every_message_published_after_they_start,
);

#[tokio::test]
async fn redis_stream_length_stays_near_max_len() {
    let mut options = common::redis_options();
    options.max_len = 100;
    let bus = common::redis(options).await.expect("Redis");
    let events: Vec<_> = (0..1_000).map(|n| event("Probado.v1", "a-1", n)).collect();
    for chunk in events.chunks(50) {
        bus.publish_all(chunk).await.expect("publish");
    }
    let len = bus.stream_len().await.expect("XLEN");
    bus.delete_stream().await.ok();
    // MAXLEN ~ trims whole radix-tree nodes (100 entries by default): about, not exactly.
    assert!((100..=200).contains(&len), "stream length {len}");
}

#[tokio::test]
async fn in_process_buffer_keeps_only_capacity_and_never_drops_unacked_messages() {
    let bus = InProcessBus::new(InProcessOptions {
        capacity: 10,
        ..common::in_process_options()
    });
    // Without groups the oldest messages make room, like MAXLEN.
    for n in 0..25 {
        bus.publish(&event("Probado.v1", "a-1", n))
            .await
            .expect("publish");
    }
    assert_eq!(bus.len(), 10);
    // A group that has not acknowledged holds its messages: publishing waits, then fails.
    let mut sub = bus.subscribe("g", "m").await.expect("subscribe");
    let err = bus.publish(&event("Probado.v1", "a-1", 99)).await;
    assert!(
        matches!(err, Err(eventbus::BusError::Full { capacity: 10 })),
        "{err:?}"
    );
    let got = receive(sub.as_mut(), 10, Duration::from_secs(2))
        .await
        .expect("receive");
    assert_eq!(got.len(), 10);
    assert_eq!(
        got[0].event.datos["n"], 15,
        "the group starts at the oldest retained"
    );
    // Acknowledging makes room again.
    sub.ack(&got[0].id).await.expect("ack");
    bus.publish(&event("Probado.v1", "a-1", 100))
        .await
        .expect("room after the ack");
    assert_eq!(bus.len(), 10);
}
