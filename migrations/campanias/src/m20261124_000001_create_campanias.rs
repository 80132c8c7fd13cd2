use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The append-only event store: one row per event, `(campania_id, version)` unique so a
/// concurrent writer with a stale version fails instead of overwriting.
#[derive(DeriveIden)]
enum CampaniaEvents {
    Table,
    Seq,
    EventId,
    CampaniaId,
    Version,
    Tipo,
    Datos,
    /// Commission an expense event applies; unique, so a commission is applied at most once.
    ComisionId,
    OcurridoEn,
}

/// Latest snapshot of each campaign (its state as JSON at `version`).
#[derive(DeriveIden)]
enum CampaniaSnapshots {
    Table,
    CampaniaId,
    Version,
    Estado,
    TomadoEn,
}

/// The read projection. Money in minor units with its currency, percentages in
/// ten-thousandths: exact on SQLite, which has no decimal type.
#[derive(DeriveIden)]
enum Campanias {
    Table,
    Id,
    ClienteId,
    Nombre,
    NombreBusqueda,
    Descripcion,
    DescripcionBusqueda,
    Tipo,
    Estado,
    Canales,
    Segmentacion,
    PorConversionE4,
    PorVentaE4,
    BonusObjetivosE4,
    FechaInicio,
    FechaFin,
    Moneda,
    PresupuestoMinor,
    GastoMinor,
    FechaCreacion,
    FechaActualizacion,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CampaniaEvents::Table)
                    .if_not_exists()
                    .col(
                        big_integer(CampaniaEvents::Seq)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len_uniq(CampaniaEvents::EventId, 36))
                    .col(uuid(CampaniaEvents::CampaniaId))
                    .col(big_integer(CampaniaEvents::Version))
                    .col(string_len(CampaniaEvents::Tipo, 100))
                    .col(text(CampaniaEvents::Datos))
                    .col(string_len_null(CampaniaEvents::ComisionId, 36))
                    .col(timestamp_with_time_zone(CampaniaEvents::OcurridoEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("uq_campania_events_version")
                    .table(CampaniaEvents::Table)
                    .col(CampaniaEvents::CampaniaId)
                    .col(CampaniaEvents::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // NULLs never collide, so only expense events take part.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("uq_campania_events_comision")
                    .table(CampaniaEvents::Table)
                    .col(CampaniaEvents::ComisionId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaniaSnapshots::Table)
                    .if_not_exists()
                    .col(pk_uuid(CampaniaSnapshots::CampaniaId))
                    .col(big_integer(CampaniaSnapshots::Version))
                    .col(text(CampaniaSnapshots::Estado))
                    .col(timestamp_with_time_zone(CampaniaSnapshots::TomadoEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Campanias::Table)
                    .if_not_exists()
                    .col(pk_uuid(Campanias::Id))
                    .col(uuid(Campanias::ClienteId))
                    .col(string_len(Campanias::Nombre, 200))
                    .col(text(Campanias::NombreBusqueda))
                    .col(text(Campanias::Descripcion))
                    .col(text(Campanias::DescripcionBusqueda))
                    .col(string_len(Campanias::Tipo, 24))
                    .col(string_len(Campanias::Estado, 16))
                    .col(text(Campanias::Canales))
                    .col(text(Campanias::Segmentacion))
                    .col(big_integer(Campanias::PorConversionE4))
                    .col(big_integer(Campanias::PorVentaE4))
                    .col(big_integer(Campanias::BonusObjetivosE4))
                    .col(timestamp_with_time_zone(Campanias::FechaInicio))
                    .col(timestamp_with_time_zone(Campanias::FechaFin))
                    .col(string_len(Campanias::Moneda, 3))
                    .col(big_integer(Campanias::PresupuestoMinor))
                    .col(big_integer(Campanias::GastoMinor))
                    .col(timestamp_with_time_zone(Campanias::FechaCreacion))
                    .col(timestamp_with_time_zone(Campanias::FechaActualizacion))
                    .col(big_integer(Campanias::Version))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_campanias_cliente_id", Campanias::ClienteId),
            ("idx_campanias_estado", Campanias::Estado),
            ("idx_campanias_nombre_busqueda", Campanias::NombreBusqueda),
            ("idx_campanias_fecha_creacion", Campanias::FechaCreacion),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Campanias::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        subgraph_kit::messaging::schema::create_tables(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Campanias::Table.into_iden(),
            CampaniaSnapshots::Table.into_iden(),
            CampaniaEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        // `up` created the outbox and inbox too: a full rollback leaves nothing behind.
        subgraph_kit::messaging::schema::drop_tables(manager).await
    }
}
