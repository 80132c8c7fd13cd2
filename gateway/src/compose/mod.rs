//! Composition: subgraph SDLs → a standard Federation v2 supergraph SDL (`join/v0.5`).
//!
//! Stages: [`subgraph`] reads each SDL and resolves its federation directive names;
//! [`merge`] merges types and fields and checks the federation rules (with [`field_set`]);
//! [`emit`] writes the `@join__*` schema, which [`Supergraph::parse`] must accept.
//! [`fetch`] gets SDLs from running subgraphs; [`cli`] is `gateway compose`.

mod cli;
mod emit;
mod error;
mod fetch;
mod field_set;
mod merge;
mod subgraph;

pub use cli::{ComposeArgs, run};
pub use error::ComposeError;
pub use fetch::{FetchError, fetch_sdl, sdl_client};

use crate::supergraph::Supergraph;

/// One subgraph's input to composition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubgraphSdl {
    /// Its name (`accounts`); becomes a `join__Graph` value (`ACCOUNTS`).
    pub name: String,
    /// Its routing URL.
    pub url: String,
    /// Its Federation SDL, as `{ _service { sdl } }` returns it.
    pub sdl: String,
}

/// Composes subgraphs into a supergraph SDL; the output is deterministic whatever the
/// input order, and always parses with [`Supergraph::parse`].
pub fn compose(subgraphs: &[SubgraphSdl]) -> Result<String, ComposeError> {
    let subgraphs = subgraph::read_all(subgraphs)?;
    let merged = merge::merge(&subgraphs)?;
    let sdl = emit::emit(&subgraphs, &merged);
    Supergraph::parse(&sdl).map_err(|e| ComposeError::Supergraph(e.to_string()))?;
    Ok(sdl)
}
