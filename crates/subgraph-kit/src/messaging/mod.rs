//! Contracts between a context and the event bus, plain enough for every context to use
//! without knowing which bus runs: the transactional outbox a context writes its events
//! to, the inbox that makes a consumer idempotent, and the handler a consumer implements.
//! The relay, the buses and the consumer runtime live in the `eventbus` crate.

pub mod handler;
pub mod inbox;
pub mod outbox;
pub mod schema;
pub mod stats;

pub use handler::EventHandler;
