//! Batched entity loading: `_entities` for N representations is one SQL statement.
//!
//! Each request gets its own [`ByIdLoader`] (a DataLoader whose cache remembers misses
//! too). Before execution, [`prefetch`] loads every id the request's representation
//! variables name in one batch, so the per-entity resolvers only read the cache; queries
//! that reach entities by other paths still batch through the DataLoader.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Request, Value,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use async_trait::async_trait;
use uuid::Uuid;

use crate::{error::DomainError, server::PrepareRequest};

/// Largest batch sent as one statement (far below PostgreSQL's 65,535 bind parameters).
pub const MAX_BATCH: usize = 5_000;

/// Loads entities of one type by id, many at once.
#[async_trait]
pub trait BatchById: Send + Sync + 'static {
    /// The loaded entity.
    type Value: Clone + Send + Sync + 'static;

    /// Loads the entities with these ids in one statement; unknown ids are left out.
    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, DomainError>;
}

/// DataLoader adapter of a [`BatchById`] that records unknown ids as `None`.
pub struct ByIdLoader<B>(pub Arc<B>);

impl<B: BatchById> Loader<Uuid> for ByIdLoader<B> {
    type Value = Option<B::Value>;
    type Error = DomainError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut found = self.0.load_batch(keys).await?;
        Ok(keys.iter().map(|id| (*id, found.remove(id))).collect())
    }
}

/// A request-scoped, caching loader over `batch`.
pub fn request_loader<B: BatchById>(batch: Arc<B>) -> DataLoader<ByIdLoader<B>, HashMapCache> {
    DataLoader::with_cache(ByIdLoader(batch), tokio::spawn, HashMapCache::default())
        .max_batch_size(MAX_BATCH)
}

/// Loads one entity through the request's loader.
pub async fn load_one<B: BatchById>(
    loader: &DataLoader<ByIdLoader<B>, HashMapCache>,
    id: Uuid,
) -> Result<Option<B::Value>, DomainError> {
    Ok(loader.load_one(id).await?.flatten())
}

/// Loads, in one batch, every entity of `typename` that the request's variables represent.
pub async fn prefetch<B: BatchById>(
    loader: &DataLoader<ByIdLoader<B>, HashMapCache>,
    request: &Request,
    typename: &str,
) {
    let ids = represented_ids(request, typename);
    if ids.is_empty() {
        return;
    }
    // A failure here resurfaces, with its path, when the resolver loads the same ids.
    if let Err(error) = loader.load_many(ids).await {
        tracing::warn!(%error, typename, "entity prefetch failed");
    }
}

/// Request set-up of a subgraph with one entity type: a fresh loader per request, with
/// the `_entities` batch already loaded.
pub struct PrefetchEntities<B> {
    batch: Arc<B>,
    typename: &'static str,
}

impl<B: BatchById> PrefetchEntities<B> {
    /// Set-up for entities of `typename` loaded by `batch`.
    pub fn new(batch: B, typename: &'static str) -> Self {
        Self {
            batch: Arc::new(batch),
            typename,
        }
    }
}

#[async_trait]
impl<B: BatchById> PrepareRequest for PrefetchEntities<B> {
    async fn prepare(&self, request: Request) -> Request {
        let loader = request_loader(self.batch.clone());
        prefetch(&loader, &request, self.typename).await;
        request.data(loader)
    }
}

/// Ids (`id` key, UUIDs) of the `typename` representations in a request's list variables.
pub fn represented_ids(request: &Request, typename: &str) -> Vec<Uuid> {
    if !request.query.contains("_entities") {
        return Vec::new();
    }
    let mut ids = Vec::new();
    for value in request.variables.values() {
        let Value::List(items) = value else { continue };
        for item in items {
            let Value::Object(fields) = item else {
                continue;
            };
            let is_type =
                matches!(fields.get("__typename"), Some(Value::String(t)) if t == typename);
            if let (true, Some(Value::String(id))) = (is_type, fields.get("id"))
                && let Ok(id) = Uuid::parse_str(id)
            {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use async_graphql::Variables;
    use serde_json::json;

    use super::*;

    #[test]
    fn representations_are_collected_per_type_deduplicated() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let request = Request::new("query($r:[_Any!]!){_entities(representations:$r){__typename}}")
            .variables(Variables::from_json(json!({
                "r": [
                    {"__typename": "Cliente", "id": a.to_string()},
                    {"__typename": "Cliente", "id": a.to_string()},
                    {"__typename": "Otro", "id": b.to_string()},
                    {"__typename": "Cliente", "id": "no-uuid"},
                    {"__typename": "Cliente", "id": b.to_string()},
                ]
            })));
        let mut expected = vec![a, b];
        expected.sort_unstable();
        assert_eq!(represented_ids(&request, "Cliente"), expected);
        assert!(represented_ids(&Request::new("{ x }"), "Cliente").is_empty());
    }
}
