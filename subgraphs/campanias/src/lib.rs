//! Subgraph `campanias`: the event-sourced campaigns of Alpes Partners.
//!
//! `domain` holds the aggregate and its rules, `persistence` the event store, snapshots
//! and read projection (SeaORM), `graphql` the Federation v2 adapter, `application` the
//! use cases and the handlers of other contexts' events; this file wires them into a
//! [`subgraph_kit::subgraph::Subgraph`].

pub mod application;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use campanias_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{live::LiveEvents, messaging::EventHandler};

use crate::{
    application::{CampaniaService, consumers::GastoPorComision},
    persistence::SeaCampaniaRepository,
};

/// The `campanias` subgraph.
pub struct Campanias;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<CampaniaService> {
    Arc::new(CampaniaService::new(Arc::new(SeaCampaniaRepository::new(
        db,
    ))))
}

subgraph_kit::subgraph!(
    Campanias => |_: &Campanias| ();
    {
        name: "campanias",
        port: 4003,
        migrator: campanias_migration::Migrator,
        seed: demo::seed,
        app: app,
        sdl: sdl,
        handlers: handlers,
    }
);

fn app(_: &(), db: DatabaseConnection, live: LiveEvents) -> Router {
    let service = service(db.clone());
    subgraph_kit::server::app(
        "campanias",
        graphql::schema(service.clone()),
        Arc::new(graphql::PreparaCampanias::new(service)),
        db,
        live,
    )
}

fn sdl() -> String {
    // Resolvers never run for the SDL, so a disconnected database is enough.
    subgraph_kit::graphql::federation_sdl(&graphql::schema(service(DatabaseConnection::default())))
}

fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![Arc::new(GastoPorComision::default())]
}
