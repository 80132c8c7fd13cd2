use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{DomainResult, Page, PageRequest, events::EventEnvelope};
use uuid::Uuid;

use super::{Canal, ClaveApi, Conversion, EstadoConversion, EventoTracking, FilaMetrica, Ventana};

/// Filter of the conversion list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FiltroConversiones {
    /// Only this partner's.
    pub afiliado_id: Option<Uuid>,
    /// Only this campaign's.
    pub campania_id: Option<Uuid>,
    /// Only this channel.
    pub canal: Option<Canal>,
    /// Only this state.
    pub estado: Option<EstadoConversion>,
    /// From this instant (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Up to this instant (inclusive).
    pub hasta: Option<DateTime<Utc>>,
}

/// Which entity a batched per-entity query groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// By partner.
    Afiliado,
    /// By campaign.
    Campania,
}

/// The latest conversions of each partner or campaign of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FiltroPorEntidad {
    /// Group by partner or campaign.
    pub dimension: Dimension,
    /// Only this channel.
    pub canal: Option<Canal>,
    /// Only this state.
    pub estado: Option<EstadoConversion>,
    /// From this instant.
    pub desde: Option<DateTime<Utc>>,
    /// Up to this instant.
    pub hasta: Option<DateTime<Utc>>,
    /// At most this many per entity, latest first.
    pub limite: u64,
}

/// Outcome of an idempotent registration.
#[derive(Clone, Debug)]
pub enum Registro {
    /// Stored now (its event is in the outbox).
    Nueva,
    /// The partner's reference was already used: the stored conversion.
    Existente(Box<Conversion>),
}

/// Where conversions, tracking events and the known-id projections are kept.
#[async_trait]
pub trait ConversionRepository: Send + Sync + 'static {
    /// Inserts a conversion and its events in one transaction, unless its partner already
    /// used its `referencia_externa` (decided by a unique constraint): then returns that one.
    async fn registrar(
        &self,
        conversion: &Conversion,
        eventos: &[EventEnvelope],
    ) -> DomainResult<Registro>;

    /// Inserts many new conversions and their events in one transaction (demo data).
    async fn registrar_lote(&self, lote: &[(Conversion, Vec<EventEnvelope>)]) -> DomainResult<()>;

    /// Saves a changed conversion and its events if nobody changed it since
    /// `version_anterior` (else `CONFLICT`).
    async fn guardar(
        &self,
        conversion: &Conversion,
        version_anterior: i64,
        eventos: &[EventEnvelope],
    ) -> DomainResult<()>;

    /// Conversions by id in one statement; unknown ids are left out.
    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Conversion>>;

    /// One page of the filtered list, latest first.
    async fn listar(
        &self,
        filtro: &FiltroConversiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Conversion>>;

    /// The latest conversions of each entity in `ids`, in one statement.
    async fn por_entidad(
        &self,
        filtro: &FiltroPorEntidad,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<Conversion>>>;

    /// Stores tracking events (one statement).
    async fn insertar_eventos(&self, eventos: &[EventoTracking]) -> DomainResult<()>;

    /// Aggregated counts and sums in `ventana` (one statement), per channel and kind;
    /// per entity too when `entidades` names a dimension and its ids.
    async fn metricas(
        &self,
        entidades: Option<(Dimension, &[Uuid])>,
        ventana: Ventana,
        canal: Option<Canal>,
    ) -> DomainResult<Vec<FilaMetrica>>;

    /// Whether the partner and the campaign are acceptable: known to the local
    /// projections (and the partner not deleted), or the projection is still empty.
    async fn referencias_aceptables(
        &self,
        afiliado_id: Uuid,
        campania_id: Uuid,
    ) -> DomainResult<(bool, bool)>;

    /// Records a partner or campaign id another context announced (idempotent).
    async fn conocer(&self, dimension: Dimension, id: Uuid, en: DateTime<Utc>) -> DomainResult<()>;

    /// How many conversions exist.
    async fn contar(&self) -> DomainResult<u64>;

    /// Stores a partner's collector key with its event in one transaction, replacing
    /// the partner's previous key.
    async fn guardar_clave(&self, clave: &ClaveApi, eventos: &[EventEnvelope]) -> DomainResult<()>;

    /// The partner whose current key has this digest, if any.
    async fn afiliado_de_clave(&self, digest: &str) -> DomainResult<Option<Uuid>>;

    /// Conversions whose partner reference matches `busqueda` (case ignored), each with a
    /// score 0–100 (exact 100, prefix 80, contained 40); best, then latest, first.
    async fn buscar(
        &self,
        busqueda: &kernel::search::Busqueda,
    ) -> DomainResult<Vec<(Conversion, i32)>>;
}

/// The answer of a rate limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionLimite {
    /// A token was taken.
    Permitido,
    /// No token left; one is back after this many milliseconds.
    Limitado {
        /// Wait before retrying.
        reintentar_en_ms: u64,
    },
}

/// Per-partner rate limit of the collector.
#[async_trait]
pub trait LimitadorTasa: Send + Sync + 'static {
    /// Takes one token of `afiliado_id`'s bucket if there is one.
    async fn consumir(&self, afiliado_id: Uuid) -> DecisionLimite;
}
