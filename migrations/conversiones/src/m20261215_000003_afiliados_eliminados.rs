use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Partners `afiliados` deleted (`AfiliadoEliminado.v1`): the known-partner projection
/// keeps them with the time of their deletion, so their conversions, tracking events and
/// collector keys are refused from then on.
#[derive(DeriveIden)]
enum AfiliadosConocidos {
    Table,
    EliminadoEn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager
            .has_column("afiliados_conocidos", "eliminado_en")
            .await?
        {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AfiliadosConocidos::Table)
                    .add_column(timestamp_with_time_zone_null(
                        AfiliadosConocidos::EliminadoEn,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_table("afiliados_conocidos").await?
            || !manager
                .has_column("afiliados_conocidos", "eliminado_en")
                .await?
        {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AfiliadosConocidos::Table)
                    .drop_column(AfiliadosConocidos::EliminadoEn)
                    .to_owned(),
            )
            .await
    }
}
