//! Event infrastructure between contexts: the bus, the outbox relay and the consumer
//! runtime. Contexts only see the kernel's contracts (`subgraph_kit::messaging`): they append
//! envelopes to their outbox in the command's transaction and implement `EventHandler`.
//!
//! # Topology
//!
//! One stream for every context ([`DEFAULT_STREAM`], `alpes:events`): a consumer filters by
//! `tipo`, so a new event type or producer needs no new subscription, and the relative
//! order of events of different contexts is kept. Each [`subgraph_kit::messaging::EventHandler`]
//! is one consumer group (named by `consumer()`); every group sees every message, and
//! replicas of a context share their group's work. A new group starts at the oldest
//! retained message, so a consumer deployed after its producer still sees the retained
//! history (the inbox makes replays harmless).
//!
//! Two buses implement [`EventBus`] with the same semantics and tests: [`RedisBus`]
//! (Redis Streams, deployments) and [`InProcessBus`] (embedded mode).
//!
//! # Using it from a context
//!
//! - Publish: in the command's transaction, `subgraph_kit::messaging::outbox::append(&txn, &[envelope])`
//!   (with `EventEnvelope::wrap`), and return `true` from `Subgraph::publishes_events`; the
//!   migration calls `subgraph_kit::messaging::schema::create_tables`.
//! - Consume: implement `EventHandler` (`consumer()` names the group and the inbox key,
//!   `tipos()` filters) and return it from `Subgraph::event_handlers`.
//! - The launcher calls [`start`] per subgraph: one [`Relay`] over its database if it
//!   publishes, one [`Consumer`] per handler. Embedded mode shares one [`InProcessBus`];
//!   `subgraph <name>` uses a [`RedisBus`] when given `--redis-url`/`REDIS_URL`.
//!
//! # Delivery guarantees
//!
//! - **Committed ⇒ published, at least once.** An event exists only if its outbox row
//!   committed with the state change. The [`Relay`] publishes rows with
//!   `published_at IS NULL` in `seq` order and marks them afterwards. Crash before the
//!   publish: nothing was sent, the rows are published after restart. Crash after the
//!   publish and before the mark: the rows are published again (duplicates, never loss).
//! - **Delivered until acknowledged.** A message stays pending for its group until a
//!   member acknowledges it, which the [`Consumer`] does only after its transaction
//!   committed. Crash before the commit: the transaction rolls back, and the message is
//!   redelivered (to any member) once idle longer than the claim timeout, or at once when
//!   an in-process member is dropped. Crash after the commit and before the ack: it is
//!   redelivered, and the inbox turns it into a no-op.
//! - **Effects exactly once per consumer.** The inbox row `(consumer, event_id)` is
//!   inserted in the effect's transaction and decided by its primary key, so at-least-once
//!   delivery yields effectively-once effects, whatever the duplicates or their order.
//! - **Order.** A stream keeps publication order, and one relay per database publishes in
//!   `seq` order (replicas on PostgreSQL take an advisory lock), so the events of an
//!   aggregate arrive in the order they committed on first delivery. Redeliveries come
//!   later, out of that order, and members of one group run in parallel: handlers must
//!   not assume order beyond that (check the aggregate's state, as the inbox does for
//!   duplicates).
//! - **Bounds.** Redis trims the stream to about `max_len` entries (`MAXLEN ~`): a group
//!   lagging further behind loses the trimmed messages (logged on reclaim), so size it
//!   above the largest backlog. The in-process buffer never drops a message a group has
//!   not acknowledged: `publish` waits, then fails, and the rows stay in the outbox.
//! - **Poison messages.** A message that cannot be decoded is logged and acknowledged.
//!   A handler that keeps failing is retried in place with backoff, then on every claim
//!   timeout, and holds no other message back.
//!
//! # Statistics
//!
//! [`EventBus::stats`] reports the stream (length, messages published and trimmed) and
//! the consumer groups (members, pending, lag, age of the oldest unacknowledged message);
//! with the outbox and inbox figures of `subgraph_kit::messaging::stats` (computed in SQL)
//! they make each subgraph's `events` in its `/health` and `/metrics` ([`events_probe`]).

mod bus;
mod consumer;
mod error;
mod memory;
mod redis_bus;
mod relay;
mod runtime;

pub use bus::{DEFAULT_STREAM, Delivery, EventBus, Subscription};
pub use consumer::{Consumer, ConsumerOptions, Outcome};
pub use error::{BusError, ConsumeError, RelayError};
pub use memory::{InProcessBus, InProcessOptions};
pub use redis_bus::{RedisBus, RedisOptions};
pub use relay::{FailAfterPublish, Relay, RelayOptions};
pub use runtime::{EventTasks, events_probe, feed_live, start};
pub use subgraph_kit::messaging::stats::{BusStats, GroupStats};
