//! Starts a fixture set and prints `name url` lines, or writes its SDLs.
//!
//! Usage: `test-subgraphs <conformance|benchmark> [--base-port N] [--only NAME] [--sdl-dir DIR]`

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, bail};
use test_subgraphs::{Subgraph, benchmark, conformance};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let set = args.next().context("usage: test-subgraphs <conformance|benchmark> [--base-port N] [--only NAME] [--sdl-dir DIR]")?;
    let (mut base_port, mut only, mut sdl_dir) = (0_u16, None, None::<PathBuf>);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base-port" => base_port = value.parse().context("--base-port")?,
            "--only" => only = Some(value),
            "--sdl-dir" => sdl_dir = Some(value.into()),
            _ => bail!("unknown flag {flag}"),
        }
    }
    let subgraphs: Vec<Subgraph> = match set.as_str() {
        "conformance" => conformance::subgraphs(),
        "benchmark" => benchmark::subgraphs(),
        _ => bail!("unknown fixture set {set}"),
    };

    if let Some(dir) = sdl_dir {
        std::fs::create_dir_all(&dir)?;
        for subgraph in &subgraphs {
            std::fs::write(
                dir.join(format!("{}.graphql", subgraph.name())),
                subgraph.sdl(),
            )?;
        }
        return Ok(());
    }

    let mut running = Vec::new();
    // Ports follow the set's order (base, base+1, ...) so `--only` keeps each subgraph's port.
    for (offset, subgraph) in (0_u16..).zip(subgraphs) {
        if only.as_deref().is_some_and(|only| only != subgraph.name()) {
            continue;
        }
        let port = if base_port == 0 {
            0
        } else {
            base_port + offset
        };
        let started = subgraph
            .start_on(SocketAddr::from(([127, 0, 0, 1], port)))
            .await?;
        println!("{} {}", started.name(), started.url());
        running.push(started);
    }
    if running.is_empty() {
        bail!("no subgraph named {}", only.unwrap_or_default());
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
