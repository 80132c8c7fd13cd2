use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The campaign objective and its bonus, as `CampaniaCreada` announces them (NULL for
/// campaigns recorded before: no bonus), and the bonus a commission got (NULL: none).
#[derive(DeriveIden)]
enum CampaniasProyeccion {
    Table,
    BonusObjetivos,
    ObjetivoConversiones,
}

#[derive(DeriveIden)]
enum Comisiones {
    Table,
    BonusObjetivos,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        if !manager
            .has_column("campanias_proyeccion", "bonus_objetivos")
            .await?
        {
            manager
                .alter_table(
                    Table::alter()
                        .table(CampaniasProyeccion::Table)
                        .add_column(string_len_null(CampaniasProyeccion::BonusObjetivos, 16))
                        .to_owned(),
                )
                .await?;
        }
        if !manager
            .has_column("campanias_proyeccion", "objetivo_conversiones")
            .await?
        {
            manager
                .alter_table(
                    Table::alter()
                        .table(CampaniasProyeccion::Table)
                        .add_column(big_integer_null(CampaniasProyeccion::ObjetivoConversiones))
                        .to_owned(),
                )
                .await?;
        }
        if !manager.has_column("comisiones", "bonus_objetivos").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comisiones::Table)
                        .add_column(string_len_null(Comisiones::BonusObjetivos, 16))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (tabla, columna) in [
            ("campanias_proyeccion", "bonus_objetivos"),
            ("campanias_proyeccion", "objetivo_conversiones"),
            ("comisiones", "bonus_objetivos"),
        ] {
            if manager.has_column(tabla, columna).await? {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(tabla))
                            .drop_column(Alias::new(columna))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
