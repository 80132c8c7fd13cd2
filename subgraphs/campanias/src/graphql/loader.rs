use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Request,
    dataloader::{DataLoader, HashMapCache},
};
use async_trait::async_trait;
use subgraph_kit::{
    DomainError,
    graphql::{BatchById, ByIdLoader, prefetch, request_loader},
    server::PrepareRequest,
};
use uuid::Uuid;

use crate::application::CampaniaService;
use crate::domain::{Campania, EventoRegistrado};

/// Loads campaigns by id in batches.
pub struct CampaniaBatch(pub Arc<CampaniaService>);

#[async_trait]
impl BatchById for CampaniaBatch {
    type Value = Campania;

    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Campania>, DomainError> {
        self.0.por_ids(ids).await
    }
}

/// Loads the campaigns of many advertisers in batches.
pub struct CampaniasPorClienteBatch(pub Arc<CampaniaService>);

#[async_trait]
impl BatchById for CampaniasPorClienteBatch {
    type Value = Vec<Campania>;

    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Campania>>, DomainError> {
        self.0.por_clientes(ids).await
    }
}

/// Loads the event streams of many campaigns in batches.
pub struct HistorialBatch(pub Arc<CampaniaService>);

#[async_trait]
impl BatchById for HistorialBatch {
    type Value = Vec<EventoRegistrado>;

    async fn load_batch(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<EventoRegistrado>>, DomainError> {
        self.0.historiales(ids).await
    }
}

pub(crate) type CampaniaLoader = DataLoader<ByIdLoader<CampaniaBatch>, HashMapCache>;
pub(crate) type PorClienteLoader = DataLoader<ByIdLoader<CampaniasPorClienteBatch>, HashMapCache>;
pub(crate) type HistorialLoader = DataLoader<ByIdLoader<HistorialBatch>, HashMapCache>;

/// Request set-up: fresh loaders per request, with the `_entities` batches of `Campania`
/// and `Cliente` already loaded (one statement each).
pub struct PreparaCampanias {
    campanias: Arc<CampaniaBatch>,
    por_cliente: Arc<CampaniasPorClienteBatch>,
    historial: Arc<HistorialBatch>,
}

impl PreparaCampanias {
    /// Set-up over a service.
    pub fn new(service: Arc<CampaniaService>) -> Self {
        Self {
            campanias: Arc::new(CampaniaBatch(service.clone())),
            por_cliente: Arc::new(CampaniasPorClienteBatch(service.clone())),
            historial: Arc::new(HistorialBatch(service)),
        }
    }
}

#[async_trait]
impl PrepareRequest for PreparaCampanias {
    async fn prepare(&self, request: Request) -> Request {
        let campanias = request_loader(self.campanias.clone());
        let por_cliente = request_loader(self.por_cliente.clone());
        let historial = request_loader(self.historial.clone());
        prefetch(&campanias, &request, "Campania").await;
        prefetch(&por_cliente, &request, "Cliente").await;
        request.data(campanias).data(por_cliente).data(historial)
    }
}
