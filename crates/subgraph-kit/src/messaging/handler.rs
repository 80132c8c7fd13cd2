//! What a consuming context implements; the `eventbus` runtime calls it.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;

use crate::{error::DomainError, events::EventEnvelope};

/// Applies events of other contexts. The runtime opens a transaction, records the event in
/// the inbox (skipping it if already applied), calls [`EventHandler::handle`] in the same
/// transaction, commits, and only then acknowledges the message to the bus.
#[async_trait]
pub trait EventHandler: Send + Sync + 'static {
    /// Consumer name, unique per context and purpose (`campanias.gasto`): the inbox key and
    /// the bus's consumer group.
    fn consumer(&self) -> &'static str;

    /// Event types it applies (`ComisionAprobada.v1`); others are acknowledged unread.
    fn tipos(&self) -> &'static [&'static str];

    /// Applies one event inside `txn`. An error rolls the transaction back and the event
    /// is delivered again later.
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError>;
}
