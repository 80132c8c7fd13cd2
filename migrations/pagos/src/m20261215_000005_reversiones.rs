use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Clawbacks of reversed commissions: one per commission and one per event (unique
/// columns, so a redelivered rejection never claws back twice), what was paid and what is
/// still to deduct from the partner's next payouts.
#[derive(DeriveIden)]
enum Reversiones {
    Table,
    Id,
    ComisionId,
    EventoId,
    AfiliadoId,
    PagoOrigenId,
    Moneda,
    MontoMinor,
    PendienteMinor,
    Motivo,
    FechaCreacion,
    FechaActualizacion,
    Version,
}

/// Conversions `conversiones` rejected, as their `ConversionRechazada` said: a
/// `ConversionValidada` delivered after it (another consumer, a redelivery) creates no
/// commission.
#[derive(DeriveIden)]
enum ConversionesRechazadas {
    Table,
    ConversionId,
    EventoId,
    Motivo,
    Fecha,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reversiones::Table)
                    .if_not_exists()
                    .col(pk_uuid(Reversiones::Id))
                    .col(uuid_uniq(Reversiones::ComisionId))
                    .col(uuid_uniq(Reversiones::EventoId))
                    .col(uuid(Reversiones::AfiliadoId))
                    .col(uuid(Reversiones::PagoOrigenId))
                    .col(string_len(Reversiones::Moneda, 3))
                    .col(big_integer(Reversiones::MontoMinor))
                    .col(big_integer(Reversiones::PendienteMinor))
                    .col(text(Reversiones::Motivo))
                    .col(timestamp_with_time_zone(Reversiones::FechaCreacion))
                    .col(timestamp_with_time_zone(Reversiones::FechaActualizacion))
                    .col(big_integer(Reversiones::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_reversiones_afiliado_moneda")
                    .table(Reversiones::Table)
                    .col(Reversiones::AfiliadoId)
                    .col(Reversiones::Moneda)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConversionesRechazadas::Table)
                    .if_not_exists()
                    .col(pk_uuid(ConversionesRechazadas::ConversionId))
                    .col(uuid(ConversionesRechazadas::EventoId))
                    .col(text(ConversionesRechazadas::Motivo))
                    .col(timestamp_with_time_zone(ConversionesRechazadas::Fecha))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Reversiones::Table.into_iden(),
            ConversionesRechazadas::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
