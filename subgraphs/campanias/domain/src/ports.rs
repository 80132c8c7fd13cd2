use std::collections::HashMap;

use async_trait::async_trait;
use kernel::{DomainResult, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use super::{Campania, EstadoCampania, EventoRegistrado};

/// Filter of the campaign list.
#[derive(Clone, Debug, Default)]
pub struct FiltroCampanias {
    /// Only this state.
    pub estado: Option<EstadoCampania>,
    /// Only this advertiser's campaigns.
    pub cliente_id: Option<Uuid>,
}

/// Reads of the campaigns' read projection and event history. Loading and appending a
/// stream is the application's `FlujoDeEventos` port.
#[async_trait]
pub trait CampaniaRepository: Send + Sync + 'static {
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
