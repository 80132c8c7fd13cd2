use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Clientes {
    Table,
    Id,
    Nombre,
    NombreBusqueda,
    Email,
    Cedula,
    FechaNacimiento,
    FechaRegistro,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clientes::Table)
                    .if_not_exists()
                    .col(pk_uuid(Clientes::Id))
                    .col(string_len(Clientes::Nombre, 200))
                    .col(text(Clientes::NombreBusqueda))
                    .col(string_len_uniq(Clientes::Email, 254))
                    .col(string_len(Clientes::Cedula, 20))
                    .col(date(Clientes::FechaNacimiento))
                    .col(timestamp_with_time_zone(Clientes::FechaRegistro))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_clientes_nombre_busqueda", Clientes::NombreBusqueda),
            ("idx_clientes_fecha_registro", Clientes::FechaRegistro),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Clientes::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Clientes::Table).if_exists().to_owned())
            .await
    }
}
