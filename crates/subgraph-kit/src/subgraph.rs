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

/// What the [`subgraph!`](crate::subgraph!) declarations expand to; not for direct use.
#[doc(hidden)]
pub mod __private {
    pub use async_trait::async_trait;
    pub use axum::Router;
    pub use sea_orm::DatabaseConnection;
    pub use tokio::{sync::watch::Receiver, task::JoinHandle};
}

/// Declares a context's [`Subgraph`] from what tells it apart: its name, port, migrations
/// and the functions that seed, serve and describe it; every context publishes domain
/// events. Each type listed before the `;` gets the same declaration, with `config`
/// turning the value into the settings `app` (and `background`) take, so a context
/// configured from the environment and one given explicit settings share one spec.
///
/// ```ignore
/// subgraph_kit::subgraph!(
///     Pagos => |_: &Pagos| config_del_entorno(),
///     PagosConfigurado => |s: &PagosConfigurado| s.config.clone();
///     {
///         name: "pagos",
///         port: 4005,
///         migrator: pagos_migration::Migrator,
///         seed: demo::seed,
///         app: app,
///         sdl: sdl,
///         handlers: handlers,
///         background: background,
///     }
/// );
/// ```
#[macro_export]
macro_rules! subgraph {
    (@one $t:ty, $config:expr, {
        name: $name:literal,
        port: $port:literal,
        migrator: $migrator:path,
        seed: $seed:path,
        app: $app:path,
        sdl: $sdl:path
        $(, handlers: $handlers:path)?
        $(, background: $background:path)?
        $(,)?
    }) => {
        #[$crate::subgraph::__private::async_trait]
        impl $crate::subgraph::Subgraph for $t {
            fn name(&self) -> &'static str {
                $name
            }

            fn default_port(&self) -> u16 {
                $port
            }

            async fn migrate(
                &self,
                db: &$crate::subgraph::__private::DatabaseConnection,
                url: &str,
            ) -> Result<(), $crate::db::DbSetupError> {
                $crate::db::migrate::<$migrator>(db, url).await
            }

            async fn seed_demo(
                &self,
                db: &$crate::subgraph::__private::DatabaseConnection,
            ) -> Result<u64, $crate::DomainError> {
                $seed(db).await
            }

            fn app(
                &self,
                db: $crate::subgraph::__private::DatabaseConnection,
                live: $crate::live::LiveEvents,
            ) -> $crate::subgraph::__private::Router {
                #[allow(clippy::redundant_closure_call)]
                let config = ($config)(self);
                $app(&config, db, live)
            }

            fn sdl(&self) -> String {
                $sdl()
            }

            fn publishes_events(&self) -> bool {
                true
            }

            $(
                fn event_handlers(
                    &self,
                ) -> Vec<std::sync::Arc<dyn $crate::messaging::EventHandler>> {
                    $handlers()
                }
            )?

            $(
                fn background(
                    &self,
                    db: $crate::subgraph::__private::DatabaseConnection,
                    stop: $crate::subgraph::__private::Receiver<bool>,
                ) -> Vec<$crate::subgraph::__private::JoinHandle<()>> {
                    #[allow(clippy::redundant_closure_call)]
                    let config = ($config)(self);
                    $background(&config, db, stop)
                }
            )?
        }
    };
    ($($t:ty => $config:expr),+ $(,)?; $spec:tt) => {
        $($crate::subgraph!(@one $t, $config, $spec);)+
    };
}
