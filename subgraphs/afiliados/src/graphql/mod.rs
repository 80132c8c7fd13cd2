//! The GraphQL adapter of the `afiliados` context (Apollo Federation v2 subgraph).

mod contadores;
mod loader;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};

pub use loader::AfiliadoBatch;
pub use mutation::MutationRoot;
pub use query::QueryRoot;

use crate::application::AfiliadoService;

/// The subgraph's schema type.
pub type AfiliadosSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema over a service.
pub fn schema(service: Arc<AfiliadoService>) -> AfiliadosSchema {
    subgraph_kit::graphql::schema_builder(QueryRoot, MutationRoot, EmptySubscription)
        .data(service)
        .finish()
}
