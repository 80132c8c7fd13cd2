use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Request,
    dataloader::{DataLoader, HashMapCache},
};
use async_trait::async_trait;
use kernel::{
    DomainError,
    graphql::{BatchById, ByIdLoader, prefetch, request_loader},
    server::PrepareRequest,
};
use uuid::Uuid;

use crate::domain::{Cliente, ClienteService};

/// Loads clients by id in batches.
pub struct ClienteBatch(pub Arc<ClienteService>);

#[async_trait]
impl BatchById for ClienteBatch {
    type Value = Cliente;

    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Cliente>, DomainError> {
        self.0.por_ids(ids).await
    }
}

/// The request-scoped client loader.
pub(crate) type ClienteLoader = DataLoader<ByIdLoader<ClienteBatch>, HashMapCache>;

/// Gives each request its loader, with the `_entities` batch already loaded.
pub struct ClientesPrepare {
    batch: Arc<ClienteBatch>,
}

impl ClientesPrepare {
    /// Per-request set-up over a service.
    pub fn new(service: Arc<ClienteService>) -> Self {
        Self {
            batch: Arc::new(ClienteBatch(service)),
        }
    }
}

#[async_trait]
impl PrepareRequest for ClientesPrepare {
    async fn prepare(&self, request: Request) -> Request {
        let loader: ClienteLoader = request_loader(self.batch.clone());
        prefetch(&loader, &request, "Cliente").await;
        request.data(loader)
    }
}
