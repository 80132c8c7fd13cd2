//! Subgraph `pagos`: commissions (exactly one per validated conversion) and payouts
//! (never twice), processed through a payment-gateway port, with reports switchable
//! between two versions at runtime.
//!
//! `domain` (its own crate, `pagos-domain`) holds the rules and ports, `application` the
//! service and the payout worker, `persistence` the SeaORM adapter (one module per
//! aggregate) and the event consumers, `adapters` the simulated payment provider,
//! `graphql` the Federation v2 adapter; this file wires them into a
//! [`subgraph_kit::subgraph::Subgraph`] with its payout worker.
//!
//! # Configuration
//! [`Pagos`] reads the environment each time it builds its app; [`Pagos::with_config`]
//! takes an explicit [`Config`] instead (tests, benches).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `PAGOS_PASARELA_LATENCIA_MS` | `200` | simulated provider: time per call |
//! | `PAGOS_PASARELA_FALLOS` | `10` | simulated provider: % of attempts failing transiently |
//! | `PAGOS_PASARELA_RECHAZOS` | `0` | simulated provider: % of attempts refused for good |
//! | `PAGOS_PASARELA_SEMILLA` | `42` | simulated provider: seed of its outcomes |
//! | `PAGOS_PASARELA_MONEDAS` | `USD,EUR,COP` | currencies the provider pays out in |
//! | `PAGOS_PASARELA_MANTENIMIENTO_MS` | `21600000` | simulated provider: the delay its maintenance test account asks for |
//! | `PAGOS_REPORTE_VERSION` | `v1` | report version until one is set with `cambiarVersionReporte` |
//! | `PAGOS_WORKER_INTERVALO_MS` | `500` | worker poll interval (it also wakes on each new payout) |
//! | `PAGOS_WORKER_LEASE_MS` | `30000` | how long a claim holds a payout |
//! | `PAGOS_WORKER_INTENTOS` | `5` | attempts before a payout fails for good |

pub mod adapters;
pub mod application;
pub mod demo;
/// The rules of the context: its own crate, which sees only the pure `kernel`.
pub use pagos_domain as domain;
pub mod graphql;
pub mod persistence;

use std::{
    sync::{Arc, LazyLock},
    time::Duration,
};

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::{Moneda, live::LiveEvents, messaging::EventHandler};
use tokio::{
    sync::{Notify, watch},
    task::JoinHandle,
};

use crate::{
    adapters::{OpcionesSimulador, PasarelaSimulada},
    application::consumers::{
        ComisionPorConversion, ProyeccionAfiliados, ProyeccionCampanias, ReversionPorConversion,
    },
    application::{OpcionesProcesador, PagosService, Procesador},
    domain::{PasarelaDePagos, VersionReporte},
    persistence::SeaPagosRepository,
};

/// Settings of the subgraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The simulated payment provider.
    pub pasarela: OpcionesSimulador,
    /// The payout worker.
    pub procesador: OpcionesProcesador,
    /// Report version until one is stored.
    pub version_reporte: VersionReporte,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            pasarela: OpcionesSimulador::default(),
            procesador: OpcionesProcesador::default(),
            version_reporte: VersionReporte::V1,
        }
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {mensaje}")]
pub struct ConfigInvalida {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong.
    pub mensaje: String,
}

impl Config {
    /// Reads the `PAGOS_*` variables (see the crate documentation).
    pub fn from_env() -> Result<Self, ConfigInvalida> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        fn numero<T: std::str::FromStr>(
            variable: &'static str,
            texto: Option<String>,
            defecto: T,
        ) -> Result<T, ConfigInvalida> {
            match texto {
                None => Ok(defecto),
                Some(t) => t.trim().parse().map_err(|_| ConfigInvalida {
                    variable,
                    mensaje: format!("'{t}' is not a valid number"),
                }),
            }
        }
        let defecto = Config::default();
        let porcentaje = |variable: &'static str, defecto: u8| -> Result<u8, ConfigInvalida> {
            let valor = numero(variable, var(variable), defecto)?;
            if valor > 100 {
                return Err(ConfigInvalida {
                    variable,
                    mensaje: format!("{valor} is over 100"),
                });
            }
            Ok(valor)
        };
        let ms = |variable: &'static str, defecto: Duration| -> Result<Duration, ConfigInvalida> {
            numero(
                variable,
                var(variable),
                u64::try_from(defecto.as_millis()).unwrap_or(u64::MAX),
            )
            .map(Duration::from_millis)
        };
        let monedas = match var("PAGOS_PASARELA_MONEDAS") {
            None => defecto.pasarela.monedas.clone(),
            Some(lista) => lista
                .split(',')
                .map(|m| m.parse::<Moneda>())
                .collect::<Result<_, _>>()
                .map_err(|e| ConfigInvalida {
                    variable: "PAGOS_PASARELA_MONEDAS",
                    mensaje: e.to_string(),
                })?,
        };
        let version_reporte =
            match var("PAGOS_REPORTE_VERSION") {
                None => defecto.version_reporte,
                Some(v) => VersionReporte::desde_codigo(v.trim().to_lowercase().as_str())
                    .ok_or_else(|| ConfigInvalida {
                        variable: "PAGOS_REPORTE_VERSION",
                        mensaje: format!("'{v}': use v1 or v2"),
                    })?,
            };
        Ok(Self {
            pasarela: OpcionesSimulador {
                latencia: ms("PAGOS_PASARELA_LATENCIA_MS", defecto.pasarela.latencia)?,
                tasa_fallo: porcentaje("PAGOS_PASARELA_FALLOS", defecto.pasarela.tasa_fallo)?,
                tasa_rechazo: porcentaje("PAGOS_PASARELA_RECHAZOS", defecto.pasarela.tasa_rechazo)?,
                semilla: numero(
                    "PAGOS_PASARELA_SEMILLA",
                    var("PAGOS_PASARELA_SEMILLA"),
                    defecto.pasarela.semilla,
                )?,
                monedas,
                mantenimiento: ms(
                    "PAGOS_PASARELA_MANTENIMIENTO_MS",
                    defecto.pasarela.mantenimiento,
                )?,
            },
            procesador: OpcionesProcesador {
                intervalo: ms("PAGOS_WORKER_INTERVALO_MS", defecto.procesador.intervalo)?,
                lease: ms("PAGOS_WORKER_LEASE_MS", defecto.procesador.lease)?,
                max_intentos: numero(
                    "PAGOS_WORKER_INTENTOS",
                    var("PAGOS_WORKER_INTENTOS"),
                    defecto.procesador.max_intentos,
                )?
                .max(1),
                ..defecto.procesador
            },
            version_reporte,
        })
    }
}

/// Signalled after each accepted payout, so this process's worker starts at once.
static DESPERTAR: LazyLock<Arc<Notify>> = LazyLock::new(|| Arc::new(Notify::new()));

/// The application service over a database and a payment provider.
pub fn service(
    db: DatabaseConnection,
    pasarela: Arc<dyn PasarelaDePagos>,
    version: VersionReporte,
) -> Arc<PagosService> {
    Arc::new(PagosService::new(
        Arc::new(SeaPagosRepository::new(db)),
        pasarela,
        DESPERTAR.clone(),
        version,
    ))
}

/// The `pagos` subgraph, configured from the environment.
pub struct Pagos;

impl Pagos {
    /// The subgraph with explicit settings.
    pub fn with_config(config: Config) -> PagosConfigurado {
        PagosConfigurado { config }
    }
}

/// The `pagos` subgraph with explicit settings.
pub struct PagosConfigurado {
    config: Config,
}

fn config_del_entorno() -> Config {
    Config::from_env().unwrap_or_else(|error| {
        tracing::error!(%error, "pagos: invalid setting, using the defaults");
        Config::default()
    })
}

fn app(config: &Config, db: DatabaseConnection, live: LiveEvents) -> Router {
    let pasarela = Arc::new(PasarelaSimulada::new(config.pasarela.clone()));
    let service = service(db.clone(), pasarela, config.version_reporte);
    subgraph_kit::server::app(
        "pagos",
        graphql::schema(service.clone(), live.clone()),
        Arc::new(graphql::PrepararSolicitud::new(service)),
        db,
        live,
    )
}

fn background(
    config: &Config,
    db: DatabaseConnection,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let procesador = Procesador::new(
        Arc::new(SeaPagosRepository::new(db)),
        Arc::new(PasarelaSimulada::new(config.pasarela.clone())),
        config.procesador.clone(),
    );
    vec![tokio::spawn(procesador.ejecutar(DESPERTAR.clone(), stop))]
}

fn sdl() -> String {
    // Resolvers never run for the SDL, so a disconnected database is enough.
    let pasarela = Arc::new(PasarelaSimulada::new(OpcionesSimulador::default()));
    subgraph_kit::graphql::federation_sdl(&graphql::schema(
        service(DatabaseConnection::default(), pasarela, VersionReporte::V1),
        LiveEvents::new(),
    ))
}

fn handlers() -> Vec<Arc<dyn EventHandler>> {
    vec![
        Arc::new(ComisionPorConversion),
        Arc::new(ProyeccionAfiliados),
        Arc::new(ProyeccionCampanias),
        Arc::new(ReversionPorConversion),
    ]
}

subgraph_kit::subgraph!(
    Pagos => |_: &Pagos| config_del_entorno(),
    PagosConfigurado => |s: &PagosConfigurado| s.config.clone();
    {
        name: "pagos",
        port: 4005,
        migrator: pagos_migration::Migrator,
        seed: demo::seed,
        app: app,
        sdl: sdl,
        handlers: handlers,
        background: background,
    }
);
