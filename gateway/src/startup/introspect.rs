//! Development mode: the supergraph is composed from the running subgraphs' SDL
//! (`{ _service { sdl } }`) instead of a file, and composed again whenever a subgraph's SDL
//! changes, so a restarted subgraph with a new field is served without restarting the
//! gateway. A subgraph that is down or a composition error keeps the current supergraph.

use std::{sync::Arc, time::Duration};

use anyhow::Context;

use super::{build::engine_with_metrics, reload::WARM_OPERATIONS};
use crate::server::AppState;
use crate::{
    compose::{SubgraphSdl, compose, fetch_sdl},
    config::GatewayConfig,
    engine::Engine,
    telemetry::Metrics,
};

/// Every configured subgraph's current SDL, fetched concurrently.
async fn fetch_all(
    http: &reqwest::Client,
    config: &GatewayConfig,
) -> anyhow::Result<Vec<SubgraphSdl>> {
    futures::future::try_join_all(config.introspect.subgraphs.iter().map(
        |(name, url)| async move {
            let sdl = fetch_sdl(http, url)
                .await
                .with_context(|| format!("subgraph `{name}`"))?;
            anyhow::Ok(SubgraphSdl {
                name: name.clone(),
                url: url.clone(),
                sdl,
            })
        },
    ))
    .await
}

/// The engine of the supergraph composed from the running subgraphs, and their SDLs.
pub async fn engine_from_subgraphs(
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<(Engine, Vec<SubgraphSdl>)> {
    let http = crate::compose::sdl_client(config.subgraph_secret.as_deref());
    let sdls = fetch_all(&http, config).await?;
    let supergraph = compose(&sdls).context("composing the running subgraphs")?;
    Ok((engine_with_metrics(&supergraph, config, metrics)?, sdls))
}

/// Polls the subgraphs' SDL every `introspect.poll_ms` and swaps in a new engine (plans of
/// the most used operations warmed first) when any changed.
pub fn watch_subgraphs(
    state: Arc<AppState>,
    config: GatewayConfig,
    mut current: Vec<SubgraphSdl>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = crate::compose::sdl_client(config.subgraph_secret.as_deref());
        let period = Duration::from_millis(config.introspect.poll_ms.max(10));
        loop {
            tokio::time::sleep(period).await;
            let sdls = match fetch_all(&http, &config).await {
                Ok(sdls) => sdls,
                Err(error) => {
                    tracing::debug!(%error, "subgraph SDL poll failed; keeping the supergraph");
                    continue;
                }
            };
            let same = sdls.len() == current.len()
                && sdls.iter().zip(&current).all(|(a, b)| a.sdl == b.sdl);
            if same {
                continue;
            }
            let metrics = state.engine().metrics().clone();
            let engine = compose(&sdls)
                .map_err(anyhow::Error::from)
                .and_then(|supergraph| engine_with_metrics(&supergraph, &config, metrics));
            match engine {
                Ok(engine) => {
                    let warmed = engine.warm(&state.engine().top_documents(WARM_OPERATIONS));
                    state.replace(engine);
                    tracing::info!(
                        warmed,
                        "subgraph SDL changed: supergraph recomposed and swapped"
                    );
                    current = sdls;
                }
                Err(error) => {
                    tracing::warn!(%error, "subgraph SDL changed but does not compose; keeping the supergraph");
                    // Remember it, so the same broken SDL is not recomposed every poll.
                    current = sdls;
                }
            }
        }
    })
}
