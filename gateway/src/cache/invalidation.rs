//! Invalidation rules (event type → GraphQL types) and the listener that applies them to
//! the events of a Redis stream, on every replica.

use std::{sync::Arc, time::Duration};

use redis::{
    AsyncCommands,
    streams::{StreamReadOptions, StreamReadReply},
};
use serde::{Deserialize, Serialize};

use crate::server::AppState;

/// Events that make types stale: `events = ["PagoExitoso.v1"]`, `types = ["Pago"]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct InvalidationRule {
    /// Event types (exact, or a prefix ending in `*`).
    pub events: Vec<String>,
    /// GraphQL types whose cached responses they make stale.
    pub types: Vec<String>,
}

impl InvalidationRule {
    /// Whether the rule applies to this event type.
    pub fn matches(&self, event_type: &str) -> bool {
        self.events.iter().any(|e| match e.strip_suffix('*') {
            Some(prefix) => event_type.starts_with(prefix),
            None => e == event_type,
        })
    }
}

/// Reads every new message of `stream` (no consumer group: each replica sees all) and
/// invalidates what the current engine's rules map the message's `type_field` to.
/// Reconnects after errors; runs until the task is dropped.
pub fn listen_redis_stream(
    state: Arc<AppState>,
    url: String,
    stream: String,
    type_field: String,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_id = "$".to_owned();
        loop {
            let client = match redis::Client::open(url.as_str()) {
                Ok(client) => client,
                Err(error) => {
                    tracing::error!(%error, "cache invalidation: invalid Redis URL; listener stopped");
                    return;
                }
            };
            let mut connection = match client.get_multiplexed_async_connection().await {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "cache invalidation: Redis unreachable, retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            loop {
                let options = StreamReadOptions::default().block(1000).count(500);
                let reply: Result<Option<StreamReadReply>, _> = connection
                    .xread_options(&[stream.as_str()], &[last_id.as_str()], &options)
                    .await;
                let reply = match reply {
                    Ok(reply) => reply,
                    Err(error) => {
                        tracing::warn!(%error, "cache invalidation: stream read failed, reconnecting");
                        break;
                    }
                };
                for key in reply.map(|r| r.keys).unwrap_or_default() {
                    for message in key.ids {
                        last_id = message.id.clone();
                        let event_type: Option<String> = message.get(&type_field);
                        if let (Some(event_type), Some(cache)) =
                            (event_type, state.engine().response_cache())
                        {
                            let types = cache.invalidate_event(&event_type).await;
                            if !types.is_empty() {
                                tracing::debug!(%event_type, ?types, "cached responses invalidated");
                            }
                        }
                    }
                }
            }
        }
    })
}
