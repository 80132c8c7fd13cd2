use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Commissions: one per validated conversion, enforced by the unique `conversion_id`.
/// `pago_id` is the payout holding it (reserved or paid); a conditional UPDATE on
/// `pago_id IS NULL` is what lets one payout, and only one, take a commission.
#[derive(DeriveIden)]
enum Comisiones {
    Table,
    Id,
    ConversionId,
    AfiliadoId,
    CampaniaId,
    ClienteId,
    TipoConversion,
    MontoBaseMinor,
    Moneda,
    Porcentaje,
    MontoMinor,
    Estado,
    MotivoRechazo,
    PagoId,
    FechaConversion,
    FechaCreacion,
    FechaActualizacion,
    Version,
}

/// Payouts. `idempotency_key` and `(afiliado_id, ciclo)` are unique: duplicates, however
/// concurrent, find the first payout instead of creating a second.
#[derive(DeriveIden)]
enum Pagos {
    Table,
    Id,
    IdempotencyKey,
    AfiliadoId,
    Ciclo,
    MontoMinor,
    Moneda,
    MetodoTipo,
    MetodoMascara,
    Estado,
    Confirmacion,
    MotivoFallo,
    Solicitud,
    Intentos,
    ProximoIntento,
    LeaseToken,
    LeaseHasta,
    FechaCreacion,
    FechaActualizacion,
    FechaCompletado,
}

/// Money movements of a payout: one `COMISION` row per commission it includes, then the
/// provider's `CARGO` or the `LIBERACION` of its commissions.
#[derive(DeriveIden)]
enum Transacciones {
    Table,
    Id,
    PagoId,
    ComisionId,
    Tipo,
    MontoMinor,
    Moneda,
    Descripcion,
    Referencia,
    Fecha,
}

/// Audit trail of payouts: every state change with its actor.
#[derive(DeriveIden)]
enum Auditoria {
    Table,
    Seq,
    PagoId,
    Evento,
    Actor,
    Detalle,
    Fecha,
}

/// Partners as the `afiliados` context announces them (tier, state, rates, minimum).
#[derive(DeriveIden)]
enum AfiliadosProyeccion {
    Table,
    Id,
    Tipo,
    Estado,
    ComisionBase,
    ComisionPremium,
    MinimoMinor,
    MinimoMoneda,
    Version,
    ActualizadoEn,
}

/// Campaigns as the `campanias` context announces them (advertiser and rates).
#[derive(DeriveIden)]
enum CampaniasProyeccion {
    Table,
    Id,
    ClienteId,
    PorConversion,
    PorVenta,
    ActualizadoEn,
}

/// Runtime settings shared by every replica (the active report version).
#[derive(DeriveIden)]
enum Ajustes {
    Table,
    Clave,
    Valor,
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.if_not_exists().name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Comisiones::Table)
                    .if_not_exists()
                    .col(pk_uuid(Comisiones::Id))
                    .col(uuid_uniq(Comisiones::ConversionId))
                    .col(uuid(Comisiones::AfiliadoId))
                    .col(uuid(Comisiones::CampaniaId))
                    .col(uuid_null(Comisiones::ClienteId))
                    .col(string_len(Comisiones::TipoConversion, 16))
                    .col(big_integer(Comisiones::MontoBaseMinor))
                    .col(string_len(Comisiones::Moneda, 3))
                    .col(string_len_null(Comisiones::Porcentaje, 16))
                    .col(big_integer_null(Comisiones::MontoMinor))
                    .col(string_len(Comisiones::Estado, 16))
                    .col(text_null(Comisiones::MotivoRechazo))
                    .col(uuid_null(Comisiones::PagoId))
                    .col(timestamp_with_time_zone(Comisiones::FechaConversion))
                    .col(timestamp_with_time_zone(Comisiones::FechaCreacion))
                    .col(timestamp_with_time_zone(Comisiones::FechaActualizacion))
                    .col(big_integer(Comisiones::Version))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_comisiones_afiliado_estado",
                vec![
                    Comisiones::AfiliadoId.into_iden(),
                    Comisiones::Estado.into_iden(),
                ],
            ),
            (
                "idx_comisiones_campania_fecha",
                vec![
                    Comisiones::CampaniaId.into_iden(),
                    Comisiones::FechaCreacion.into_iden(),
                ],
            ),
            ("idx_comisiones_pago", vec![Comisiones::PagoId.into_iden()]),
            (
                "idx_comisiones_fecha",
                vec![Comisiones::FechaCreacion.into_iden()],
            ),
        ] {
            index(manager, name, Comisiones::Table, cols, false).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Pagos::Table)
                    .if_not_exists()
                    .col(pk_uuid(Pagos::Id))
                    .col(string_len_uniq(Pagos::IdempotencyKey, 128))
                    .col(uuid(Pagos::AfiliadoId))
                    .col(string_len(Pagos::Ciclo, 64))
                    .col(big_integer(Pagos::MontoMinor))
                    .col(string_len(Pagos::Moneda, 3))
                    .col(string_len(Pagos::MetodoTipo, 32))
                    .col(string_len(Pagos::MetodoMascara, 32))
                    .col(string_len(Pagos::Estado, 16))
                    .col(string_len_null(Pagos::Confirmacion, 128))
                    .col(text_null(Pagos::MotivoFallo))
                    .col(text(Pagos::Solicitud))
                    .col(integer(Pagos::Intentos))
                    .col(timestamp_with_time_zone(Pagos::ProximoIntento))
                    .col(uuid_null(Pagos::LeaseToken))
                    .col(timestamp_with_time_zone_null(Pagos::LeaseHasta))
                    .col(timestamp_with_time_zone(Pagos::FechaCreacion))
                    .col(timestamp_with_time_zone(Pagos::FechaActualizacion))
                    .col(timestamp_with_time_zone_null(Pagos::FechaCompletado))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "uq_pagos_afiliado_ciclo",
                vec![Pagos::AfiliadoId.into_iden(), Pagos::Ciclo.into_iden()],
                true,
            ),
            (
                "idx_pagos_estado_proximo",
                vec![Pagos::Estado.into_iden(), Pagos::ProximoIntento.into_iden()],
                false,
            ),
            (
                "idx_pagos_fecha",
                vec![Pagos::FechaCreacion.into_iden()],
                false,
            ),
        ] {
            index(manager, name, Pagos::Table, cols, unique).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Transacciones::Table)
                    .if_not_exists()
                    .col(pk_uuid(Transacciones::Id))
                    .col(uuid(Transacciones::PagoId))
                    .col(uuid_null(Transacciones::ComisionId))
                    .col(string_len(Transacciones::Tipo, 16))
                    .col(big_integer(Transacciones::MontoMinor))
                    .col(string_len(Transacciones::Moneda, 3))
                    .col(text(Transacciones::Descripcion))
                    .col(string_len_null(Transacciones::Referencia, 128))
                    .col(timestamp_with_time_zone(Transacciones::Fecha))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_transacciones_pago",
            Transacciones::Table,
            vec![Transacciones::PagoId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_transacciones_comision",
            Transacciones::Table,
            vec![Transacciones::ComisionId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Auditoria::Table)
                    .if_not_exists()
                    .col(big_integer(Auditoria::Seq).auto_increment().primary_key())
                    .col(uuid(Auditoria::PagoId))
                    .col(string_len(Auditoria::Evento, 64))
                    .col(string_len(Auditoria::Actor, 128))
                    .col(text_null(Auditoria::Detalle))
                    .col(timestamp_with_time_zone(Auditoria::Fecha))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_auditoria_pago",
            Auditoria::Table,
            vec![Auditoria::PagoId.into_iden(), Auditoria::Seq.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AfiliadosProyeccion::Table)
                    .if_not_exists()
                    .col(pk_uuid(AfiliadosProyeccion::Id))
                    .col(string_len(AfiliadosProyeccion::Tipo, 16))
                    .col(string_len(AfiliadosProyeccion::Estado, 16))
                    .col(string_len(AfiliadosProyeccion::ComisionBase, 16))
                    .col(string_len(AfiliadosProyeccion::ComisionPremium, 16))
                    .col(big_integer(AfiliadosProyeccion::MinimoMinor))
                    .col(string_len(AfiliadosProyeccion::MinimoMoneda, 3))
                    .col(big_integer(AfiliadosProyeccion::Version))
                    .col(timestamp_with_time_zone(AfiliadosProyeccion::ActualizadoEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaniasProyeccion::Table)
                    .if_not_exists()
                    .col(pk_uuid(CampaniasProyeccion::Id))
                    .col(uuid(CampaniasProyeccion::ClienteId))
                    .col(string_len(CampaniasProyeccion::PorConversion, 16))
                    .col(string_len(CampaniasProyeccion::PorVenta, 16))
                    .col(timestamp_with_time_zone(CampaniasProyeccion::ActualizadoEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ajustes::Table)
                    .if_not_exists()
                    .col(string_len(Ajustes::Clave, 64).primary_key())
                    .col(text(Ajustes::Valor))
                    .to_owned(),
            )
            .await?;
        subgraph_kit::messaging::schema::create_tables(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Comisiones::Table.into_iden(),
            Pagos::Table.into_iden(),
            Transacciones::Table.into_iden(),
            Auditoria::Table.into_iden(),
            AfiliadosProyeccion::Table.into_iden(),
            CampaniasProyeccion::Table.into_iden(),
            Ajustes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        subgraph_kit::messaging::schema::drop_tables(manager).await
    }
}
