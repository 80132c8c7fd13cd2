//! The commission consumers' writes inside the runtime's transaction: the projections of
//! partners and campaigns, new commissions, calculated ones (the use case in
//! `application::consumers` decides; this only reads and writes).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, OnConflict},
};
use subgraph_kit::{DomainResult, db, events::EventEnvelope, messaging::outbox};
use uuid::Uuid;

use super::{
    entities::{
        afiliado_proyeccion::{self, Entity as Afiliados},
        campania_proyeccion::{self, Entity as Campanias},
        comision::{self, Entity as Comisiones},
        conversion_rechazada::{self, Entity as Rechazadas},
        reversion::Entity as Reversiones,
    },
    mapping::{
        comision_to_active, comision_to_domain, reversion_to_active, tarifa_afiliado,
        tarifa_afiliado_to_active, tarifa_campania, tarifa_campania_to_active,
    },
};
use crate::{
    application::consumers::{ComisionesEnTransaccion, Pendientes},
    domain::{
        CambioComision, Comision, EntradaAuditoriaComision, EstadoComision, Reversion,
        TarifaAfiliado, TarifaCampania,
    },
};

/// Advisory-lock key of the commission consumers (an arbitrary constant).
const LOCK_COMISIONES: i64 = 0x5041_474F_5343_4F4D;

/// Serialises the transactions of the commission consumers.
///
/// A commission and the two facts its rate needs (partner, campaign) arrive through three
/// consumers, each in its own transaction. Run concurrently, each could miss the others'
/// uncommitted rows — the commission's transaction not seeing a projection, the two
/// projections' transactions not seeing each other — and the commission would stay
/// PENDIENTE although every fact is recorded. On PostgreSQL the three take one
/// transaction-scoped advisory lock before reading anything: once it is granted, the
/// previous holder has committed and its rows are visible. SQLite already runs one
/// writing transaction at a time.
async fn serializar<C: ConnectionTrait>(conn: &C) -> DomainResult<()> {
    if conn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [LOCK_COMISIONES.into()],
    ))
    .await
    .map_err(db::internal)?;
    Ok(())
}

/// Records the partner's announced state unless a newer version is already known.
async fn proyectar_afiliado<C: ConnectionTrait>(
    conn: &C,
    tarifa: &TarifaAfiliado,
    en: DateTime<Utc>,
) -> DomainResult<()> {
    use afiliado_proyeccion::Column as A;
    let insert = Afiliados::insert(tarifa_afiliado_to_active(tarifa, en)?)
        .on_conflict(
            OnConflict::column(A::Id)
                .update_columns([
                    A::Tipo,
                    A::Estado,
                    A::ComisionBase,
                    A::ComisionPremium,
                    A::MinimoMinor,
                    A::MinimoMoneda,
                    A::Version,
                    A::ActualizadoEn,
                ])
                .action_and_where(
                    Expr::col((Afiliados, A::Version))
                        .lt(Expr::col((Alias::new("excluded"), A::Version))),
                )
                .to_owned(),
        )
        .into_query();
    conn.execute(&insert).await.map_err(db::internal)?;
    Ok(())
}

/// Records a campaign's advertiser and rates (set at creation, never changed).
async fn proyectar_campania<C: ConnectionTrait>(
    conn: &C,
    tarifa: &TarifaCampania,
    en: DateTime<Utc>,
) -> DomainResult<()> {
    let insert = Campanias::insert(tarifa_campania_to_active(tarifa, en))
        .on_conflict(
            OnConflict::column(campania_proyeccion::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    conn.execute(&insert).await.map_err(db::internal)?;
    Ok(())
}

/// Inserts a commission unless its conversion already has one (the unique
/// `conversion_id` decides, not a read); `true` when inserted.
async fn crear_comision<C: ConnectionTrait>(conn: &C, c: &Comision) -> DomainResult<bool> {
    let insert = Comisiones::insert(comision_to_active(c)?)
        .on_conflict(
            OnConflict::column(comision::Column::ConversionId)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
    let result = conn.execute(&insert).await.map_err(db::internal)?;
    Ok(result.rows_affected() == 1)
}

#[async_trait]
impl ComisionesEnTransaccion for DatabaseTransaction {
    async fn serializar(&self) -> DomainResult<()> {
        serializar(self).await
    }

    async fn proyectar_afiliado(
        &self,
        tarifa: &TarifaAfiliado,
        en: DateTime<Utc>,
    ) -> DomainResult<()> {
        proyectar_afiliado(self, tarifa, en).await
    }

    async fn proyectar_campania(
        &self,
        tarifa: &TarifaCampania,
        en: DateTime<Utc>,
    ) -> DomainResult<()> {
        proyectar_campania(self, tarifa, en).await
    }

    async fn crear_comision(&self, comision: &Comision) -> DomainResult<bool> {
        crear_comision(self, comision).await
    }

    async fn pendientes(&self, cuales: Pendientes) -> DomainResult<Vec<Comision>> {
        use comision::Column as K;
        let filtro = match cuales {
            Pendientes::Afiliado(id) => K::AfiliadoId.eq(id),
            Pendientes::Campania(id) => K::CampaniaId.eq(id),
            Pendientes::Comision(id) => K::Id.eq(id),
        };
        Comisiones::find()
            .filter(filtro)
            .filter(K::Estado.eq(EstadoComision::Pendiente.codigo()))
            .all(self)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(comision_to_domain)
            .collect()
    }

    async fn tarifas_afiliados(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, TarifaAfiliado>> {
        Afiliados::find()
            .filter(db::id_in(
                self.get_database_backend(),
                afiliado_proyeccion::Column::Id,
                ids,
            ))
            .all(self)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(|row| tarifa_afiliado(row).map(|t| (t.id, t)))
            .collect()
    }

    async fn tarifas_campanias(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, TarifaCampania>> {
        Campanias::find()
            .filter(db::id_in(
                self.get_database_backend(),
                campania_proyeccion::Column::Id,
                ids,
            ))
            .all(self)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(|row| tarifa_campania(row).map(|t| (t.id, t)))
            .collect()
    }

    async fn guardar_calculada(
        &self,
        comision: &Comision,
        version_anterior: i64,
    ) -> DomainResult<bool> {
        use comision::Column as K;
        let updated = Comisiones::update_many()
            .set(comision_to_active(comision)?)
            .filter(K::Id.eq(comision.id))
            .filter(K::Version.eq(version_anterior))
            .exec(self)
            .await
            .map_err(db::internal)?;
        Ok(updated.rows_affected == 1)
    }

    async fn publicar(&self, eventos: &[EventEnvelope]) -> DomainResult<()> {
        outbox::append(self, eventos).await.map_err(db::internal)
    }

    async fn comision_de_conversion(&self, conversion_id: Uuid) -> DomainResult<Option<Comision>> {
        Comisiones::find()
            .filter(comision::Column::ConversionId.eq(conversion_id))
            .one(self)
            .await
            .map_err(db::internal)?
            .map(comision_to_domain)
            .transpose()
    }

    async fn registrar_rechazo(
        &self,
        conversion_id: Uuid,
        evento_id: Uuid,
        motivo: &str,
        en: DateTime<Utc>,
    ) -> DomainResult<()> {
        use sea_orm::ActiveValue::Set;
        let insert = Rechazadas::insert(conversion_rechazada::ActiveModel {
            conversion_id: Set(conversion_id),
            evento_id: Set(evento_id),
            motivo: Set(motivo.to_owned()),
            fecha: Set(en),
        })
        .on_conflict(
            OnConflict::column(conversion_rechazada::Column::ConversionId)
                .do_nothing()
                .to_owned(),
        )
        .into_query();
        self.execute(&insert).await.map_err(db::internal)?;
        Ok(())
    }

    async fn conversion_rechazada(&self, conversion_id: Uuid) -> DomainResult<bool> {
        Ok(Rechazadas::find_by_id(conversion_id)
            .one(self)
            .await
            .map_err(db::internal)?
            .is_some())
    }

    async fn guardar_cambio(&self, cambio: &CambioComision) -> DomainResult<()> {
        super::repository::commissions::guardar_cambio_comision(self, cambio).await
    }

    async fn crear_reversion(&self, reversion: &Reversion) -> DomainResult<bool> {
        let insert = Reversiones::insert(reversion_to_active(reversion)?)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .into_query();
        Ok(self
            .execute(&insert)
            .await
            .map_err(db::internal)?
            .rows_affected()
            == 1)
    }

    async fn posicion_en_campania(&self, comision: &Comision) -> DomainResult<u64> {
        super::repository::commissions::posicion_en_campania(self, comision).await
    }

    async fn auditar(&self, lineas: &[EntradaAuditoriaComision]) -> DomainResult<()> {
        super::repository::commissions::insertar_auditoria(self, lineas).await
    }
}
