//! Subgraph `clientes`: the advertisers of Alpes Partners.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `graphql` the Federation v2
//! adapter; this file wires them into a [`subgraph_kit::subgraph::Subgraph`].

pub mod application;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use clientes_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, graphql::PrefetchEntities, live::LiveEvents};

use crate::{application::ClienteService, persistence::SeaClienteRepository};

/// The `clientes` subgraph.
pub struct Clientes;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<ClienteService> {
    Arc::new(ClienteService::new(Arc::new(SeaClienteRepository::new(db))))
}

subgraph_kit::subgraph!(
    Clientes => |_: &Clientes| ();
    {
        name: "clientes",
        port: 4001,
        migrator: clientes_migration::Migrator,
        seed: seed,
        app: app,
        sdl: sdl,
    }
);

async fn seed(db: &DatabaseConnection) -> Result<u64, DomainError> {
    demo::seed(&service(db.clone())).await
}

fn app(_: &(), db: DatabaseConnection, live: LiveEvents) -> Router {
    let service = service(db.clone());
    subgraph_kit::server::app(
        "clientes",
        graphql::schema(service.clone()),
        Arc::new(PrefetchEntities::new(
            graphql::ClienteBatch(service),
            "Cliente",
        )),
        db,
        live,
    )
}

fn sdl() -> String {
    // Resolvers never run for the SDL, so a disconnected database is enough.
    subgraph_kit::graphql::federation_sdl(&graphql::schema(service(DatabaseConnection::default())))
}
