//! Subgraph `clientes`: the advertisers of Alpes Partners.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `graphql` the Federation v2
//! adapter; this file wires them into a [`subgraph_kit::subgraph::Subgraph`].

pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use clientes_domain as domain;
pub mod graphql;
pub mod persistence;

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, db::DbSetupError, graphql::PrefetchEntities, subgraph::Subgraph};

use crate::{domain::ClienteService, persistence::SeaClienteRepository};

/// The `clientes` subgraph.
pub struct Clientes;

/// The application service over a database.
pub fn service(db: DatabaseConnection) -> Arc<ClienteService> {
    Arc::new(ClienteService::new(Arc::new(SeaClienteRepository::new(db))))
}

#[async_trait]
impl Subgraph for Clientes {
    fn name(&self) -> &'static str {
        "clientes"
    }

    fn default_port(&self) -> u16 {
        4001
    }

    async fn migrate(&self, db: &DatabaseConnection, url: &str) -> Result<(), DbSetupError> {
        subgraph_kit::db::migrate::<clientes_migration::Migrator>(db, url).await
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
                graphql::ClienteBatch(service),
                "Cliente",
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
