//! Subgraph `afiliados`: the partners of Alpes Partners.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `graphql` the Federation v2
//! adapter; this file wires them into a [`subgraph_kit::subgraph::Subgraph`].

pub mod application;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use afiliados_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, graphql::PrefetchEntities, live::LiveEvents};

use crate::{application::AfiliadoService, persistence::SeaAfiliadoRepository};

/// The `afiliados` subgraph.
pub struct Afiliados;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<AfiliadoService> {
    Arc::new(AfiliadoService::new(Arc::new(SeaAfiliadoRepository::new(
        db,
    ))))
}

subgraph_kit::subgraph!(
    Afiliados => |_: &Afiliados| ();
    {
        name: "afiliados",
        port: 4002,
        migrator: afiliados_migration::Migrator,
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
        "afiliados",
        graphql::schema(service.clone()),
        Arc::new(PrefetchEntities::new(
            graphql::AfiliadoBatch(service),
            "Afiliado",
        )),
        db,
        live,
    )
}

fn sdl() -> String {
    // Resolvers never run for the SDL, so a disconnected database is enough.
    subgraph_kit::graphql::federation_sdl(&graphql::schema(service(DatabaseConnection::default())))
}
