//! Optimistic concurrency: a row is updated only while it still has the version its
//! command loaded, and its events are appended in the same transaction.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::internal;
use crate::{
    error::{DomainError, DomainResult},
    events::EventEnvelope,
    messaging::outbox,
};

/// Which row a versioned save targets: its id, the version its command read, and the
/// `CONFLICT` message when another command changed it in between.
pub struct VersionedRow<'a, E: EntityTrait> {
    /// The id column and value.
    pub id: (E::Column, Uuid),
    /// The version column and the version the command read.
    pub version: (E::Column, i64),
    /// The message of the conflict.
    pub conflicto: &'a str,
}

/// Saves `row` where it still has the version read, appends `events` and commits, all in
/// one transaction; `CONFLICT` (nothing written) when the version moved on.
pub async fn save_versioned<E, A>(
    db: &DatabaseConnection,
    row: A,
    target: VersionedRow<'_, E>,
    events: &[EventEnvelope],
) -> DomainResult<()>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let txn = db.begin().await.map_err(internal)?;
    let result = E::update_many()
        .set(row)
        .filter(target.id.0.eq(target.id.1))
        .filter(target.version.0.eq(target.version.1))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if result.rows_affected == 0 {
        // Dropping the transaction rolls it back: nothing of this command is kept.
        return Err(DomainError::Conflict(target.conflicto.to_owned()));
    }
    outbox::append_and_commit(txn, events)
        .await
        .map_err(internal)
}
