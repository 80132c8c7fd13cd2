//! Hot reload: the supergraph file watched and swapped in when it changes, its most used
//! operations planned before it takes traffic.

use std::{sync::Arc, time::Duration};

use super::build::engine_from_file_with;
use crate::{config::GatewayConfig, server::AppState};

/// Operations re-planned on a new supergraph before it takes traffic.
pub(crate) const WARM_OPERATIONS: usize = 100;

/// Loads the configured supergraph again and swaps it in, with the most used operations
/// planned beforehand; on any error the current one stays. Returns the plans warmed.
pub fn reload(state: &AppState, config: &GatewayConfig) -> anyhow::Result<usize> {
    let engine = engine_from_file_with(config, state.engine().metrics().clone())?;
    let warmed = engine.warm(&state.engine().top_documents(WARM_OPERATIONS));
    state.replace(engine);
    Ok(warmed)
}

/// What identifies a version of the supergraph file.
fn file_version(path: &std::path::Path) -> Option<(std::time::SystemTime, u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    let content = std::fs::read(path).ok()?;
    // FNV-1a of the content: a rewrite within the same second is still seen.
    let hash = content.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    Some((metadata.modified().ok()?, metadata.len(), hash))
}

/// Watches the supergraph file and reloads it when it changes (hot reload); no request is
/// dropped or fails during the swap.
pub fn watch_supergraph(
    state: Arc<AppState>,
    config: GatewayConfig,
) -> Option<tokio::task::JoinHandle<()>> {
    if config.supergraph_poll_ms == 0 {
        return None;
    }
    let interval = Duration::from_millis(config.supergraph_poll_ms);
    Some(tokio::spawn(async move {
        let mut seen = file_version(&config.supergraph);
        loop {
            tokio::time::sleep(interval).await;
            let now = file_version(&config.supergraph);
            if now.is_none() || now == seen {
                continue;
            }
            seen = now;
            let (state, config) = (state.clone(), config.clone());
            // Parsing and planning are CPU work: keep them off the request threads.
            match tokio::task::spawn_blocking(move || reload(&state, &config)).await {
                Ok(Ok(warmed)) => tracing::info!(warmed, "supergraph reloaded"),
                Ok(Err(error)) => {
                    tracing::error!(%error, "supergraph change not loaded; still serving the previous one")
                }
                Err(error) => tracing::error!(%error, "supergraph reload task failed"),
            }
        }
    }))
}
