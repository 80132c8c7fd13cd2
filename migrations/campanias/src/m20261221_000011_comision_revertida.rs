//! `campania_events.comision_revertida_id`: the commission a `GastoRevertido` event takes
//! back, unique, so a commission's expense is reverted at most once. A column of its own
//! because `comision_id` already holds, uniquely, the expense event of the same commission.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CampaniaEvents {
    Table,
    ComisionRevertidaId,
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
