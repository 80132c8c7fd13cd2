//! The transactional outbox: events are rows written in the same transaction as the
//! state change they describe, so a committed change always has its events.

use std::sync::LazyLock;

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, sea_query::Query};
use tokio::sync::Notify;

use super::schema::EventOutbox;
use crate::events::EventEnvelope;

/// Rows per INSERT: 6 parameters each stays far below SQLite's and PostgreSQL's limits.
const ROWS_PER_INSERT: usize = 500;

/// Appends events to the outbox through `conn` (pass the command's transaction), in as
/// many statements as their number needs.
pub async fn append<C: ConnectionTrait>(conn: &C, events: &[EventEnvelope]) -> Result<(), DbErr> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(EventOutbox::Table).columns([
            EventOutbox::EventId,
            EventOutbox::Tipo,
            EventOutbox::AgregadoId,
            EventOutbox::OcurridoEn,
            EventOutbox::Datos,
            EventOutbox::RecordedAt,
        ]);
        let recorded_at = chrono::Utc::now();
        for event in chunk {
            insert.values_panic([
                event.id.to_string().into(),
                event.tipo.clone().into(),
                event.agregado_id.clone().into(),
                event.ocurrido_en.into(),
                event.datos.to_string().into(),
                recorded_at.into(),
            ]);
        }
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Appends `events` in `txn`, commits, and wakes this process's relays: the end of every
/// command that changes state.
pub async fn append_and_commit(
    txn: DatabaseTransaction,
    events: &[EventEnvelope],
) -> Result<(), DbErr> {
    append(&txn, events).await?;
    commit(txn).await
}

/// Signalled after every commit that wrote outbox rows, so relays in this process publish
/// at once instead of at their next poll.
static COMMITTED: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Commits a transaction that appended events, then wakes this process's relays.
pub async fn commit(txn: DatabaseTransaction) -> Result<(), DbErr> {
    txn.commit().await?;
    COMMITTED.notify_waiters();
    Ok(())
}

/// Completes at the next [`commit`] (create it before looking at the outbox, so a commit
/// during the look is not missed).
pub fn committed() -> tokio::sync::futures::Notified<'static> {
    COMMITTED.notified()
}
