use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_trait::async_trait;
use subgraph_kit::{
    DomainError,
    graphql::{BatchById, ByIdLoader},
};
use uuid::Uuid;

use crate::application::AfiliadoService;
use crate::domain::Afiliado;

/// Loads partners by id in batches.
pub struct AfiliadoBatch(pub Arc<AfiliadoService>);

#[async_trait]
impl BatchById for AfiliadoBatch {
    type Value = Afiliado;

    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Afiliado>, DomainError> {
        self.0.por_ids(ids).await
    }
}

/// The request-scoped partner loader.
pub(crate) type AfiliadoLoader = DataLoader<ByIdLoader<AfiliadoBatch>, HashMapCache>;
