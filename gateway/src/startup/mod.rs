//! Start-up wiring: the configuration read, the engine built from it, the server started
//! with its background tasks (supergraph reload or subgraph polling, cache invalidation),
//! and `gateway serve` / `gateway check`.

mod build;
mod introspect;
mod reload;

pub use build::{
    engine_from_config, engine_from_file, engine_from_sdl, engine_with_clock, engine_with_metrics,
};
pub use introspect::{engine_from_subgraphs, watch_subgraphs};
pub use reload::{reload, watch_supergraph};

use std::{path::PathBuf, sync::Arc};

use axum::Router;

use crate::{
    config::{ConfigError, GatewayConfig},
    server::{AppState, serve_with_routes},
    telemetry::Metrics,
};

/// Arguments of `gateway serve`; every setting can also come from the config file or a
/// `GATEWAY_*` variable (flags win).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// The supergraph SDL file (default `schema.graphql`).
    #[arg(long)]
    pub supergraph: Option<PathBuf>,
    /// Address to listen on (default `127.0.0.1:4000`).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

impl ServeArgs {
    /// The configuration: file and environment, then these flags.
    pub fn config(&self) -> Result<GatewayConfig, ConfigError> {
        let mut config = GatewayConfig::load(self.config.as_deref())?;
        check_rest_routes(&config)?;
        if let Some(supergraph) = &self.supergraph {
            config.supergraph = supergraph.clone();
        }
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        Ok(config)
    }
}

/// Runs `gateway serve`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    run_with(args.config()?, Router::new()).await
}

/// Runs the gateway with this configuration and the deployment's own routes until a
/// shutdown signal.
pub async fn run_with(config: GatewayConfig, extra: Router) -> anyhow::Result<()> {
    // Only now: the configuration says whether spans are exported.
    let tracing = init_tracing(Some(&config.telemetry))?;
    config.warn_ignored_env();
    let (engine, introspected) = if config.introspect.subgraphs.is_empty() {
        (engine_from_file(&config)?, None)
    } else {
        let (engine, sdls) = engine_from_subgraphs(&config, Arc::new(Metrics::new())).await?;
        (engine, Some(sdls))
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!("gateway on http://{address}/graphql, GraphiQL on http://{address}/graphiql");
    let state = AppState::configured(engine, &config);
    let invalidations = listen_for_invalidations(state.clone(), &config);
    let watcher = match introspected {
        Some(sdls) => Some(watch_subgraphs(state.clone(), config.clone(), sdls)),
        None => watch_supergraph(state.clone(), config.clone()),
    };
    serve_with_routes(listener, state, &config, extra, shutdown_signal()).await?;
    if let Some(task) = watcher {
        task.abort();
    }
    if let Some(listener) = invalidations {
        listener.abort();
    }
    // Sends the spans still buffered before the process ends.
    drop(tracing);
    Ok(())
}

/// Arguments of `gateway check`.
#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// The supergraph SDL file (default: the configured one).
    #[arg(long)]
    pub supergraph: Option<PathBuf>,
}

/// Runs `gateway check`: validates configuration and supergraph without serving.
pub fn check(args: CheckArgs) -> anyhow::Result<()> {
    let serve = ServeArgs {
        config: args.config,
        supergraph: args.supergraph,
        listen: None,
    };
    let config = serve.config()?;
    config.warn_ignored_env();
    let engine = engine_from_file(&config)?;
    println!(
        "configuration and supergraph {} are valid: {} subgraphs",
        config.supergraph.display(),
        engine.supergraph().subgraphs.len()
    );
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), and exports spans when
/// `telemetry` names an OTLP endpoint (on the current tokio runtime). Keep the guard while
/// serving: dropping it sends the spans still buffered.
pub fn init_tracing(
    telemetry: Option<&crate::config::TelemetryConfig>,
) -> Result<crate::telemetry::TracingGuard, crate::telemetry::TelemetryError> {
    use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // `RUST_LOG` filters the log lines only: exported spans have their own filter.
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let provider = match telemetry {
        Some(config) => crate::telemetry::provider(config)?,
        None => None,
    };
    let spans = provider.as_ref().map(crate::telemetry::layer);
    // A second call (tests, embedded launcher) keeps the first subscriber.
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init()
        .is_ok();
    if !installed && provider.is_some() {
        tracing::warn!("a tracing subscriber was already installed: spans are not exported");
    }
    Ok(crate::telemetry::TracingGuard::new(provider))
}

/// Checks every REST route's bindings, template and operation source (what the
/// configuration's own validation cannot tell).
pub fn check_rest_routes(config: &GatewayConfig) -> Result<(), ConfigError> {
    for route in &config.rest.routes {
        crate::server::check_rest_route(route).map_err(|problem| {
            ConfigError::setting(format!("rest.routes ({})", route.path), problem)
        })?;
    }
    Ok(())
}

/// Starts the cache invalidation listener the configuration asks for, if any.
pub fn listen_for_invalidations(
    state: Arc<AppState>,
    config: &GatewayConfig,
) -> Option<crate::cache::StreamListener> {
    let invalidation = &config.cache.invalidation;
    let stream = invalidation.redis_stream.clone()?;
    let url = invalidation
        .redis_url
        .clone()
        .or_else(|| config.cache.redis_url.clone())?;
    Some(crate::cache::listen_redis_stream(
        move || state.engine().caches().cloned(),
        url,
        stream,
        crate::cache::StreamFields {
            type_field: invalidation.type_field.clone(),
            event_field: invalidation.event_field.clone(),
        },
    ))
}
