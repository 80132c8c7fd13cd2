use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A campaign's objective (conversions of one partner that earn `bonusObjetivos`), in
/// the read projection; NULL for campaigns without one (and every campaign created
/// before it existed: their events carry none).
#[derive(DeriveIden)]
enum Campanias {
    Table,
    ObjetivoConversiones,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager
            .has_column("campanias", "objetivo_conversiones")
            .await?
        {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Campanias::Table)
                    .add_column(big_integer_null(Campanias::ObjetivoConversiones))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager
            .has_column("campanias", "objetivo_conversiones")
            .await?
        {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Campanias::Table)
                    .drop_column(Campanias::ObjetivoConversiones)
                    .to_owned(),
            )
            .await
    }
}
