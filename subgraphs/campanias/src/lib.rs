//! Subgraph `campanias`: the event-sourced campaigns of Alpes Partners.
//!
//! `domain` holds the aggregate and its rules, `persistence` the event store, snapshots
//! and read projection (SeaORM), `graphql` the Federation v2 adapter, `consumers` the
//! handlers of other contexts' events; this file wires them into a
//! [`subgraph_kit::subgraph::Subgraph`].

pub mod consumers;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use campanias_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, db::DbSetupError, messaging::EventHandler, subgraph::Subgraph};

use crate::{
    consumers::GastoPorComision, domain::CampaniaService, persistence::SeaCampaniaRepository,
};

/// The `campanias` subgraph.
pub struct Campanias;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<CampaniaService> {
    Arc::new(CampaniaService::new(Arc::new(SeaCampaniaRepository::new(
        db,
    ))))
}

#[async_trait]
impl Subgraph for Campanias {
    fn name(&self) -> &'static str {
        "campanias"
    }

    fn default_port(&self) -> u16 {
        4003
    }

    async fn migrate(&self, db: &DatabaseConnection, url: &str) -> Result<(), DbSetupError> {
        subgraph_kit::db::migrate::<campanias_migration::Migrator>(db, url).await
    }

    async fn seed_demo(&self, db: &DatabaseConnection) -> Result<u64, DomainError> {
        demo::seed(db).await
    }

    fn app(&self, db: DatabaseConnection, _live: subgraph_kit::live::LiveEvents) -> Router {
        let service = service(db.clone());
        subgraph_kit::server::app(
            self.name(),
            graphql::schema(service.clone()),
            Arc::new(graphql::PreparaCampanias::new(service)),
            db,
        )
    }

    fn sdl(&self) -> String {
        // Resolvers never run for the SDL, so a disconnected database is enough.
        graphql::schema(service(DatabaseConnection::default())).sdl_with_options(
            async_graphql::SDLExportOptions::new()
                .federation()
                .compose_directive(),
        )
    }

    fn publishes_events(&self) -> bool {
        true
    }

    fn event_handlers(&self) -> Vec<Arc<dyn EventHandler>> {
        vec![Arc::new(GastoPorComision::default())]
    }
}
