//! Serving: GraphQL over HTTP on axum, GraphiQL, health.

pub mod graphiql;

use std::{net::SocketAddr, path::PathBuf};

/// Arguments of `gateway serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The supergraph SDL file.
    #[arg(long, env = "GATEWAY_SUPERGRAPH", default_value = "schema.graphql")]
    pub supergraph: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,
}

/// Runs `gateway serve`.
pub async fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("serving is not built yet")
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
