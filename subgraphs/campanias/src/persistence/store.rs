//! The event store: load (snapshot + later events) and append under optimistic
//! concurrency. Each append writes, in the caller's transaction, the events, the read
//! projection, the snapshot when asked, and the outbox. It decides nothing: the use cases
//! in `application` do, through [`FlujoDeEventos`], implemented here for the consumers'
//! transaction (the repository implements it with a transaction of its own).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use subgraph_kit::{DomainError, DomainResult, db, events::EventEnvelope, messaging::outbox};
use uuid::Uuid;

use super::{
    entities::{
        campania::{self, Entity as Campanias},
        campania_event::{self, Entity as CampaniaEvents},
        campania_snapshot::{self, Entity as CampaniaSnapshots},
        comision_revertida::{self, Entity as ComisionesRevertidas},
    },
    mapping::{evento_to_active, evento_to_domain, to_active},
};
use crate::{
    application::{CambioCampania, FlujoDeEventos},
    domain::{Campania, EventoRegistrado},
};

fn conflicto_de_version(id: Uuid, version: i64) -> DomainError {
    DomainError::Conflict(format!(
        "La campaña {id} fue modificada por otra operación después de la versión {version}; \
         recárguela y vuelva a intentarlo"
    ))
}

/// Maps a failed append: the unique constraints turn a concurrent writer into `CONFLICT`.
fn error_de_escritura(error: DbErr, id: Uuid, version: i64) -> DomainError {
    if !db::is_unique_violation(&error) {
        return db::internal(error);
    }
    let mensaje = error.to_string();
    // Checked first: the reversal's column and index name contain "comision" too.
    if mensaje.contains("comision_revertida") {
        return DomainError::Conflict(format!(
            "El gasto de la comisión ya fue revertido en la campaña {id}"
        ));
    }
    if mensaje.contains("comision") {
        return DomainError::Conflict(format!("La comisión ya fue aplicada a la campaña {id}"));
    }
    if version == 0 {
        return DomainError::Conflict(format!("Ya existe una campaña con id {id}"));
    }
    conflicto_de_version(id, version)
}

/// The campaign rebuilt from its latest snapshot and the events after it (two statements);
/// `None` if it has no events.
pub(crate) async fn cargar<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> DomainResult<Option<Campania>> {
    let snapshot = CampaniaSnapshots::find_by_id(id)
        .one(conn)
        .await
        .map_err(db::internal)?
        .map(|row| {
            serde_json::from_str::<Campania>(&row.estado).map_err(|error| {
                DomainError::internal(format!("snapshot of campania {id}: {error}"))
            })
        })
        .transpose()?;
    let desde = snapshot.as_ref().map_or(0, |s| s.version);
    let eventos = CampaniaEvents::find()
        .filter(campania_event::Column::CampaniaId.eq(id))
        .filter(campania_event::Column::Version.gt(desde))
        .order_by_asc(campania_event::Column::Version)
        .all(conn)
        .await
        .map_err(db::internal)?
        .into_iter()
        .map(evento_to_domain)
        .collect::<DomainResult<Vec<_>>>()?;
    if snapshot.is_none() && eventos.is_empty() {
        return Ok(None);
    }
    Campania::reproducir(snapshot, &eventos).map(Some)
}

/// Whether an expense event for this commission is already stored.
pub(crate) async fn comision_aplicada<C: ConnectionTrait>(
    conn: &C,
    comision_id: Uuid,
) -> DomainResult<bool> {
    let found = CampaniaEvents::find()
        .select_only()
        .column(campania_event::Column::Seq)
        .filter(campania_event::Column::ComisionId.eq(comision_id.to_string()))
        .into_tuple::<i64>()
        .one(conn)
        .await
        .map_err(db::internal)?;
    Ok(found.is_some())
}

/// The expense event (`GastoRegistrado` or `SobregiroRegistrado`) stored for this
/// commission, in whichever campaign's stream it is.
pub(crate) async fn gasto_de_comision<C: ConnectionTrait>(
    conn: &C,
    comision_id: Uuid,
) -> DomainResult<Option<EventoRegistrado>> {
    CampaniaEvents::find()
        .filter(campania_event::Column::ComisionId.eq(comision_id.to_string()))
        .one(conn)
        .await
        .map_err(db::internal)?
        .map(evento_to_domain)
        .transpose()
}

/// Whether this commission was reversed: a reversal event, or a reversal that found no
/// expense, is stored.
pub(crate) async fn gasto_revertido<C: ConnectionTrait>(
    conn: &C,
    comision_id: Uuid,
) -> DomainResult<bool> {
    let id = comision_id.to_string();
    let evento = CampaniaEvents::find()
        .select_only()
        .column(campania_event::Column::Seq)
        .filter(campania_event::Column::ComisionRevertidaId.eq(id.clone()))
        .into_tuple::<i64>()
        .one(conn)
        .await
        .map_err(db::internal)?;
    if evento.is_some() {
        return Ok(true);
    }
    let sin_gasto = ComisionesRevertidas::find_by_id(id)
        .one(conn)
        .await
        .map_err(db::internal)?;
    Ok(sin_gasto.is_some())
}

/// Remembers a reversal that found no expense (once per commission).
pub(crate) async fn recordar_reversion<C: ConnectionTrait>(
    conn: &C,
    comision_id: Uuid,
    campania_id: Uuid,
    ahora: DateTime<Utc>,
) -> DomainResult<()> {
    let fila = comision_revertida::ActiveModel {
        comision_id: sea_orm::ActiveValue::Set(comision_id.to_string()),
        campania_id: sea_orm::ActiveValue::Set(campania_id),
        revertida_en: sea_orm::ActiveValue::Set(ahora),
    };
    ComisionesRevertidas::insert(fila)
        .on_conflict(
            OnConflict::column(comision_revertida::Column::ComisionId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db::internal)?;
    Ok(())
}

/// Appends the change's events (after `antes`) and brings projection, snapshot (when
/// `con_snapshot`) and outbox to `despues`. The event insert comes first: it takes the
/// write lock and its unique `(campania_id, version)` refuses a concurrent writer.
pub(crate) async fn agregar<C: ConnectionTrait>(
    conn: &C,
    cambio: &CambioCampania,
    con_snapshot: bool,
) -> DomainResult<()> {
    let (antes, despues, registros) = (cambio.antes.as_ref(), &cambio.despues, &cambio.registros);
    let id = despues.id;
    let version_antes = cambio.version_antes();
    CampaniaEvents::insert_many(registros.iter().map(evento_to_active))
        .exec_without_returning(conn)
        .await
        .map_err(|error| error_de_escritura(error, id, version_antes))?;
    let fila = to_active(despues)?;
    match antes {
        None => {
            Campanias::insert(fila)
                .exec_without_returning(conn)
                .await
                .map_err(|error| error_de_escritura(error, id, 0))?;
        }
        Some(antes) => {
            let result = Campanias::update_many()
                .set(fila)
                .filter(campania::Column::Id.eq(id))
                .filter(campania::Column::Version.eq(antes.version))
                .exec(conn)
                .await
                .map_err(db::internal)?;
            if result.rows_affected == 0 {
                return Err(conflicto_de_version(id, antes.version));
            }
        }
    }
    if con_snapshot {
        guardar_snapshot(conn, despues).await?;
    }
    let envelopes: Vec<EventEnvelope> = registros
        .iter()
        .map(|r| {
            let (tipo, datos) = r.evento.tipo_y_datos();
            EventEnvelope {
                id: r.id,
                tipo,
                agregado_id: r.campania_id.to_string(),
                ocurrido_en: r.ocurrido_en,
                datos,
            }
        })
        .collect();
    outbox::append(conn, &envelopes).await.map_err(db::internal)
}

async fn guardar_snapshot<C: ConnectionTrait>(conn: &C, campania: &Campania) -> DomainResult<()> {
    let estado = serde_json::to_string(campania).map_err(DomainError::internal)?;
    let fila = campania_snapshot::ActiveModel {
        campania_id: sea_orm::ActiveValue::Set(campania.id),
        version: sea_orm::ActiveValue::Set(campania.version),
        estado: sea_orm::ActiveValue::Set(estado),
        tomado_en: sea_orm::ActiveValue::Set(campania.fecha_actualizacion),
    };
    CampaniaSnapshots::insert(fila)
        .on_conflict(
            OnConflict::column(campania_snapshot::Column::CampaniaId)
                .update_columns([
                    campania_snapshot::Column::Version,
                    campania_snapshot::Column::Estado,
                    campania_snapshot::Column::TomadoEn,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db::internal)?;
    Ok(())
}

/// Version of the latest snapshot of a campaign, if any (for tests and diagnostics).
pub async fn version_snapshot<C: ConnectionTrait>(conn: &C, id: Uuid) -> DomainResult<Option<i64>> {
    Ok(CampaniaSnapshots::find_by_id(id)
        .one(conn)
        .await
        .map_err(db::internal)?
        .map(|s| s.version))
}

/// A consumer's stream access: reads and appends in the runtime's transaction, which
/// already holds the inbox row (the runtime commits).
#[async_trait]
impl FlujoDeEventos for DatabaseTransaction {
    async fn cargar(&self, id: Uuid) -> DomainResult<Option<Campania>> {
        cargar(self, id).await
    }

    async fn comision_aplicada(&self, comision_id: Uuid) -> DomainResult<bool> {
        comision_aplicada(self, comision_id).await
    }

    async fn gasto_de_comision(&self, comision_id: Uuid) -> DomainResult<Option<EventoRegistrado>> {
        gasto_de_comision(self, comision_id).await
    }

    async fn gasto_revertido(&self, comision_id: Uuid) -> DomainResult<bool> {
        gasto_revertido(self, comision_id).await
    }

    async fn recordar_reversion(
        &self,
        comision_id: Uuid,
        campania_id: Uuid,
        ahora: DateTime<Utc>,
    ) -> DomainResult<()> {
        recordar_reversion(self, comision_id, campania_id, ahora).await
    }

    async fn agregar(&self, cambio: &CambioCampania, con_snapshot: bool) -> DomainResult<()> {
        agregar(self, cambio, con_snapshot).await
    }
}
