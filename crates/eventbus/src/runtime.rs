//! Starting a subgraph's relay and consumers, as the launcher does.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use subgraph_kit::{
    messaging::stats::{BusProbe, BusStats, EventsProbe},
    subgraph::Subgraph,
};
use tokio::{
    sync::{Notify, watch},
    task::JoinHandle,
};

use crate::{Consumer, EventBus, Relay};

/// The event tasks of one subgraph.
pub struct EventTasks {
    /// Wakes its relay (`notify_one()`), if it publishes events.
    pub relay_waker: Option<Arc<Notify>>,
    /// Its relay and consumer tasks; they end when the shutdown signal turns true.
    pub tasks: Vec<JoinHandle<()>>,
}

/// Starts the relay of `subgraph` (if it publishes events) and one consumer per handler,
/// all over `db` and `bus`, until `shutdown` turns true.
pub fn start(
    subgraph: &dyn Subgraph,
    db: &DatabaseConnection,
    bus: &Arc<dyn EventBus>,
    shutdown: &watch::Receiver<bool>,
) -> EventTasks {
    let mut tasks = Vec::new();
    let mut relay_waker = None;
    if subgraph.publishes_events() {
        let relay = Relay::new(subgraph.name(), db.clone(), bus.clone());
        relay_waker = Some(relay.waker());
        tasks.push(tokio::spawn(relay.run(shutdown.clone())));
    }
    for handler in subgraph.event_handlers() {
        tracing::info!(
            subgraph = subgraph.name(),
            consumer = handler.consumer(),
            "event consumer started"
        );
        let consumer = Consumer::new(db.clone(), bus.clone(), handler);
        tasks.push(tokio::spawn(consumer.run(shutdown.clone())));
    }
    EventTasks { relay_waker, tasks }
}

/// The statistics of `subgraph`'s event flow for its `/health` and `/metrics`
/// (`subgraph_kit::server::with_events`): the bus it runs on, if any, and its consumer
/// groups.
pub fn events_probe(subgraph: &dyn Subgraph, bus: Option<&Arc<dyn EventBus>>) -> EventsProbe {
    let groups = subgraph
        .event_handlers()
        .iter()
        .map(|handler| handler.consumer().to_owned())
        .collect();
    EventsProbe::new(
        bus.map(|bus| Arc::new(Probe(bus.clone())) as Arc<dyn BusProbe>),
        groups,
    )
}

/// A bus seen by the statistics.
struct Probe(Arc<dyn EventBus>);

impl BusProbe for Probe {
    fn stats<'a>(
        &'a self,
        groups: &'a [String],
    ) -> futures::future::BoxFuture<'a, Result<BusStats, String>> {
        Box::pin(async move { self.0.stats(Some(groups)).await.map_err(|e| e.to_string()) })
    }
}

/// Feeds every event published on `bus` from now on to this process's subscriptions
/// (`live`), until `shutdown` turns true.
pub fn feed_live(
    bus: Arc<dyn EventBus>,
    live: subgraph_kit::live::LiveEvents,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    use futures::StreamExt;
    tokio::spawn(async move {
        loop {
            let tail = tokio::select! {
                tail = bus.tail() => tail,
                _ = shutdown.wait_for(|s| *s) => return,
            };
            let mut events = match tail {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, "live events: cannot read the bus, retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            loop {
                tokio::select! {
                    event = events.next() => match event {
                        Some(event) => live.publish(event),
                        None => break,
                    },
                    _ = shutdown.wait_for(|s| *s) => return,
                }
            }
        }
    })
}
