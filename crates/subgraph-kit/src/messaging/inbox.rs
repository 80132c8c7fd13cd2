//! The inbox: which events a consumer has applied. Recording happens in the same
//! transaction as the effect, so an event is applied at most once per consumer.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, sea_query::Query};
use uuid::Uuid;

use super::schema::EventInbox;

/// Records `event_id` for `consumer` through `conn` (the effect's transaction). Returns
/// `false` when it was already recorded: the caller must then skip the effect. Decided
/// by the primary key, never by a read before the write.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(EventInbox::Table)
        .columns([
            EventInbox::Consumer,
            EventInbox::EventId,
            EventInbox::AppliedAt,
        ])
        .values_panic([
            consumer.into(),
            event_id.to_string().into(),
            Utc::now().into(),
        ])
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([EventInbox::Consumer, EventInbox::EventId])
                .do_nothing()
                .to_owned(),
        );
    let result = conn.execute(&insert).await?;
    Ok(result.rows_affected() == 1)
}
