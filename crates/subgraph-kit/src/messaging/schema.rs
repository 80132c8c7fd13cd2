//! The outbox and inbox tables, created by each context's own migrations.

use sea_orm_migration::{prelude::*, schema::*};

/// The outbox table.
#[derive(DeriveIden)]
pub(crate) enum EventOutbox {
    Table,
    /// Insertion order: the relay publishes in this order.
    Seq,
    EventId,
    Tipo,
    AgregadoId,
    OcurridoEn,
    Datos,
    PublishedAt,
    /// When the row was written (its transaction's time): the age of what waits and the
    /// relay's lag are measured from it. Null for rows written before the column existed.
    RecordedAt,
}

/// The inbox table.
#[derive(DeriveIden)]
pub(crate) enum EventInbox {
    Table,
    Consumer,
    EventId,
    AppliedAt,
}

/// Creates `event_outbox` and `event_inbox` (idempotent); call it from a migration.
pub async fn create_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(EventOutbox::Table)
                .if_not_exists()
                .col(big_integer(EventOutbox::Seq).auto_increment().primary_key())
                .col(string_len_uniq(EventOutbox::EventId, 36))
                .col(string_len(EventOutbox::Tipo, 100))
                .col(string_len(EventOutbox::AgregadoId, 100))
                .col(timestamp_with_time_zone(EventOutbox::OcurridoEn))
                .col(text(EventOutbox::Datos))
                .col(timestamp_with_time_zone_null(EventOutbox::PublishedAt))
                .col(timestamp_with_time_zone_null(EventOutbox::RecordedAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_event_outbox_pending")
                .table(EventOutbox::Table)
                .col(EventOutbox::PublishedAt)
                .col(EventOutbox::Seq)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(EventInbox::Table)
                .if_not_exists()
                .col(string_len(EventInbox::Consumer, 100))
                .col(string_len(EventInbox::EventId, 36))
                .col(timestamp_with_time_zone(EventInbox::AppliedAt))
                .primary_key(
                    Index::create()
                        .col(EventInbox::Consumer)
                        .col(EventInbox::EventId),
                )
                .to_owned(),
        )
        .await
}

/// Adds `event_outbox.recorded_at` to an outbox created before it existed (idempotent:
/// tables made by [`create_tables`] have it already); call it from a migration.
pub async fn add_recorded_at(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.has_column("event_outbox", "recorded_at").await? {
        return Ok(());
    }
    manager
        .alter_table(
            Table::alter()
                .table(EventOutbox::Table)
                .add_column(timestamp_with_time_zone_null(EventOutbox::RecordedAt))
                .to_owned(),
        )
        .await
}

/// Drops `event_outbox.recorded_at` if the table and the column exist; the `down` of the
/// migration calling [`add_recorded_at`].
pub async fn drop_recorded_at(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if !manager.has_table("event_outbox").await?
        || !manager.has_column("event_outbox", "recorded_at").await?
    {
        return Ok(());
    }
    // Plain SQL: SQLite (3.35+) and PostgreSQL both drop a column this way.
    manager
        .get_connection()
        .execute_unprepared("ALTER TABLE event_outbox DROP COLUMN recorded_at")
        .await
        .map(|_| ())
}

/// Drops `event_outbox` and `event_inbox`; call it from a migration's `down`.
pub async fn drop_tables(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for table in [
        EventOutbox::Table.into_iden(),
        EventInbox::Table.into_iden(),
    ] {
        manager
            .drop_table(Table::drop().table(table).if_exists().to_owned())
            .await?;
    }
    Ok(())
}
