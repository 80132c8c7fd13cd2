//! Errors of the bus, the relay and the consumer runtime.

use sea_orm::DbErr;
use subgraph_kit::DomainError;

/// Why a bus operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Redis refused the command or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// The envelope could not be encoded.
    #[error("encoding event {id}: {source}")]
    Encode {
        /// The event id.
        id: uuid::Uuid,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The in-process buffer stayed full for the whole publish timeout (consumers lag).
    #[error("the in-process bus is full ({capacity} unacknowledged messages)")]
    Full {
        /// The buffer capacity.
        capacity: usize,
    },
    /// A message id the bus never handed out.
    #[error("unknown message id '{0}'")]
    UnknownId(String),
}

/// Why a relay pass failed; unpublished rows stay in the outbox and are retried.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Reading or marking the outbox failed.
    #[error("outbox: {0}")]
    Db(#[from] DbErr),
    /// Publishing failed.
    #[error("publishing: {0}")]
    Bus(#[from] BusError),
    /// An outbox row could not be read back as an envelope.
    #[error("outbox row {seq}: {reason}")]
    BadRow {
        /// The row's `seq`.
        seq: i64,
        /// What was wrong.
        reason: String,
    },
    /// The test failure point fired after publishing, before marking.
    #[error("injected failure after publish")]
    InjectedFailure,
}

/// Why a consumer could not apply an event; the message is not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// The transaction or the inbox failed.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// The handler refused the event.
    #[error("handler: {0}")]
    Handler(#[from] DomainError),
    /// The bus failed.
    #[error("bus: {0}")]
    Bus(#[from] BusError),
}
