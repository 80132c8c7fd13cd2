//! The Redis Streams bus of deployments.
//!
//! `XADD … MAXLEN ~ n` publishes, each consumer group reads with `XREADGROUP … >`, a
//! message is `XACK`ed only after the consumer's transaction commits, and `XAUTOCLAIM`
//! hands messages left pending longer than `claim_idle` (their member died or is stuck)
//! to the member asking.

use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use redis::{
    AsyncTypedCommands, Client,
    aio::{ConnectionManager, ConnectionManagerConfig},
    streams::{StreamAutoClaimOptions, StreamId, StreamMaxlen, StreamReadOptions},
};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::stats::{BusStats, GroupStats},
};
use tokio::time::Instant;

use crate::{
    bus::{DEFAULT_STREAM, Delivery, EventBus, Subscription},
    error::BusError,
};

/// The entry field holding the envelope as JSON.
const FIELD_EVENT: &str = "event";
/// The entry field holding `tipo` (for people reading the stream with redis-cli).
const FIELD_TIPO: &str = "tipo";

/// Settings of the Redis bus.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// The stream key.
    pub stream: String,
    /// Approximate bound of the stream length (`MAXLEN ~`); older entries are trimmed,
    /// so it must exceed the largest backlog a group may have.
    pub max_len: usize,
    /// How long a message may stay unacknowledged before `XAUTOCLAIM` takes it.
    pub claim_idle: Duration,
    /// How long `XREADGROUP` blocks.
    pub block: Duration,
    /// Timeout of publish and acknowledge commands.
    pub command_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            stream: DEFAULT_STREAM.to_owned(),
            max_len: 100_000,
            claim_idle: Duration::from_secs(30),
            block: Duration::from_secs(1),
            command_timeout: Duration::from_secs(5),
        }
    }
}

/// The Redis Streams bus; clones share the publishing connection.
#[derive(Clone)]
pub struct RedisBus {
    client: Client,
    publisher: ConnectionManager,
    options: RedisOptions,
}

impl RedisBus {
    /// Connects to `url` (`redis://host:port`).
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self, BusError> {
        let client = Client::open(url)?;
        let config =
            ConnectionManagerConfig::new().set_response_timeout(Some(options.command_timeout));
        let publisher = client.get_connection_manager_with_config(config).await?;
        Ok(Self {
            client,
            publisher,
            options,
        })
    }

    /// The stream's current length (`XLEN`).
    pub async fn stream_len(&self) -> Result<usize, BusError> {
        Ok(self.publisher.clone().xlen(&self.options.stream).await?)
    }

    /// The stream and the groups named in `groups` (none: every group): `XINFO
    /// STREAM` (length, `entries-added`; trimmed = added − length, as nothing here
    /// deletes entries), `XINFO GROUPS` (members, pending, `lag`), and for each group the
    /// id of its oldest unacknowledged message (the first of `XPENDING`, else the first
    /// entry after its last delivered one), whose time part is its publication time,
    /// against the server's `TIME`.
    pub async fn statistics(&self, groups: Option<&[String]>) -> Result<BusStats, BusError> {
        let mut conn = self.publisher.clone();
        let stream = &self.options.stream;
        let mut stats = BusStats {
            kind: "redis".to_owned(),
            stream: stream.clone(),
            ..BusStats::default()
        };
        let info = redis::cmd("XINFO")
            .arg("STREAM")
            .arg(stream)
            .query_async::<redis::Value>(&mut conn)
            .await;
        let info = match info {
            Ok(info) => reply_fields(&info),
            // No stream yet: nothing published, no group.
            Err(e) if e.to_string().contains("no such key") => {
                stats.published = Some(0);
                stats.trimmed = Some(0);
                stats.groups = groups
                    .unwrap_or_default()
                    .iter()
                    .map(|g| GroupStats {
                        group: g.clone(),
                        ..GroupStats::default()
                    })
                    .collect();
                return Ok(stats);
            }
            Err(e) => return Err(e.into()),
        };
        stats.length = number(info.get("length")).unwrap_or(0);
        stats.published = number(info.get("entries-added"));
        stats.trimmed = stats
            .published
            .map(|added| added.saturating_sub(stats.length));
        let (seconds, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await?;
        let now_ms = seconds * 1000 + micros / 1000;
        let listed: redis::Value = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(stream)
            .query_async(&mut conn)
            .await?;
        let listed: Vec<_> = match &listed {
            redis::Value::Array(items) | redis::Value::Set(items) => {
                items.iter().map(reply_fields).collect()
            }
            _ => Vec::new(),
        };
        let mut names: Vec<String> = match groups {
            None => listed.iter().filter_map(|g| text(g.get("name"))).collect(),
            Some(groups) => groups.to_vec(),
        };
        names.sort();
        names.dedup();
        for name in names {
            let Some(group) = listed
                .iter()
                .find(|g| text(g.get("name")).as_ref() == Some(&name))
            else {
                stats.groups.push(GroupStats {
                    group: name,
                    ..GroupStats::default()
                });
                continue;
            };
            let pending = number(group.get("pending")).unwrap_or(0);
            let lag = number(group.get("lag"));
            let oldest = if pending > 0 {
                // Summary form: [count, smallest id, greatest id, per-consumer counts].
                let summary: redis::Value = redis::cmd("XPENDING")
                    .arg(stream)
                    .arg(&name)
                    .query_async(&mut conn)
                    .await?;
                match summary {
                    redis::Value::Array(items) => items.get(1).and_then(|v| text(Some(v))),
                    _ => None,
                }
            } else if lag != Some(0) {
                let last = text(group.get("last-delivered-id")).unwrap_or_else(|| "0-0".into());
                let next: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(stream)
                    .arg(format!("({last}"))
                    .arg("+")
                    .arg("COUNT")
                    .arg(1)
                    .query_async(&mut conn)
                    .await?;
                next.ids.first().map(|entry| entry.id.clone())
            } else {
                None
            };
            let published_ms = |id: &str| id.split('-').next()?.parse::<u64>().ok();
            stats.groups.push(GroupStats {
                group: name,
                consumers: number(group.get("consumers")).unwrap_or(0),
                pending,
                lag,
                oldest_unacked_age_ms: oldest
                    .as_deref()
                    .and_then(published_ms)
                    .map(|at| now_ms.saturating_sub(at)),
            });
        }
        Ok(stats)
    }

    /// Deletes the stream and its groups (tests and tooling).
    pub async fn delete_stream(&self) -> Result<(), BusError> {
        self.publisher.clone().del(&self.options.stream).await?;
        Ok(())
    }

    fn fields(event: &EventEnvelope) -> Result<[(&'static str, String); 2], BusError> {
        let json = serde_json::to_string(event).map_err(|source| BusError::Encode {
            id: event.id,
            source,
        })?;
        Ok([(FIELD_TIPO, event.tipo.clone()), (FIELD_EVENT, json)])
    }
}

/// The fields of an `XINFO` reply (a RESP3 map, or RESP2's flat key-value array).
fn reply_fields(value: &redis::Value) -> std::collections::HashMap<String, redis::Value> {
    let pairs: Vec<(redis::Value, redis::Value)> = match value {
        redis::Value::Map(pairs) => pairs.clone(),
        redis::Value::Array(items) => items
            .chunks(2)
            .filter_map(|kv| Some((kv.first()?.clone(), kv.get(1)?.clone())))
            .collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((text(Some(&k))?, v)))
        .collect()
}

fn text(value: Option<&redis::Value>) -> Option<String> {
    match value? {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn number(value: Option<&redis::Value>) -> Option<u64> {
    match value? {
        redis::Value::Int(n) => u64::try_from(*n).ok(),
        other => text(Some(other))?.parse().ok(),
    }
}

#[async_trait]
impl EventBus for RedisBus {
    async fn stats(&self, groups: Option<&[String]>) -> Result<BusStats, BusError> {
        self.statistics(groups).await
    }

    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        let fields = Self::fields(event)?;
        self.publisher
            .clone()
            .xadd_maxlen(
                &self.options.stream,
                StreamMaxlen::Approx(self.options.max_len),
                "*",
                &fields,
            )
            .await?;
        Ok(())
    }

    async fn publish_all(&self, events: &[EventEnvelope]) -> Result<(), BusError> {
        // One round trip; a pipeline keeps the order of its commands.
        let mut pipe = redis::pipe();
        for event in events {
            let fields = Self::fields(event)?;
            pipe.xadd_maxlen(
                &self.options.stream,
                StreamMaxlen::Approx(self.options.max_len),
                "*",
                &fields,
            )
            .ignore();
        }
        pipe.exec_async(&mut self.publisher.clone()).await?;
        Ok(())
    }

    async fn subscribe(
        &self,
        group: &str,
        consumer: &str,
    ) -> Result<Box<dyn Subscription>, BusError> {
        // Its own connection: a blocking XREADGROUP would stall every other command
        // multiplexed on a shared one.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.options.block + self.options.command_timeout));
        let conn = self
            .client
            .get_connection_manager_with_config(config)
            .await?;
        let mut subscription = RedisSubscription {
            conn,
            options: self.options.clone(),
            group: group.to_owned(),
            consumer: consumer.to_owned(),
            own_pending_read: false,
            claim_cursor: "0-0".to_owned(),
            next_claim: Instant::now(),
        };
        subscription.ensure_group().await?;
        Ok(Box::new(subscription))
    }

    async fn tail(&self) -> Result<BoxStream<'static, EventEnvelope>, BusError> {
        // Its own connection, like a subscription: XREAD blocks.
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.options.block + self.options.command_timeout));
        let mut conn = self
            .client
            .get_connection_manager_with_config(config)
            .await?;
        // From the newest entry now, by id: re-reading with `$` after each block would
        // miss what is published between two reads.
        let newest = conn
            .xrevrange_count(&self.options.stream, "+", "-", 1)
            .await?;
        let start = newest
            .ids
            .first()
            .map_or_else(|| "0-0".to_owned(), |entry| entry.id.clone());
        let state = (
            conn,
            self.options.clone(),
            start,
            Vec::<EventEnvelope>::new(),
        );
        let events = futures::stream::unfold(
            state,
            |(mut conn, options, mut last, mut ready)| async move {
                loop {
                    if let Some(event) = ready.pop() {
                        return Some((event, (conn, options, last, ready)));
                    }
                    let read = StreamReadOptions::default()
                        .count(100)
                        .block(options.block.as_millis() as usize);
                    match conn
                        .xread_options(&[&options.stream], &[&last], &read)
                        .await
                    {
                        Ok(reply) => {
                            for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids)
                            {
                                last = entry.id.clone();
                                match entry
                                    .get::<String>(FIELD_EVENT)
                                    .map(|json| serde_json::from_str::<EventEnvelope>(&json))
                                {
                                    Some(Ok(event)) => ready.push(event),
                                    _ => {
                                        tracing::warn!(id = %entry.id, "tail: undecodable entry skipped")
                                    }
                                }
                            }
                            // Popped from the end: oldest last in, first out.
                            ready.reverse();
                        }
                        Err(error) => {
                            tracing::warn!(%error, "tail: stream read failed, retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            },
        );
        Ok(events.boxed())
    }
}

struct RedisSubscription {
    conn: ConnectionManager,
    options: RedisOptions,
    group: String,
    consumer: String,
    /// Whether this member's own pending list (left by an earlier run under the same
    /// name) was read.
    own_pending_read: bool,
    /// Where the current `XAUTOCLAIM` scan of the group's pending list continues.
    claim_cursor: String,
    next_claim: Instant,
}

impl RedisSubscription {
    /// Creates the group (and the stream) from the oldest retained entry; an existing
    /// group (`BUSYGROUP`) is fine.
    async fn ensure_group(&mut self) -> Result<(), BusError> {
        match self
            .conn
            .xgroup_create_mkstream(&self.options.stream, &self.group, "0")
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Decodes entries; undecodable ones can never succeed, so they are logged and acked.
    async fn decode(
        &mut self,
        entries: Vec<StreamId>,
        redelivered: bool,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let decoded = entry
                .get::<String>(FIELD_EVENT)
                .ok_or_else(|| "no event field (entry trimmed?)".to_owned())
                .and_then(|json| {
                    serde_json::from_str::<EventEnvelope>(&json).map_err(|e| e.to_string())
                });
            match decoded {
                Ok(event) => out.push(Delivery {
                    id: entry.id,
                    event,
                    redelivered,
                }),
                Err(reason) => {
                    tracing::error!(stream = %self.options.stream, group = %self.group,
                        id = %entry.id, %reason, "dropping an undecodable message");
                    self.ack(&entry.id).await?;
                }
            }
        }
        Ok(out)
    }

    async fn read(&mut self, id: &str, max: usize, block: bool) -> Result<Vec<StreamId>, BusError> {
        let mut options = StreamReadOptions::default()
            .group(&self.group, &self.consumer)
            .count(max);
        if block {
            options = options.block(self.options.block.as_millis() as usize);
        }
        let reply = self
            .conn
            .xread_options(&[&self.options.stream], &[id], &options)
            .await;
        let reply = match reply {
            Err(e) if e.code() == Some("NOGROUP") => {
                // The stream was deleted: recreate the group; the next call reads again.
                self.ensure_group().await?;
                return Ok(Vec::new());
            }
            other => other?,
        };
        Ok(reply
            .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
            .unwrap_or_default())
    }

    async fn claim(&mut self, max: usize) -> Result<Vec<StreamId>, BusError> {
        let reply = self
            .conn
            .xautoclaim_options(
                &self.options.stream,
                &self.group,
                &self.consumer,
                self.options.claim_idle.as_millis() as usize,
                &self.claim_cursor,
                StreamAutoClaimOptions::default().count(max),
            )
            .await;
        let reply = match reply {
            Err(e) if e.code() == Some("NOGROUP") => {
                self.ensure_group().await?;
                return Ok(Vec::new());
            }
            other => other?,
        };
        if !reply.deleted_ids.is_empty() {
            tracing::warn!(stream = %self.options.stream, group = %self.group,
                lost = reply.deleted_ids.len(),
                "pending messages were trimmed before being acknowledged (raise max_len)");
        }
        self.claim_cursor = reply.next_stream_id;
        Ok(reply.claimed)
    }
}

#[async_trait]
impl Subscription for RedisSubscription {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, BusError> {
        let max = max.max(1);
        if !self.own_pending_read {
            // Once: what stays unacknowledged afterwards comes back through XAUTOCLAIM,
            // so a failing message is not retried in a tight loop.
            self.own_pending_read = true;
            let entries = self.read("0", max, false).await?;
            if !entries.is_empty() {
                return self.decode(entries, true).await;
            }
        }
        // Scan for stale messages a few times per claim timeout, and keep scanning while
        // a scan is unfinished.
        if self.claim_cursor != "0-0" || Instant::now() >= self.next_claim {
            let claimed = self.claim(max).await?;
            if self.claim_cursor == "0-0" {
                self.next_claim = Instant::now() + (self.options.claim_idle / 4);
            }
            if !claimed.is_empty() {
                return self.decode(claimed, true).await;
            }
        }
        let entries = self.read(">", max, true).await?;
        self.decode(entries, false).await
    }

    async fn ack(&mut self, id: &str) -> Result<(), BusError> {
        self.conn
            .xack(&self.options.stream, &self.group, &[id])
            .await?;
        Ok(())
    }
}
