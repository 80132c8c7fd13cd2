use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Money is stored in minor units (`*_minor`, with its currency) and percentages as
/// ten-thousandths (`*_e4`), both as integers: exact on SQLite, which has no decimal type.
#[derive(DeriveIden)]
enum Afiliados {
    Table,
    Id,
    Nombre,
    NombreBusqueda,
    Email,
    Telefono,
    DocumentoTipo,
    DocumentoNumero,
    Tipo,
    Estado,
    Banco,
    TipoCuenta,
    NumeroCuenta,
    ComisionBaseE4,
    ComisionPremiumE4,
    MinimoPagoMinor,
    MinimoPagoMoneda,
    FechaRegistro,
    FechaActualizacion,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Afiliados::Table)
                    .if_not_exists()
                    .col(pk_uuid(Afiliados::Id))
                    .col(string_len(Afiliados::Nombre, 200))
                    .col(text(Afiliados::NombreBusqueda))
                    .col(string_len_uniq(Afiliados::Email, 254))
                    .col(string_len(Afiliados::Telefono, 20))
                    .col(string_len(Afiliados::DocumentoTipo, 24))
                    .col(string_len(Afiliados::DocumentoNumero, 20))
                    .col(string_len(Afiliados::Tipo, 16))
                    .col(string_len(Afiliados::Estado, 16))
                    .col(string_len(Afiliados::Banco, 100))
                    .col(string_len(Afiliados::TipoCuenta, 16))
                    .col(string_len(Afiliados::NumeroCuenta, 34))
                    .col(big_integer(Afiliados::ComisionBaseE4))
                    .col(big_integer(Afiliados::ComisionPremiumE4))
                    .col(big_integer(Afiliados::MinimoPagoMinor))
                    .col(string_len(Afiliados::MinimoPagoMoneda, 3))
                    .col(timestamp_with_time_zone(Afiliados::FechaRegistro))
                    .col(timestamp_with_time_zone(Afiliados::FechaActualizacion))
                    .col(big_integer(Afiliados::Version))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_afiliados_nombre_busqueda", Afiliados::NombreBusqueda),
            ("idx_afiliados_estado", Afiliados::Estado),
            ("idx_afiliados_fecha_registro", Afiliados::FechaRegistro),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Afiliados::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Afiliados::Table).if_exists().to_owned())
            .await
    }
}
