use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Audit trail of commissions: every change (creation by hand, calculation,
/// recalculation, approval, refusal, reversal) with its actor, and the reviewer's
/// comments and approval metadata (JSON text).
#[derive(DeriveIden)]
enum AuditoriaComisiones {
    Table,
    Seq,
    ComisionId,
    Evento,
    Actor,
    Detalle,
    Comentarios,
    Metadatos,
    Fecha,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditoriaComisiones::Table)
                    .if_not_exists()
                    .col(
                        big_integer(AuditoriaComisiones::Seq)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(uuid(AuditoriaComisiones::ComisionId))
                    .col(string_len(AuditoriaComisiones::Evento, 64))
                    .col(string_len(AuditoriaComisiones::Actor, 128))
                    .col(text_null(AuditoriaComisiones::Detalle))
                    .col(text_null(AuditoriaComisiones::Comentarios))
                    .col(text_null(AuditoriaComisiones::Metadatos))
                    .col(timestamp_with_time_zone(AuditoriaComisiones::Fecha))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_auditoria_comisiones_comision")
                    .table(AuditoriaComisiones::Table)
                    .col(AuditoriaComisiones::ComisionId)
                    .col(AuditoriaComisiones::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuditoriaComisiones::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
