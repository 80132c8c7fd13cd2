//! Invalidation rules (event type → GraphQL types and entities), the generation counters
//! they bump, and the listener that applies them to the events of a Redis stream, on
//! every replica.
//!
//! Counters: `t:<Type>` (every cached answer selecting the type: responses and entities),
//! `r:<Type>` (responses only: an entity of the type changed) and `e:<Type>:<key>` (one
//! entity, keyed by the canonical JSON of its key fields).

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use redis::{
    AsyncCommands,
    streams::{StreamReadOptions, StreamReadReply},
};
use serde_json::{Map, Value};

use super::Caches;
use super::{CacheStore, canonical};
pub use crate::config::{EntityRule, InvalidationRule};
use crate::telemetry::Metrics;

/// The counter of every cached answer selecting `type_name`.
pub(crate) fn type_generation(type_name: &str) -> String {
    format!("t:{type_name}")
}

/// The counter of cached responses selecting `type_name`.
pub(crate) fn response_generation(type_name: &str) -> String {
    format!("r:{type_name}")
}

/// The counter of one entity: its type and key fields (`{"id": "…"}`).
pub(crate) fn entity_generation(type_name: &str, key: &Map<String, Value>) -> String {
    format!("e:{type_name}:{}", canonical(&Value::Object(key.clone())))
}

fn at_path<'v>(event: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(event, |value, name| value.get(name))
}

/// The types an event made stale, as live queries hear of them.
pub type StaleTypes = Arc<BTreeSet<String>>;

/// Stale-type notices a slow live query may fall behind by before it re-runs anyway.
const CHANGES_BUFFER: usize = 256;

/// Applies the rules to events: bumps the counters of what they make stale, and tells
/// live queries which types changed.
pub struct Invalidator {
    store: Arc<dyn CacheStore>,
    rules: Vec<InvalidationRule>,
    metrics: Arc<Metrics>,
    changes: tokio::sync::broadcast::Sender<StaleTypes>,
}

impl Invalidator {
    /// An invalidator of the answers cached in `store`.
    pub fn new(
        store: Arc<dyn CacheStore>,
        rules: Vec<InvalidationRule>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            rules,
            metrics,
            changes: tokio::sync::broadcast::channel(CHANGES_BUFFER).0,
        }
    }

    /// The types each later invalidation makes stale (live queries listen here).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<StaleTypes> {
        self.changes.subscribe()
    }

    /// Tells live queries; nobody listening is fine.
    fn announce(&self, types: BTreeSet<String>) {
        if !types.is_empty() {
            let _ = self.changes.send(Arc::new(types));
        }
    }

    /// The key field sets the rules name per entity type (what entity counters exist).
    pub(crate) fn entity_keys(&self) -> BTreeMap<String, Vec<Vec<String>>> {
        let mut keys: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for entity in self.rules.iter().flat_map(|r| &r.entities) {
            let fields: Vec<String> = entity.key.keys().cloned().collect();
            let sets = keys.entry(entity.type_name.clone()).or_default();
            if !sets.contains(&fields) {
                sets.push(fields);
            }
        }
        keys
    }

    /// Makes every cached answer selecting one of `types` stale.
    pub async fn invalidate_types(&self, types: &[String]) {
        let counters: Vec<String> = types.iter().map(|t| type_generation(t)).collect();
        self.bump(counters).await;
        self.announce(types.iter().cloned().collect());
    }

    /// Applies the rules matching an event (its type, and the event itself for entity
    /// rules); returns the counters bumped. An entity rule whose key is missing from the
    /// event makes its whole type stale instead.
    pub async fn invalidate_event(&self, event_type: &str, event: Option<&Value>) -> Vec<String> {
        let mut counters = BTreeSet::new();
        let mut stale = BTreeSet::new();
        for rule in self.rules.iter().filter(|rule| rule.matches(event_type)) {
            counters.extend(rule.types.iter().map(|t| type_generation(t)));
            stale.extend(rule.types.iter().cloned());
            for entity in &rule.entities {
                stale.insert(entity.type_name.clone());
                let key: Option<Map<String, Value>> = entity
                    .key
                    .iter()
                    .map(|(field, path)| {
                        let value = event.and_then(|e| at_path(e, path))?;
                        Some((field.clone(), value.clone()))
                    })
                    .collect();
                match key {
                    Some(key) => {
                        counters.insert(entity_generation(&entity.type_name, &key));
                        counters.insert(response_generation(&entity.type_name));
                    }
                    None => {
                        counters.insert(type_generation(&entity.type_name));
                    }
                }
            }
        }
        let counters: Vec<String> = counters.into_iter().collect();
        self.bump(counters.clone()).await;
        self.announce(stale);
        counters
    }

    async fn bump(&self, counters: Vec<String>) {
        if counters.is_empty() {
            return;
        }
        if let Err(error) = self.store.bump(&counters).await {
            tracing::error!(%error, ?counters, "cache invalidation failed");
        }
        self.metrics.cache_invalidation(counters.len());
    }
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

/// Where the listener finds an event in a stream entry.
#[derive(Clone, Debug)]
pub struct StreamFields {
    /// The field holding the event type.
    pub type_field: String,
    /// The field holding the event as JSON (entity rules read their keys there).
    pub event_field: String,
}

/// A running stream listener: its task, whether its read position is fixed yet, and how
/// many messages it has applied.
pub struct StreamListener {
    task: tokio::task::JoinHandle<()>,
    positioned: tokio::sync::watch::Receiver<bool>,
    applied: Arc<AtomicU64>,
}

impl StreamListener {
    /// Resolves once the listener reads from a fixed position: no message added after
    /// this is missed, even across reconnects (returns early if the listener stopped).
    pub async fn ready(&self) {
        let mut positioned = self.positioned.clone();
        let _ = positioned.wait_for(|fixed| *fixed).await;
    }

    /// Messages read and applied so far (those no rule names included).
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }

    /// Stops the listener.
    pub fn abort(&self) {
        self.task.abort();
    }
}

/// Reads every new message of `stream` (no consumer group: each replica sees all) and
/// invalidates what the rules of the caches in use (`current`: they change with the
/// engine on a reload) map the message to. Reconnects after errors, resuming after the
/// last message it read; runs until aborted.
pub fn listen_redis_stream(
    current: impl Fn() -> Option<Arc<Caches>> + Send + 'static,
    url: String,
    stream: String,
    fields: StreamFields,
) -> StreamListener {
    let (positioned_tx, positioned) = tokio::sync::watch::channel(false);
    let applied = Arc::new(AtomicU64::new(0));
    let counter = applied.clone();
    let task = tokio::spawn(async move {
        // Fixed on the first connection: the stream's last id, so that a reconnect resumes
        // where reading started instead of skipping what came meanwhile (`$` would).
        let mut last_id: Option<String> = None;
        loop {
            let client = match redis::Client::open(url.as_str()) {
                Ok(client) => client,
                Err(error) => {
                    tracing::error!(%error, "cache invalidation: invalid Redis URL; listener stopped");
                    return;
                }
            };
            // XREAD blocks for a second: the reply may take that long, plus the network.
            let config = redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(Duration::from_secs(6)));
            let connected = client
                .get_multiplexed_async_connection_with_config(&config)
                .await;
            let mut connection = match connected {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "cache invalidation: Redis unreachable, retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut from = match last_id.take() {
                Some(id) => id,
                None => match stream_end(&mut connection, &stream).await {
                    Ok(id) => id,
                    Err(error) => {
                        tracing::warn!(%error, "cache invalidation: stream position unknown, retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
            };
            positioned_tx.send_replace(true);
            loop {
                let options = StreamReadOptions::default().block(1000).count(500);
                let reply: Result<Option<StreamReadReply>, _> = connection
                    .xread_options(&[stream.as_str()], &[from.as_str()], &options)
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
                        from = message.id.clone();
                        apply(current(), &fields, &message).await;
                        counter.fetch_add(1, Ordering::AcqRel);
                    }
                }
            }
            last_id = Some(from);
        }
    });
    StreamListener {
        task,
        positioned,
        applied,
    }
}

/// The id of the stream's last message (`0-0` when it has none or does not exist yet).
async fn stream_end(
    connection: &mut redis::aio::MultiplexedConnection,
    stream: &str,
) -> redis::RedisResult<String> {
    let last: redis::streams::StreamRangeReply =
        connection.xrevrange_count(stream, "+", "-", 1).await?;
    Ok(last
        .ids
        .into_iter()
        .next()
        .map_or_else(|| "0-0".to_owned(), |message| message.id))
}

/// Invalidates what the rules of the caches in use map one stream message to.
async fn apply(
    current: Option<Arc<Caches>>,
    fields: &StreamFields,
    message: &redis::streams::StreamId,
) {
    let event_type: Option<String> = message.get(&fields.type_field);
    let event: Option<Value> = message
        .get::<String>(&fields.event_field)
        .and_then(|json| serde_json::from_str(&json).ok());
    if let (Some(event_type), Some(caches)) = (event_type, current) {
        let counters = caches
            .invalidator
            .invalidate_event(&event_type, event.as_ref())
            .await;
        if !counters.is_empty() {
            tracing::debug!(%event_type, ?counters, "cached answers invalidated");
        }
    }
}
