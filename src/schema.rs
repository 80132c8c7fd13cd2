//! The checked-in supergraph (`schema.graphql`): every subgraph's SDL, taken in process,
//! composed by the gateway's composer with the contract URLs (DESIGN.md ports).

use std::path::Path;

use anyhow::{Context, Result, bail};
use gateway::compose::{SubgraphSdl, compose};
use subgraph_kit::subgraph::Subgraph;

use crate::launcher;

/// Composes the supergraph of every subgraph at its contract URL.
pub(crate) fn supergraph() -> Result<String> {
    supergraph_at(|s| format!("http://127.0.0.1:{}/graphql", s.default_port()))
}

/// Composes the supergraph of every subgraph, routed to `url(subgraph)`.
pub(crate) fn supergraph_at(url: impl Fn(&dyn Subgraph) -> String) -> Result<String> {
    let subgraphs: Vec<SubgraphSdl> = launcher::subgraphs()
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: url(s.as_ref()),
            sdl: s.sdl(),
        })
        .collect();
    Ok(compose(&subgraphs)?)
}

/// Writes the supergraph to `path`, or with `check` fails if `path` differs from it.
pub(crate) fn run(path: &Path, check: bool) -> Result<()> {
    let supergraph = supergraph()?;
    if check {
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current != supergraph {
            bail!(
                "{} is stale: run `cargo run -- schema` and commit it",
                path.display()
            );
        }
        return Ok(());
    }
    std::fs::write(path, supergraph).with_context(|| format!("cannot write {}", path.display()))
}
