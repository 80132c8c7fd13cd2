//! The bus contract both implementations fulfil.

use async_trait::async_trait;
use futures::stream::BoxStream;
use subgraph_kit::{events::EventEnvelope, messaging::stats::BusStats};

use crate::error::BusError;

/// The stream every context publishes to; consumers filter by `tipo`.
pub const DEFAULT_STREAM: &str = "alpes:events";

/// A message handed to a consumer; acknowledge it with [`Subscription::ack`].
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Bus-specific message id (a Redis stream id, or a sequence number in process).
    pub id: String,
    /// The event.
    pub event: EventEnvelope,
    /// Whether it was handed out before (reclaimed from a dead or slow consumer).
    pub redelivered: bool,
}

/// A publish/subscribe bus with consumer groups and at-least-once delivery.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Appends one event to the stream.
    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError>;

    /// Appends events in order; stops at the first failure (earlier ones may be published).
    async fn publish_all(&self, events: &[EventEnvelope]) -> Result<(), BusError> {
        for event in events {
            self.publish(event).await?;
        }
        Ok(())
    }

    /// Joins `group` (created on first use, starting at the oldest retained message) as
    /// member `consumer`. Every group receives every message; within a group each message
    /// goes to one member at a time.
    async fn subscribe(
        &self,
        group: &str,
        consumer: &str,
    ) -> Result<Box<dyn Subscription>, BusError>;

    /// Every message published from now on, to every caller (no group, nothing to
    /// acknowledge): for live views, which need what happens next, never a backlog.
    /// Survives connection failures (retried); a tail that falls far behind skips ahead.
    async fn tail(&self) -> Result<BoxStream<'static, EventEnvelope>, BusError>;

    /// The stream (length, messages published and trimmed) and the consumer groups named
    /// in `groups` (none: every group): members, pending, lag and the age of the oldest
    /// message each has not acknowledged. A named group that does not exist yet is listed
    /// with no member.
    async fn stats(&self, groups: Option<&[String]>) -> Result<BusStats, BusError>;
}

/// One member of a consumer group.
#[async_trait]
pub trait Subscription: Send {
    /// Up to `max` messages: first those left unacknowledged longer than the claim timeout
    /// (by any member, dead or alive), then new ones. Waits up to the bus's block time;
    /// an empty batch means nothing arrived meanwhile.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, BusError>;

    /// Acknowledges a message: it is not delivered to this group again.
    async fn ack(&mut self, id: &str) -> Result<(), BusError>;
}
