//! Subgraph `afiliados`: the partners of Alpes Partners.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `graphql` the Federation v2
//! adapter; this file wires them into a [`subgraph_kit::subgraph::Subgraph`].

pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use afiliados_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, db::DbSetupError, graphql::PrefetchEntities, subgraph::Subgraph};

use crate::{domain::AfiliadoService, persistence::SeaAfiliadoRepository};

/// The `afiliados` subgraph.
pub struct Afiliados;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<AfiliadoService> {
    Arc::new(AfiliadoService::new(Arc::new(SeaAfiliadoRepository::new(
        db,
    ))))
}

#[async_trait]
impl Subgraph for Afiliados {
    fn name(&self) -> &'static str {
        "afiliados"
    }

    fn default_port(&self) -> u16 {
        4002
    }

    async fn migrate(&self, db: &DatabaseConnection, url: &str) -> Result<(), DbSetupError> {
        subgraph_kit::db::migrate::<afiliados_migration::Migrator>(db, url).await
    }

    async fn seed_demo(&self, db: &DatabaseConnection) -> Result<u64, DomainError> {
        demo::seed(&service(db.clone())).await
    }

    fn app(&self, db: DatabaseConnection, _live: subgraph_kit::live::LiveEvents) -> Router {
        let service = service(db.clone());
        subgraph_kit::server::app(
            self.name(),
            graphql::schema(service.clone()),
            Arc::new(PrefetchEntities::new(
                graphql::AfiliadoBatch(service),
                "Afiliado",
            )),
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
}
