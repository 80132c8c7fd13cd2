use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_trait::async_trait;
use subgraph_kit::{
    DomainError,
    graphql::{BatchById, ByIdLoader},
};
use uuid::Uuid;

use crate::application::ClienteService;
use crate::domain::Cliente;

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
