//! The event store: load (snapshot + later events), decide, append under optimistic
//! concurrency. Each append writes, in the caller's transaction, the events, the read
//! projection, the snapshot when one is due, and the outbox.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};
use subgraph_kit::{DomainError, DomainResult, db, events::EventEnvelope, messaging::outbox};
use uuid::Uuid;

use super::{
    entities::{
        campania::{self, Entity as Campanias},
        campania_event::{self, Entity as CampaniaEvents},
        campania_snapshot::{self, Entity as CampaniaSnapshots},
    },
    mapping::{evento_to_active, evento_to_domain, to_active},
};
use crate::domain::{Campania, ComandoCampania, EventoCampania, EventoRegistrado};

/// Default number of events between two snapshots of a campaign.
pub const SNAPSHOT_CADA: i64 = 20;

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
    if error.to_string().contains("comision") {
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

/// Numbers new events after `version`, all at `ahora`.
fn registrar(
    id: Uuid,
    version: i64,
    eventos: Vec<EventoCampania>,
    ahora: DateTime<Utc>,
) -> Vec<EventoRegistrado> {
    eventos
        .into_iter()
        .zip(version + 1..)
        .map(|(evento, version)| EventoRegistrado {
            id: Uuid::now_v7(),
            campania_id: id,
            version,
            ocurrido_en: ahora,
            evento,
        })
        .collect()
}

/// Creates a campaign: stream version 1 and its projection row.
pub(crate) async fn crear<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    evento: EventoCampania,
    ahora: DateTime<Utc>,
    snapshot_cada: i64,
) -> DomainResult<Campania> {
    let registros = registrar(id, 0, vec![evento], ahora.trunc_subsecs(6));
    let campania = Campania::reproducir(None, &registros)?;
    agregar(conn, None, &campania, &registros, snapshot_cada).await?;
    Ok(campania)
}

/// A decided change: the state before, after, and the events between.
pub(crate) struct Cambio {
    antes: Campania,
    despues: Campania,
    registros: Vec<EventoRegistrado>,
}

impl Cambio {
    /// The state after the change.
    pub(crate) fn despues(self) -> Campania {
        self.despues
    }

    /// Whether there is anything to write.
    pub(crate) fn vacio(&self) -> bool {
        self.registros.is_empty()
    }
}

/// Loads the campaign through `conn` and decides `comando` (no write).
pub(crate) async fn decidir<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    comando: &ComandoCampania,
    version_esperada: Option<i64>,
    ahora: DateTime<Utc>,
) -> DomainResult<Cambio> {
    let actual = cargar(conn, id)
        .await?
        .ok_or_else(|| DomainError::not_found("Campania", id))?;
    if let Some(esperada) = version_esperada
        && esperada != actual.version
    {
        return Err(DomainError::Conflict(format!(
            "La campaña {id} está en la versión {}, no en la versión esperada {esperada}; \
             recárguela y vuelva a intentarlo",
            actual.version
        )));
    }
    let sin_cambios = |actual: Campania| Cambio {
        despues: actual.clone(),
        antes: actual,
        registros: Vec::new(),
    };
    if let ComandoCampania::RegistrarGasto { comision_id, .. } = comando
        && comision_aplicada(conn, *comision_id).await?
    {
        return Ok(sin_cambios(actual));
    }
    let eventos = actual.decidir(comando)?;
    if eventos.is_empty() {
        return Ok(sin_cambios(actual));
    }
    let registros = registrar(id, actual.version, eventos, ahora.trunc_subsecs(6));
    let mut despues = actual.clone();
    for registro in &registros {
        despues.aplicar(registro)?;
    }
    Ok(Cambio {
        antes: actual,
        despues,
        registros,
    })
}

/// Writes a decided change through `conn` (the transaction); a writer that got there
/// first makes it `CONFLICT`.
pub(crate) async fn confirmar<C: ConnectionTrait>(
    conn: &C,
    cambio: &Cambio,
    snapshot_cada: i64,
) -> DomainResult<()> {
    if cambio.vacio() {
        return Ok(());
    }
    agregar(
        conn,
        Some(&cambio.antes),
        &cambio.despues,
        &cambio.registros,
        snapshot_cada,
    )
    .await
}

/// Decides and writes `comando` through one connection (a consumer's transaction).
pub(crate) async fn ejecutar<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    comando: &ComandoCampania,
    ahora: DateTime<Utc>,
    snapshot_cada: i64,
) -> DomainResult<Campania> {
    let cambio = decidir(conn, id, comando, None, ahora).await?;
    confirmar(conn, &cambio, snapshot_cada).await?;
    Ok(cambio.despues())
}

/// Appends `registros` (events after `antes`) and brings projection, snapshot and outbox
/// to `despues`. The event insert comes first: it takes the write lock and its unique
/// `(campania_id, version)` refuses a concurrent writer.
async fn agregar<C: ConnectionTrait>(
    conn: &C,
    antes: Option<&Campania>,
    despues: &Campania,
    registros: &[EventoRegistrado],
    snapshot_cada: i64,
) -> DomainResult<()> {
    let id = despues.id;
    let version_antes = antes.map_or(0, |c| c.version);
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
    let cada = snapshot_cada.max(1);
    if despues.version / cada > version_antes / cada {
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
