//! The GraphQL adapter of the `conversiones` context (Apollo Federation v2 subgraph).

mod entidades;
mod loader;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};

pub use loader::{ConversionBatch, PrepararSolicitud};
pub use mutation::MutationRoot;
pub use query::QueryRoot;

use crate::domain::ConversionService;

/// The subgraph's schema type.
pub type ConversionesSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema over a service.
pub fn schema(service: Arc<ConversionService>) -> ConversionesSchema {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .enable_federation()
        .data(service)
        .finish()
}
