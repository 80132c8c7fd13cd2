//! Subgraph `afiliados`: the partners of Alpes Partners.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `graphql` the Federation v2
//! adapter; this file wires them into a [`kernel::subgraph::Subgraph`].

pub mod demo;
pub mod domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use kernel::{DomainError, db::DbSetupError, graphql::PrefetchEntities, subgraph::Subgraph};
use sea_orm::DatabaseConnection;

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
        kernel::db::migrate::<afiliados_migration::Migrator>(db, url).await
    }

    async fn seed_demo(&self, db: &DatabaseConnection) -> Result<u64, DomainError> {
        demo::seed(&service(db.clone())).await
    }

    fn app(&self, db: DatabaseConnection, _live: kernel::live::LiveEvents) -> Router {
        let service = service(db.clone());
        kernel::server::app(
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
