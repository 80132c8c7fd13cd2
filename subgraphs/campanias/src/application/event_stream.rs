//! Commands on an event-sourced campaign: load it through the [`FlujoDeEventos`] port,
//! let the aggregate decide, and append what it decided through the same port (one
//! transaction, the outbox included). Persistence only loads and appends.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use subgraph_kit::{DomainError, DomainResult};
use uuid::Uuid;

use crate::domain::{Campania, ComandoCampania, EventoCampania, EventoRegistrado};

/// Default number of events between two snapshots of a campaign.
pub const SNAPSHOT_CADA: i64 = 20;

/// A campaign's event stream as the use cases see it.
#[async_trait]
pub trait FlujoDeEventos: Send + Sync {
    /// The campaign rebuilt from its latest snapshot and the events after it; `None` if
    /// it has no events.
    async fn cargar(&self, id: Uuid) -> DomainResult<Option<Campania>>;

    /// Whether an expense event for this commission is already stored.
    async fn comision_aplicada(&self, comision_id: Uuid) -> DomainResult<bool>;

    /// The expense event (registered or refused) stored for this commission, if any.
    async fn gasto_de_comision(&self, comision_id: Uuid) -> DomainResult<Option<EventoRegistrado>>;

    /// Whether this commission was reversed (a reversal event, or a reversal that found no
    /// expense, is stored).
    async fn gasto_revertido(&self, comision_id: Uuid) -> DomainResult<bool>;

    /// Remembers a reversal that found no expense, so a late approval adds nothing.
    async fn recordar_reversion(
        &self,
        comision_id: Uuid,
        campania_id: Uuid,
        ahora: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Appends a decided change (events, projection, the snapshot when `con_snapshot`,
    /// outbox) in one transaction; a writer that got there first makes it `CONFLICT`.
    async fn agregar(&self, cambio: &CambioCampania, con_snapshot: bool) -> DomainResult<()>;

    /// Events between two snapshots.
    fn snapshot_cada(&self) -> i64 {
        SNAPSHOT_CADA
    }
}

/// A decided change: the state before (`None` for a new stream), after, and the events
/// between.
#[derive(Clone, Debug)]
pub struct CambioCampania {
    /// The state the change was decided on.
    pub antes: Option<Campania>,
    /// The state after the events.
    pub despues: Campania,
    /// The new events, numbered after `antes`.
    pub registros: Vec<EventoRegistrado>,
}

impl CambioCampania {
    /// The stream version the change was decided on (0 for a new stream).
    pub fn version_antes(&self) -> i64 {
        self.antes.as_ref().map_or(0, |c| c.version)
    }

    /// Whether the change crosses a multiple of `cada` events (a snapshot is due).
    fn toca_snapshot(&self, cada: i64) -> bool {
        let cada = cada.max(1);
        self.despues.version / cada > self.version_antes() / cada
    }
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

/// Starts a campaign's stream with its first event (version 1).
pub(crate) async fn crear(
    flujo: &dyn FlujoDeEventos,
    id: Uuid,
    evento: EventoCampania,
    ahora: DateTime<Utc>,
    snapshot_cada: i64,
) -> DomainResult<Campania> {
    let registros = registrar(id, 0, vec![evento], ahora.trunc_subsecs(6));
    let cambio = CambioCampania {
        antes: None,
        despues: Campania::reproducir(None, &registros)?,
        registros,
    };
    flujo
        .agregar(&cambio, cambio.toca_snapshot(snapshot_cada))
        .await?;
    Ok(cambio.despues)
}

/// Loads the campaign and decides `comando` (no write). An expense already applied for its
/// commission, or a commission already reversed, decides nothing.
pub(crate) async fn decidir(
    flujo: &dyn FlujoDeEventos,
    id: Uuid,
    comando: &ComandoCampania,
    version_esperada: Option<i64>,
    ahora: DateTime<Utc>,
) -> DomainResult<CambioCampania> {
    let actual = flujo
        .cargar(id)
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
    let sin_cambios = |actual: Campania| CambioCampania {
        despues: actual.clone(),
        antes: Some(actual),
        registros: Vec::new(),
    };
    // A reversed commission's approval arriving late (a redelivery) adds nothing either.
    if let ComandoCampania::RegistrarGasto { comision_id, .. } = comando
        && (flujo.comision_aplicada(*comision_id).await?
            || flujo.gasto_revertido(*comision_id).await?)
    {
        return Ok(sin_cambios(actual));
    }
    if let ComandoCampania::RevertirGasto { comision_id, .. } = comando
        && flujo.gasto_revertido(*comision_id).await?
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
    Ok(CambioCampania {
        antes: Some(actual),
        despues,
        registros,
    })
}

/// Decides `comando` and appends its events, if any.
pub(crate) async fn ejecutar(
    flujo: &dyn FlujoDeEventos,
    id: Uuid,
    comando: &ComandoCampania,
    version_esperada: Option<i64>,
    ahora: DateTime<Utc>,
    snapshot_cada: i64,
) -> DomainResult<Campania> {
    let cambio = decidir(flujo, id, comando, version_esperada, ahora).await?;
    if !cambio.registros.is_empty() {
        flujo
            .agregar(&cambio, cambio.toca_snapshot(snapshot_cada))
            .await?;
    }
    Ok(cambio.despues)
}
