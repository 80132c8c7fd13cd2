//! What a bounded context offers the launcher: one value per subgraph, started the same way.

use async_trait::async_trait;
use axum::Router;
use sea_orm::DatabaseConnection;

use crate::{db::DbSetupError, error::DomainError};

/// A subgraph the launcher can migrate, seed and serve.
#[async_trait]
pub trait Subgraph: Send + Sync + 'static {
    /// Its name (`clientes`), used for the SQLite file and logs.
    fn name(&self) -> &'static str;

    /// Its default port (DESIGN.md contracts).
    fn default_port(&self) -> u16;

    /// Applies its migrations to `db` (`url` is only for error messages).
    async fn migrate(&self, db: &DatabaseConnection, url: &str) -> Result<(), DbSetupError>;

    /// Loads the deterministic demo data if the database has none; returns rows added.
    async fn seed_demo(&self, db: &DatabaseConnection) -> Result<u64, DomainError>;

    /// Its HTTP app (`/graphql`, `/health`).
    fn app(&self, db: DatabaseConnection, live: crate::live::LiveEvents) -> Router;

    /// Its Federation v2 SDL, as `{ _service { sdl } }` returns it (no database needed).
    fn sdl(&self) -> String;

    /// Whether it writes domain events to its outbox (the launcher then runs its relay).
    fn publishes_events(&self) -> bool {
        false
    }

    /// The consumers of other contexts' events it runs, over its own database.
    fn event_handlers(&self) -> Vec<std::sync::Arc<dyn crate::messaging::EventHandler>> {
        Vec::new()
    }

    /// Background work it runs beside its HTTP app (workers), until `stop` turns true.
    fn background(
        &self,
        _db: DatabaseConnection,
        _stop: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        Vec::new()
    }
}
