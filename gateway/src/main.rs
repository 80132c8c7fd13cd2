//! The gateway binary: `gateway serve` runs a supergraph, `gateway compose` writes one.

use clap::{Parser, Subcommand};

/// The gateway allocates many small JSON nodes per request: mimalloc is markedly faster
/// at that than the system allocator (see the load bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Apollo Federation v2 gateway.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve a supergraph over GraphQL-over-HTTP, with GraphiQL.
    Serve(gateway::startup::ServeArgs),
    /// Compose a supergraph from subgraph SDL files or running subgraphs.
    Compose(gateway::compose::ComposeArgs),
    /// Validate the configuration and the supergraph without serving.
    Check(gateway::startup::CheckArgs),
    /// Print the argon2 PHC string of a password read from standard input, for
    /// `auth.users[].password_hash`.
    HashPassword,
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        match Cli::parse().command {
            // Serving starts logging itself, once its configuration says whether to export
            // spans.
            Command::Serve(args) => gateway::startup::run(args).await,
            Command::Compose(args) => {
                let _tracing = gateway::startup::init_tracing(None)?;
                gateway::compose::run(args).await
            }
            Command::Check(args) => {
                let _tracing = gateway::startup::init_tracing(None)?;
                gateway::startup::check(args)
            }
            Command::HashPassword => {
                let mut password = String::new();
                std::io::stdin().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']);
                println!("{}", gateway::auth::hash_password(password)?);
                Ok(())
            }
        }
    });
    // A request stage still working on a blocking thread (it stops at its next look at
    // its deadline) must not hold the process after the server has stopped.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}
