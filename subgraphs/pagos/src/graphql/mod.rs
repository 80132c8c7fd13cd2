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
use kernel::live::LiveEvents;

pub use carga::PrepararSolicitud;
pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

use crate::domain::PagosService;

/// The subgraph's schema type.
pub type PagosSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema over a service.
pub fn schema(service: Arc<PagosService>, live: LiveEvents) -> PagosSchema {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .enable_federation()
        // The same @requiresScopes the gateway enforces, checked again here.
        .extension(kernel::graphql::PoliticaAlcances::default())
        // Composed into the supergraph: the gateway plans subscriptions to this subgraph.
        .enable_subscription_in_federation()
        .data(service)
        .data(live)
        .finish()
}
