//! Composition: subgraph SDLs → a Federation v2 supergraph SDL.
//! (Being built; see the gateway issue.)

/// Arguments of `gateway compose`.
#[derive(clap::Args, Debug)]
pub struct ComposeArgs {}

/// Runs `gateway compose`.
pub async fn run(_args: ComposeArgs) -> anyhow::Result<()> {
    anyhow::bail!("composition is not built yet")
}
