//! `campania_events.comision_revertida_id`: the commission a `GastoRevertido` event takes
//! back, unique, so a commission's expense is reverted at most once. A column of its own
//! because `comision_id` already holds, uniquely, the expense event of the same commission.
//! And `comisiones_revertidas`: commissions reversed before any expense of theirs arrived
//! (a redelivered approval after its reversal), so that approval adds nothing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CampaniaEvents {
    Table,
    ComisionRevertidaId,
}

/// A reversal that found no expense: the commission, its campaign, and when.
#[derive(DeriveIden)]
enum ComisionesRevertidas {
    Table,
    ComisionId,
    CampaniaId,
    RevertidaEn,
}

const COLUMNA: &str = "comision_revertida_id";
const INDICE: &str = "uq_campania_events_comision_revertida";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("campania_events", COLUMNA).await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(CampaniaEvents::Table)
                        .add_column(string_len_null(CampaniaEvents::ComisionRevertidaId, 36))
                        .to_owned(),
                )
                .await?;
        }
        // NULLs never collide, so only reversal events take part.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name(INDICE)
                    .table(CampaniaEvents::Table)
                    .col(CampaniaEvents::ComisionRevertidaId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ComisionesRevertidas::Table)
                    .if_not_exists()
                    .col(string_len(ComisionesRevertidas::ComisionId, 36).primary_key())
                    .col(uuid(ComisionesRevertidas::CampaniaId))
                    .col(timestamp_with_time_zone(ComisionesRevertidas::RevertidaEn))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ComisionesRevertidas::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        if !manager.has_column("campania_events", COLUMNA).await? {
            return Ok(());
        }
        // SQLite refuses to drop an indexed column: the index goes first.
        manager
            .drop_index(
                Index::drop()
                    .if_exists()
                    .name(INDICE)
                    .table(CampaniaEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CampaniaEvents::Table)
                    .drop_column(CampaniaEvents::ComisionRevertidaId)
                    .to_owned(),
            )
            .await
    }
}
