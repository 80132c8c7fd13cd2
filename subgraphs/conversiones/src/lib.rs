//! Subgraph `conversiones`: the tracking-event collector, conversions and their metrics.
//!
//! `domain` holds the rules, `persistence` the SeaORM adapter, `ratelimit` the collector's
//! per-partner token bucket, `graphql` the Federation v2 adapter; this file wires them
//! into a [`subgraph_kit::subgraph::Subgraph`].
//!
//! # Configuration
//! [`Conversiones`] reads the environment each time it builds its app;
//! [`Conversiones::with_config`] takes an explicit [`Config`] instead (tests, benches).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `CONVERSIONES_RATE_LIMIT` | `100/20` | collector limit per partner: bucket capacity / tokens refilled per second |
//! | `REDIS_URL` | unset | Redis for the limiter, shared by every process using it; unset: in memory, per process |
//! | `CONVERSIONES_REDIS_PREFIX` | `alpes:conversiones:limite` | key prefix of the buckets in Redis |
//!
//! # Unknown partner and campaign ids
//! This context makes no synchronous calls to other subgraphs. It keeps projections of
//! the ids other contexts announced (`afiliados_conocidos` from `AfiliadoRegistrado.v1`,
//! marked deleted by `AfiliadoEliminado.v1`; `campanias_conocidas` from
//! `CampaniaCreada.v1`, see [`Subgraph::event_handlers`]).
//! While a projection is empty (no event received yet, e.g. before the bus runs) only the
//! id's format is checked; once it has ids, an id it does not hold, or a deleted
//! partner, is `BAD_USER_INPUT`.

pub mod application;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use conversiones_domain as domain;
pub mod graphql;
pub mod persistence;
pub mod ratelimit;

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, live::LiveEvents, messaging::EventHandler};

use crate::{
    application::ConversionService,
    application::consumers::ProyeccionIds,
    domain::LimitadorTasa,
    persistence::SeaConversionRepository,
    ratelimit::{LimitadorPorAfiliado, LimiteTasa},
};

/// Default Redis key prefix of the rate-limit buckets.
pub const DEFAULT_REDIS_PREFIX: &str = "alpes:conversiones:limite";

/// Settings of the subgraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Collector limit per partner.
    pub limite: LimiteTasa,
    /// Redis for the limiter; `None` keeps buckets in memory.
    pub redis_url: Option<String>,
    /// Key prefix of the buckets in Redis.
    pub redis_prefix: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limite: LimiteTasa::default(),
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
        }
    }
}

impl Config {
    /// Reads `CONVERSIONES_RATE_LIMIT`, `REDIS_URL` and `CONVERSIONES_REDIS_PREFIX`.
    pub fn from_env() -> Result<Self, ratelimit::LimiteInvalido> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Ok(Self {
            limite: match var("CONVERSIONES_RATE_LIMIT") {
                Some(text) => text.parse()?,
                None => LimiteTasa::default(),
            },
            redis_url: var("REDIS_URL"),
            redis_prefix: var("CONVERSIONES_REDIS_PREFIX")
                .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned()),
        })
    }

    /// The limiter these settings describe (memory if Redis's URL is malformed, logged).
    pub fn limitador(&self) -> Arc<dyn LimitadorTasa> {
        if let Some(url) = &self.redis_url {
            match LimitadorPorAfiliado::redis(url, &self.redis_prefix, self.limite) {
                Ok(limitador) => return Arc::new(limitador),
                Err(error) => tracing::error!(
                    %error,
                    "conversiones: invalid REDIS_URL, rate limiting in memory"
                ),
            }
        }
        Arc::new(LimitadorPorAfiliado::memoria(self.limite))
    }
}

/// The `conversiones` subgraph, configured from the environment.
pub struct Conversiones;

impl Conversiones {
    /// The subgraph with explicit settings.
    pub fn with_config(config: Config) -> ConversionesConfigurado {
        ConversionesConfigurado { config }
    }
}

/// The `conversiones` subgraph with explicit settings.
pub struct ConversionesConfigurado {
    config: Config,
}

/// The application service over a database and a limiter.
pub fn service(
    db: DatabaseConnection,
    limitador: Arc<dyn LimitadorTasa>,
) -> Arc<ConversionService> {
    Arc::new(ConversionService::new(
        Arc::new(SeaConversionRepository::new(db)),
        limitador,
    ))
}

fn app(config: &Config, db: DatabaseConnection, live: LiveEvents) -> Router {
    let service = service(db.clone(), config.limitador());
    subgraph_kit::server::app(
        "conversiones",
        graphql::schema(service.clone(), live.clone()),
        Arc::new(graphql::PrepararSolicitud::new(service)),
        db,
        live,
    )
}

fn sdl() -> String {
    // Resolvers never run for the SDL, so a disconnected database is enough.
    let limitador = Arc::new(LimitadorPorAfiliado::memoria(LimiteTasa::default()));
    subgraph_kit::graphql::federation_sdl(&graphql::schema(
        service(DatabaseConnection::default(), limitador),
        LiveEvents::new(),
    ))
}

async fn seed(db: &DatabaseConnection) -> Result<u64, DomainError> {
    let limitador = Arc::new(LimitadorPorAfiliado::memoria(LimiteTasa::default()));
    demo::seed(&service(db.clone(), limitador)).await
}

fn config_del_entorno() -> Config {
    Config::from_env().unwrap_or_else(|error| {
        tracing::error!(%error, "conversiones: using the default rate limit");
        Config::default()
    })
}

fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![
        Arc::new(ProyeccionIds::afiliados()),
        Arc::new(ProyeccionIds::campanias()),
    ]
}

subgraph_kit::subgraph!(
    Conversiones => |_: &Conversiones| config_del_entorno(),
    ConversionesConfigurado => |s: &ConversionesConfigurado| s.config.clone();
    {
        name: "conversiones",
        port: 4004,
        migrator: conversiones_migration::Migrator,
        seed: seed,
        app: app,
        sdl: sdl,
        handlers: handlers,
    }
);
