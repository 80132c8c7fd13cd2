use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Conversions. Money in minor units with its currency (exact on SQLite); the partner's
/// `referencia_externa` is unique per partner, which is what makes registration idempotent.
#[derive(DeriveIden)]
enum Conversiones {
    Table,
    Id,
    AfiliadoId,
    CampaniaId,
    Tipo,
    ValorMinor,
    Moneda,
    Canal,
    DatosCliente,
    Productos,
    Metadatos,
    Estado,
    MotivoRechazo,
    Fecha,
    ReferenciaExterna,
    Solicitud,
    FechaRegistro,
    FechaActualizacion,
    Version,
}

/// Tracking events of the collector (clicks, impressions, conversion pings).
#[derive(DeriveIden)]
enum EventosTracking {
    Table,
    Id,
    Tipo,
    AfiliadoId,
    CampaniaId,
    Fuente,
    Canal,
    ValorMinor,
    Moneda,
    Metadatos,
    OcurridoEn,
    RecibidoEn,
}

/// Local projections of other contexts' ids, fed by their events.
#[derive(DeriveIden)]
enum AfiliadosConocidos {
    Table,
    Id,
    ConocidoEn,
}

#[derive(DeriveIden)]
enum CampaniasConocidas {
    Table,
    Id,
    ConocidaEn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conversiones::Table)
                    .if_not_exists()
                    .col(pk_uuid(Conversiones::Id))
                    .col(uuid(Conversiones::AfiliadoId))
                    .col(uuid(Conversiones::CampaniaId))
                    .col(string_len(Conversiones::Tipo, 16))
                    .col(big_integer(Conversiones::ValorMinor))
                    .col(string_len(Conversiones::Moneda, 3))
                    .col(string_len(Conversiones::Canal, 24))
                    .col(text(Conversiones::DatosCliente))
                    .col(text(Conversiones::Productos))
                    .col(text(Conversiones::Metadatos))
                    .col(string_len(Conversiones::Estado, 16))
                    .col(text_null(Conversiones::MotivoRechazo))
                    .col(timestamp_with_time_zone(Conversiones::Fecha))
                    .col(string_len_null(Conversiones::ReferenciaExterna, 100))
                    .col(text(Conversiones::Solicitud))
                    .col(timestamp_with_time_zone(Conversiones::FechaRegistro))
                    .col(timestamp_with_time_zone(Conversiones::FechaActualizacion))
                    .col(big_integer(Conversiones::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("uq_conversiones_afiliado_referencia")
                    .table(Conversiones::Table)
                    .col(Conversiones::AfiliadoId)
                    .col(Conversiones::ReferenciaExterna)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, first) in [
            ("idx_conversiones_afiliado_fecha", Conversiones::AfiliadoId),
            ("idx_conversiones_campania_fecha", Conversiones::CampaniaId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Conversiones::Table)
                        .col(first)
                        .col(Conversiones::Fecha)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_conversiones_fecha")
                    .table(Conversiones::Table)
                    .col(Conversiones::Fecha)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventosTracking::Table)
                    .if_not_exists()
                    .col(pk_uuid(EventosTracking::Id))
                    .col(string_len(EventosTracking::Tipo, 16))
                    .col(uuid(EventosTracking::AfiliadoId))
                    .col(uuid(EventosTracking::CampaniaId))
                    .col(string_len(EventosTracking::Fuente, 16))
                    .col(string_len(EventosTracking::Canal, 24))
                    .col(big_integer_null(EventosTracking::ValorMinor))
                    .col(string_len_null(EventosTracking::Moneda, 3))
                    .col(text(EventosTracking::Metadatos))
                    .col(timestamp_with_time_zone(EventosTracking::OcurridoEn))
                    .col(timestamp_with_time_zone(EventosTracking::RecibidoEn))
                    .to_owned(),
            )
            .await?;
        for (name, first) in [
            ("idx_eventos_afiliado_ocurrido", EventosTracking::AfiliadoId),
            ("idx_eventos_campania_ocurrido", EventosTracking::CampaniaId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(EventosTracking::Table)
                        .col(first)
                        .col(EventosTracking::OcurridoEn)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_eventos_ocurrido")
                    .table(EventosTracking::Table)
                    .col(EventosTracking::OcurridoEn)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AfiliadosConocidos::Table)
                    .if_not_exists()
                    .col(pk_uuid(AfiliadosConocidos::Id))
                    .col(timestamp_with_time_zone(AfiliadosConocidos::ConocidoEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaniasConocidas::Table)
                    .if_not_exists()
                    .col(pk_uuid(CampaniasConocidas::Id))
                    .col(timestamp_with_time_zone(CampaniasConocidas::ConocidaEn))
                    .to_owned(),
            )
            .await?;
        subgraph_kit::messaging::schema::create_tables(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Conversiones::Table.into_iden(),
            EventosTracking::Table.into_iden(),
            AfiliadosConocidos::Table.into_iden(),
            CampaniasConocidas::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        // `up` created the outbox and inbox too: a full rollback leaves nothing behind.
        subgraph_kit::messaging::schema::drop_tables(manager).await
    }
}
