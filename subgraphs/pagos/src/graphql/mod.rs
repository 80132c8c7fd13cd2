//! The GraphQL adapter of the `pagos` context (Apollo Federation v2 subgraph).

mod campos;
mod carga;
mod contadores;
mod entidades;
mod mutation;
mod query;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::Schema;
use subgraph_kit::live::LiveEvents;

pub use carga::PrepararSolicitud;
pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

use crate::application::PagosService;

/// The subgraph's schema type.
pub type PagosSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema over a service.
pub fn schema(service: Arc<PagosService>, live: LiveEvents) -> PagosSchema {
    subgraph_kit::graphql::schema_builder(QueryRoot, MutationRoot, SubscriptionRoot)
        // Composed into the supergraph: the gateway plans subscriptions to this subgraph.
        .enable_subscription_in_federation()
        .data(service)
        .data(live)
        .finish()
}
