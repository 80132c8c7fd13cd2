use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{DomainResult, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use super::{Campania, ComandoCampania, EstadoCampania, EventoCampania, EventoRegistrado};

/// Filter of the campaign list.
#[derive(Clone, Debug, Default)]
pub struct FiltroCampanias {
    /// Only this state.
    pub estado: Option<EstadoCampania>,
    /// Only this advertiser's campaigns.
    pub cliente_id: Option<Uuid>,
}

/// Where campaigns are kept: an append-only event store plus a read projection.
#[async_trait]
pub trait CampaniaRepository: Send + Sync + 'static {
    /// Starts a campaign's stream with its `CampaniaCreada` event; a taken id is `CONFLICT`.
    async fn crear(
        &self,
        id: Uuid,
        evento: EventoCampania,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Campania>;

    /// Loads the campaign (snapshot + later events), decides `comando` and appends its
    /// events if the stream is still at the version read (and at `version_esperada`, when
    /// given); a concurrent writer makes it `CONFLICT`, never a lost update.
    async fn ejecutar(
        &self,
        id: Uuid,
        comando: ComandoCampania,
        version_esperada: Option<i64>,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Campania>;

    /// The campaign rebuilt from its event store (`NOT_FOUND` if none).
    async fn reproducir(&self, id: Uuid) -> DomainResult<Campania>;

    /// Campaigns by id from the projection, in one statement; unknown ids are left out.
    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Campania>>;

    /// Campaigns of these advertisers in one statement, newest first; clients without
    /// campaigns are left out.
    async fn por_clientes(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Campania>>>;

    /// Event streams of these campaigns in one statement, oldest first.
    async fn historiales(&self, ids: &[Uuid])
    -> DomainResult<HashMap<Uuid, Vec<EventoRegistrado>>>;

    /// One page of the filtered list, newest first.
    async fn listar(
        &self,
        filtro: &FiltroCampanias,
        pagina: PageRequest,
    ) -> DomainResult<Page<Campania>>;

    /// Campaigns whose name or description matches, best first, with relevance (0–1).
    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Campania, f64)>>;

    /// How many campaigns exist.
    async fn contar(&self) -> DomainResult<u64>;
}
