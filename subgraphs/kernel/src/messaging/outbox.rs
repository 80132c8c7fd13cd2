//! The transactional outbox: events are rows written in the same transaction as the
//! state change they describe, so a committed change always has its events.

use sea_orm::{ConnectionTrait, DbErr, sea_query::Query};

use super::schema::EventOutbox;
use crate::events::EventEnvelope;

/// Appends events to the outbox through `conn` (pass the command's transaction).
pub async fn append<C: ConnectionTrait>(conn: &C, events: &[EventEnvelope]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert.into_table(EventOutbox::Table).columns([
        EventOutbox::EventId,
        EventOutbox::Tipo,
        EventOutbox::AgregadoId,
        EventOutbox::OcurridoEn,
        EventOutbox::Datos,
    ]);
    for event in events {
        insert.values_panic([
            event.id.to_string().into(),
            event.tipo.clone().into(),
            event.agregado_id.clone().into(),
            event.ocurrido_en.into(),
            event.datos.to_string().into(),
        ]);
    }
    conn.execute(&insert).await?;
    Ok(())
}
