use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Commissions created by hand keep their own calculation (type, rate or fixed amount,
/// discounts, VAT) as JSON text; NULL for commissions of validated conversions.
#[derive(DeriveIden)]
enum Comisiones {
    Table,
    CalculoManual,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.has_column("comisiones", "calculo_manual").await? {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Comisiones::Table)
                    .add_column(text_null(Comisiones::CalculoManual))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("comisiones", "calculo_manual").await? {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Comisiones::Table)
                    .drop_column(Comisiones::CalculoManual)
                    .to_owned(),
            )
            .await
    }
}
