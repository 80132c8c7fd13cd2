//! Serving: GraphQL over HTTP on axum, GraphiQL, health.

pub mod graphiql;
mod http;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    routing::get,
};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;

pub use http::EXPOSE_PLAN_HEADER;

use crate::{
    engine::Engine,
    executor::{HttpSubgraphClient, SubgraphEndpoint},
    supergraph::Supergraph,
};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 4 << 20;

/// Arguments of `gateway serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The supergraph SDL file.
    #[arg(long, env = "GATEWAY_SUPERGRAPH", default_value = "schema.graphql")]
    pub supergraph: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,
    /// Per-subgraph request timeout, in milliseconds.
    #[arg(long, env = "GATEWAY_SUBGRAPH_TIMEOUT_MS", default_value_t = 30_000)]
    pub subgraph_timeout_ms: u64,
}

/// Shared state of the HTTP server: the engine of the current supergraph.
pub struct AppState {
    engine: RwLock<Arc<Engine>>,
}

impl AppState {
    /// State serving this engine.
    pub fn new(engine: Engine) -> Arc<Self> {
        Arc::new(Self {
            engine: RwLock::new(Arc::new(engine)),
        })
    }

    /// The engine requests use now.
    pub fn engine(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Builds an engine for a supergraph SDL, with HTTP clients for its subgraphs.
pub fn engine_from_sdl(sdl: &str, subgraph_timeout: Duration) -> anyhow::Result<Engine> {
    let supergraph = Supergraph::parse(sdl)?;
    let endpoints = supergraph
        .subgraphs
        .iter()
        .map(|s| SubgraphEndpoint {
            name: s.name.clone(),
            url: s.url.clone(),
            timeout: subgraph_timeout,
        })
        .collect();
    let client = HttpSubgraphClient::new(endpoints)?;
    Ok(Engine::new(supergraph, Arc::new(client)))
}

/// Reads and parses a supergraph file.
pub fn engine_from_file(path: &Path, subgraph_timeout: Duration) -> anyhow::Result<Engine> {
    let sdl = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read supergraph {}: {e}", path.display()))?;
    engine_from_sdl(&sdl, subgraph_timeout)
        .map_err(|e| anyhow::anyhow!("supergraph {} is not usable: {e}", path.display()))
}

async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let engine = state.engine();
    let subgraphs: Vec<_> = engine
        .supergraph()
        .subgraphs
        .iter()
        .map(|s| json!({ "name": s.name, "url": s.url }))
        .collect();
    Json(json!({ "status": "up", "subgraphs": subgraphs }))
}

/// The gateway's routes: `/graphql` (POST, GET), `/graphiql`, `/health`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/graphql", get(http::get).post(http::post))
        .route("/health", get(health))
        .with_state(state)
        .merge(graphiql::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::new())
}

/// Serves the router on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs `gateway serve`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let engine = engine_from_file(
        &args.supergraph,
        Duration::from_millis(args.subgraph_timeout_ms),
    )?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!("gateway on http://{address}/graphql, GraphiQL on http://{address}/graphiql");
    serve(listener, AppState::new(engine), shutdown_signal()).await?;
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

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests, embedded launcher) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
