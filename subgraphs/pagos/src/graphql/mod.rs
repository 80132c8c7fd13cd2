//! The GraphQL adapter of the `pagos` context (Apollo Federation v2 subgraph).

mod campos;
mod carga;
mod entidades;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};

pub use carga::PrepararSolicitud;
pub use mutation::MutationRoot;
pub use query::QueryRoot;

use crate::domain::PagosService;

/// The subgraph's schema type.
pub type PagosSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Builds the schema over a service.
pub fn schema(service: Arc<PagosService>) -> PagosSchema {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .enable_federation()
        .data(service)
        .finish()
}
