//! The Alpes Partners launcher.
//!
//! Without arguments it runs the whole platform in embedded mode (SQLite files under a
//! data folder, demo data) and prints every URL; `subgraph <name>` runs one subgraph alone
//! against `DATABASE_URL`, as the deployed topology does.

mod cache_rules;
mod launcher;
mod rest_routes;
mod schema;

use std::{net::IpAddr, path::PathBuf};

use clap::{Parser, Subcommand};

/// The gateway allocates many small JSON nodes per request: mimalloc is markedly faster
/// at that than the system allocator (see the load bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Alpes Partners GraphQL platform.
#[derive(Parser, Debug)]
#[command(version, about)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    embedded: EmbeddedArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One subgraph alone (deployed topology).
    Subgraph(SubgraphArgs),
    /// Write the supergraph of every subgraph (schema.graphql), or check it is current.
    Schema(SchemaArgs),
    /// The gateway alone (deployed topology), with the admin console: `gateway serve`'s
    /// configuration, plus this platform's REST routes and cache invalidation rules when
    /// the configuration names none.
    Gateway(gateway::startup::ServeArgs),
}

#[derive(clap::Args, Debug)]
struct SchemaArgs {
    /// The supergraph file.
    #[arg(long, default_value = "schema.graphql")]
    output: PathBuf,
    /// Fail if the file differs from the composed supergraph instead of writing it.
    #[arg(long)]
    check: bool,
}

/// Without a subcommand: every subgraph in one process on SQLite, with demo data.
#[derive(clap::Args, Debug)]
struct EmbeddedArgs {
    /// Folder of the SQLite files (created if missing).
    #[arg(long, env = "ALPES_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Address every server listens on.
    #[arg(long, env = "ALPES_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port base: subgraph N listens on base + N (clientes 4001 … pagos 4005).
    #[arg(long, env = "ALPES_BASE_PORT", default_value_t = 4000)]
    base_port: u16,
    /// Load the demo data on first start.
    #[arg(long, env = "ALPES_DEMO", default_value_t = true, action = clap::ArgAction::Set)]
    demo: bool,
    /// The credential the subgraphs demand of the gateway (at least 16 characters); drawn
    /// at random at every start when absent (set it to point another gateway at them).
    #[arg(long, env = "ALPES_GATEWAY_SECRET", hide_env_values = true)]
    gateway_secret: Option<String>,
}

#[derive(clap::Args, Debug)]
struct SubgraphArgs {
    /// Which subgraph (clientes, afiliados).
    name: String,
    /// Address to listen on (default: 127.0.0.1 and the subgraph's default port).
    #[arg(long, env = "LISTEN")]
    listen: Option<std::net::SocketAddr>,
    /// Database URL: postgres://… or sqlite://file?mode=rwc.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Pool size.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_connections: u32,
    /// Load the demo data if the database is empty.
    #[arg(long, env = "ALPES_DEMO", default_value_t = false, action = clap::ArgAction::Set)]
    demo: bool,
    /// Redis of the event bus (redis://host:port); without it events stay in the outbox.
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// The bus's Redis stream (every subgraph of a deployment names the same one).
    #[arg(long, env = "ALPES_EVENT_STREAM", default_value = eventbus::DEFAULT_STREAM)]
    event_stream: String,
    /// The gateway's shared credential (at least 16 characters, required): `/graphql`
    /// answers only requests carrying it (the gateway's `subgraph_secret`).
    #[arg(long, env = "ALPES_GATEWAY_SECRET", hide_env_values = true)]
    gateway_secret: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The gateway installs its own subscriber (it may export spans).
    if !matches!(cli.command, Some(Command::Gateway(_))) {
        subgraph_kit::server::init_tracing();
    }
    match cli.command {
        None => launcher::embedded(cli.embedded.into()).await,
        Some(Command::Subgraph(args)) => {
            launcher::single(launcher::SingleOptions {
                name: args.name,
                listen: args.listen,
                database_url: args.database_url,
                max_connections: args.max_connections,
                demo: args.demo,
                redis_url: args.redis_url,
                event_stream: args.event_stream,
                gateway_secret: args.gateway_secret,
            })
            .await
        }
        Some(Command::Schema(args)) => schema::run(&args.output, args.check),
        Some(Command::Gateway(args)) => launcher::gateway(args).await,
    }
}

impl From<EmbeddedArgs> for launcher::EmbeddedOptions {
    fn from(args: EmbeddedArgs) -> Self {
        Self {
            data_dir: args.data_dir,
            host: args.host,
            base_port: args.base_port,
            demo: args.demo,
            gateway_secret: args.gateway_secret,
        }
    }
}
