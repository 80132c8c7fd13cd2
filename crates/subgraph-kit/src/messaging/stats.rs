//! Statistics of a context's event flow, for `/health` and `/metrics`: its outbox (rows
//! waiting for the relay, how old the oldest is, how long the relay took for the last one)
//! and its inbox (events applied per consumer), computed in SQL on its own tables; and,
//! from the bus the context runs on, the stream (length, messages published and trimmed)
//! and its consumer groups (members, pending, lag, age of the oldest unacknowledged
//! message). The bus side comes through [`BusProbe`], which the `eventbus` crate
//! implements for both buses.

use std::{fmt::Write as _, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::{
    ConnectionTrait, DbErr,
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
};
use serde::Serialize;

/// What the outbox holds now.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxStats {
    /// Rows not published yet.
    pub backlog: u64,
    /// `seq` of the oldest of them.
    pub oldest_unpublished_seq: Option<i64>,
    /// How long the oldest of them has waited, in milliseconds.
    pub oldest_unpublished_age_ms: Option<u64>,
    /// `seq` of the last published row.
    pub last_published_seq: Option<i64>,
    /// When the last published row was published.
    pub last_published_at: Option<DateTime<Utc>>,
    /// How long the relay took for the last published row (written → published), in
    /// milliseconds.
    pub relay_lag_ms: Option<u64>,
}

/// What one consumer of this context applied (its inbox rows).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxStats {
    /// The consumer (its bus group).
    pub consumer: String,
    /// Events applied.
    pub applied: u64,
    /// When the last one was applied.
    pub last_applied_at: Option<DateTime<Utc>>,
}

/// The bus's stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BusStats {
    /// `in-process` or `redis`.
    pub kind: String,
    /// The stream's name.
    pub stream: String,
    /// Messages it holds now.
    pub length: u64,
    /// Messages ever added (Redis: `entries-added`, 7.0 and later).
    pub published: Option<u64>,
    /// Messages removed to keep the stream bounded (Redis: `MAXLEN ~`; in process: messages
    /// every group had acknowledged, dropped for room).
    pub trimmed: Option<u64>,
    /// Its consumer groups (every group, or those asked for).
    pub groups: Vec<GroupStats>,
}

/// One consumer group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStats {
    /// The group (a consumer's name).
    pub group: String,
    /// Members known to the bus.
    pub consumers: u64,
    /// Messages delivered and not acknowledged yet.
    pub pending: u64,
    /// Messages not delivered to the group yet (Redis: `lag`, unknown when messages the
    /// group never read were trimmed).
    pub lag: Option<u64>,
    /// How long ago the oldest message the group has not acknowledged (pending or not
    /// delivered) was published, in milliseconds; none when it is up to date.
    pub oldest_unacked_age_ms: Option<u64>,
}

/// The bus side of the statistics; the `eventbus` crate implements it for its buses.
pub trait BusProbe: Send + Sync + 'static {
    /// The stream and exactly the groups named in `groups`.
    fn stats<'a>(&'a self, groups: &'a [String]) -> BoxFuture<'a, Result<BusStats, String>>;
}

/// Where a subgraph's event statistics come from besides its database: the bus it runs on
/// and its consumer groups. The launcher attaches it to the subgraph's app
/// ([`crate::server::with_events`]); without it, `/health` shows the outbox and inbox only.
#[derive(Clone)]
pub struct EventsProbe {
    /// The bus, if the subgraph runs on one (a subgraph alone without Redis has none: its
    /// events wait in the outbox).
    pub bus: Option<Arc<dyn BusProbe>>,
    /// Its consumer groups (its handlers' `consumer()`).
    pub groups: Vec<String>,
    /// Past this age, the oldest unpublished row or a group's oldest unacknowledged
    /// message makes the statistics `degraded`.
    pub stale_after: Duration,
}

/// Default of [`EventsProbe::stale_after`]: the relay publishes within milliseconds and a
/// consumer acknowledges within its claim timeout (30 s).
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// How long gathering the statistics may take before `/health` answers without them.
pub const STATS_TIMEOUT: Duration = Duration::from_millis(1500);

impl EventsProbe {
    /// The probe of a subgraph running on `bus` (if any) with these consumer groups.
    pub fn new(bus: Option<Arc<dyn BusProbe>>, groups: Vec<String>) -> Self {
        Self {
            bus,
            groups,
            stale_after: STALE_AFTER,
        }
    }
}

/// Everything known about a subgraph's event flow now.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsReport {
    /// `up`, or `degraded` (see `notes`).
    pub status: &'static str,
    /// Why it is degraded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The outbox; none when it could not be read (see `notes`).
    pub outbox: Option<OutboxStats>,
    /// The inbox, per consumer.
    pub inbox: Vec<InboxStats>,
    /// The bus; none when the subgraph runs on none or it did not answer.
    pub bus: Option<BusStats>,
}

fn millis(d: chrono::TimeDelta) -> u64 {
    u64::try_from(d.num_milliseconds()).unwrap_or(0)
}

fn outbox_table() -> Alias {
    Alias::new("event_outbox")
}

/// The outbox's statistics, in three indexed queries (the backlog is counted on the
/// `(published_at, seq)` index; nothing scans the published history).
pub async fn outbox<C: ConnectionTrait>(conn: &C) -> Result<OutboxStats, DbErr> {
    let now = Utc::now();
    let published_at = || Expr::col(Alias::new("published_at"));
    let backlog = Query::select()
        .expr_as(Expr::col(Alias::new("seq")).count(), Alias::new("n"))
        .from(outbox_table())
        .and_where(published_at().is_null())
        .to_owned();
    let backlog: i64 = match conn.query_one(&backlog).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let columns = ["seq", "recorded_at", "ocurrido_en", "published_at"].map(Alias::new);
    let oldest = Query::select()
        .columns(columns.clone())
        .from(outbox_table())
        .and_where(published_at().is_null())
        .order_by(Alias::new("seq"), Order::Asc)
        .limit(1)
        .to_owned();
    let last = Query::select()
        .columns(columns)
        .from(outbox_table())
        .and_where(published_at().is_not_null())
        .order_by(Alias::new("seq"), Order::Desc)
        .limit(1)
        .to_owned();
    let mut stats = OutboxStats {
        backlog: u64::try_from(backlog).unwrap_or(0),
        ..OutboxStats::default()
    };
    // Rows from before `recorded_at` existed count from their event's time.
    let written = |row: &sea_orm::QueryResult| -> Result<DateTime<Utc>, DbErr> {
        match row.try_get::<Option<DateTime<Utc>>>("", "recorded_at")? {
            Some(at) => Ok(at),
            None => row.try_get("", "ocurrido_en"),
        }
    };
    if let Some(row) = conn.query_one(&oldest).await? {
        stats.oldest_unpublished_seq = Some(row.try_get("", "seq")?);
        stats.oldest_unpublished_age_ms = Some(millis(now - written(&row)?));
    }
    if let Some(row) = conn.query_one(&last).await? {
        let at: DateTime<Utc> = row.try_get("", "published_at")?;
        stats.last_published_seq = Some(row.try_get("", "seq")?);
        stats.last_published_at = Some(at);
        stats.relay_lag_ms = Some(millis(at - written(&row)?));
    }
    Ok(stats)
}

/// Events applied per consumer, from the inbox.
pub async fn inbox<C: ConnectionTrait>(conn: &C) -> Result<Vec<InboxStats>, DbErr> {
    let consumer = Alias::new("consumer");
    let select = Query::select()
        .column(consumer.clone())
        .expr_as(Expr::col(Alias::new("event_id")).count(), Alias::new("n"))
        .expr_as(
            Expr::col(Alias::new("applied_at")).max(),
            Alias::new("last"),
        )
        .from(Alias::new("event_inbox"))
        .group_by_col(consumer.clone())
        .order_by(consumer, Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    for row in conn.query_all(&select).await? {
        let applied: i64 = row.try_get("", "n")?;
        out.push(InboxStats {
            consumer: row.try_get("", "consumer")?,
            applied: u64::try_from(applied).unwrap_or(0),
            last_applied_at: row.try_get("", "last")?,
        });
    }
    Ok(out)
}

/// Gathers a subgraph's report: its database's outbox and inbox, and, with a probe, the
/// bus's stream and the probe's groups, each part bounded by [`STATS_TIMEOUT`] (a part
/// that fails or is late is left out, named in `notes`, and makes the report `degraded`).
pub async fn report<C: ConnectionTrait>(conn: &C, probe: Option<&EventsProbe>) -> EventsReport {
    async fn bounded<T, E: std::fmt::Display>(
        what: &str,
        work: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(STATS_TIMEOUT, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(format!("{what}: {error}")),
            Err(_) => Err(format!(
                "{what}: no answer within {} ms",
                STATS_TIMEOUT.as_millis()
            )),
        }
    }
    let stale_after = probe.map_or(STALE_AFTER, |p| p.stale_after);
    let bus = probe.and_then(|p| p.bus.as_ref().map(|bus| (bus, p.groups.as_slice())));
    let (outbox_result, inbox_result, bus_result) = tokio::join!(
        bounded("outbox", outbox(conn)),
        bounded("inbox", inbox(conn)),
        async {
            match bus {
                Some((bus, groups)) => Some(bounded("bus", bus.stats(groups)).await),
                None => None,
            }
        }
    );
    let mut report = EventsReport {
        status: "up",
        ..EventsReport::default()
    };
    match outbox_result {
        Ok(stats) => report.outbox = Some(stats),
        Err(note) => report.notes.push(note),
    }
    match inbox_result {
        Ok(stats) => report.inbox = stats,
        Err(note) => report.notes.push(note),
    }
    match bus_result {
        Some(Ok(stats)) => report.bus = Some(stats),
        Some(Err(note)) => report.notes.push(note),
        None => {}
    }
    let stale_ms = u64::try_from(stale_after.as_millis()).unwrap_or(u64::MAX);
    if let Some(age) = report
        .outbox
        .as_ref()
        .and_then(|o| o.oldest_unpublished_age_ms)
        .filter(|age| *age > stale_ms)
    {
        let why = if probe.is_some_and(|p| p.bus.is_none()) {
            " (no event bus: events wait in the outbox)"
        } else {
            ""
        };
        report.notes.push(format!(
            "outbox: the oldest unpublished event waits for {age} ms{why}"
        ));
    }
    if let Some(bus) = &report.bus {
        for group in &bus.groups {
            if let Some(age) = group.oldest_unacked_age_ms.filter(|age| *age > stale_ms) {
                report.notes.push(format!(
                    "bus: group {} has not acknowledged a message published {age} ms ago",
                    group.group
                ));
            }
        }
    }
    if !report.notes.is_empty() {
        report.status = "degraded";
    }
    report
}

/// Escapes a Prometheus label value.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One metric family in the Prometheus text format: `# HELP`, `# TYPE`, its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn start(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
            .collect();
        let _ = writeln!(self.out, "{name}{{{}}} {value}", labels.join(","));
    }
}

/// Metric names of the event statistics, in `/metrics` of the subgraphs and the gateway.
pub mod names {
    /// Outbox rows not published yet.
    pub const OUTBOX_BACKLOG: &str = "events_outbox_backlog";
    /// Age of the oldest unpublished outbox row.
    pub const OUTBOX_OLDEST_AGE: &str = "events_outbox_oldest_unpublished_age_seconds";
    /// Written → published, for the last published row.
    pub const RELAY_LAG: &str = "events_outbox_relay_lag_seconds";
    /// Events applied per consumer.
    pub const INBOX_APPLIED: &str = "events_inbox_applied_total";
    /// Messages in the stream.
    pub const STREAM_LENGTH: &str = "events_bus_stream_length";
    /// Messages ever added to the stream.
    pub const STREAM_PUBLISHED: &str = "events_bus_published_total";
    /// Messages trimmed from the stream.
    pub const STREAM_TRIMMED: &str = "events_bus_trimmed_total";
    /// Members of a consumer group.
    pub const GROUP_CONSUMERS: &str = "events_consumer_group_members";
    /// Pending messages of a consumer group.
    pub const GROUP_PENDING: &str = "events_consumer_group_pending";
    /// Undelivered messages of a consumer group.
    pub const GROUP_LAG: &str = "events_consumer_group_lag";
    /// Age of a group's oldest unacknowledged message.
    pub const GROUP_OLDEST_AGE: &str = "events_consumer_group_oldest_unacked_age_seconds";
    /// 1 when the statistics are `up`, 0 when `degraded`.
    pub const UP: &str = "events_up";
}

/// Reads one figure of a group (none: no sample).
type GroupValue = fn(&GroupStats) -> Option<f64>;

/// The report in the Prometheus text format (version 0.0.4), every series labelled with
/// the subgraph (and the consumer or group): label sets bounded by the deployment.
pub fn prometheus(subgraph: &str, report: &EventsReport) -> String {
    use names::*;
    let mut out = String::new();
    let mut f = Family { out: &mut out };
    let sg = [("subgraph", subgraph)];
    f.start(
        UP,
        "gauge",
        "1 when the subgraph's event flow is up, 0 when degraded",
    );
    f.sample(UP, &sg, if report.status == "up" { 1.0 } else { 0.0 });
    if let Some(outbox) = &report.outbox {
        f.start(OUTBOX_BACKLOG, "gauge", "Outbox rows not published yet");
        f.sample(OUTBOX_BACKLOG, &sg, outbox.backlog as f64);
        f.start(
            OUTBOX_OLDEST_AGE,
            "gauge",
            "How long the oldest unpublished outbox row has waited (0: none waits)",
        );
        let age = outbox.oldest_unpublished_age_ms.unwrap_or(0);
        f.sample(OUTBOX_OLDEST_AGE, &sg, age as f64 / 1000.0);
        if let Some(lag) = outbox.relay_lag_ms {
            f.start(
                RELAY_LAG,
                "gauge",
                "Written to published, for the last published outbox row",
            );
            f.sample(RELAY_LAG, &sg, lag as f64 / 1000.0);
        }
    }
    if !report.inbox.is_empty() {
        f.start(
            INBOX_APPLIED,
            "counter",
            "Events applied per consumer (inbox rows)",
        );
        for consumer in &report.inbox {
            let labels = [
                ("subgraph", subgraph),
                ("consumer", consumer.consumer.as_str()),
            ];
            f.sample(INBOX_APPLIED, &labels, consumer.applied as f64);
        }
    }
    if let Some(bus) = &report.bus {
        f.start(STREAM_LENGTH, "gauge", "Messages in the event stream");
        f.sample(STREAM_LENGTH, &sg, bus.length as f64);
        if let Some(published) = bus.published {
            f.start(
                STREAM_PUBLISHED,
                "counter",
                "Messages ever added to the event stream",
            );
            f.sample(STREAM_PUBLISHED, &sg, published as f64);
        }
        if let Some(trimmed) = bus.trimmed {
            f.start(
                STREAM_TRIMMED,
                "counter",
                "Messages trimmed from the event stream to bound it",
            );
            f.sample(STREAM_TRIMMED, &sg, trimmed as f64);
        }
        let families: [(&str, &str, GroupValue); 4] = [
            (GROUP_CONSUMERS, "Members of the consumer group", |g| {
                Some(g.consumers as f64)
            }),
            (
                GROUP_PENDING,
                "Messages delivered to the group and not acknowledged",
                |g| Some(g.pending as f64),
            ),
            (GROUP_LAG, "Messages not delivered to the group yet", |g| {
                g.lag.map(|l| l as f64)
            }),
            (
                GROUP_OLDEST_AGE,
                "Age of the oldest message the group has not acknowledged (0: none)",
                |g| Some(g.oldest_unacked_age_ms.unwrap_or(0) as f64 / 1000.0),
            ),
        ];
        for (name, help, value) in families {
            if bus.groups.iter().all(|g| value(g).is_none()) {
                continue;
            }
            f.start(name, "gauge", help);
            for group in &bus.groups {
                if let Some(v) = value(group) {
                    f.sample(
                        name,
                        &[("subgraph", subgraph), ("group", group.group.as_str())],
                        v,
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prometheus_text_labels_every_series_and_escapes_values() {
        let report = EventsReport {
            status: "degraded",
            notes: vec!["x".into()],
            outbox: Some(OutboxStats {
                backlog: 3,
                oldest_unpublished_age_ms: Some(1500),
                relay_lag_ms: Some(20),
                ..OutboxStats::default()
            }),
            inbox: vec![InboxStats {
                consumer: "ctx.uno".into(),
                applied: 7,
                last_applied_at: None,
            }],
            bus: Some(BusStats {
                kind: "redis".into(),
                stream: "s".into(),
                length: 10,
                published: Some(12),
                trimmed: Some(2),
                groups: vec![GroupStats {
                    group: "ctx.\"uno\"".into(),
                    consumers: 1,
                    pending: 1,
                    lag: None,
                    oldest_unacked_age_ms: Some(250),
                }],
            }),
        };
        let text = prometheus("ctx", &report);
        for line in [
            "events_up{subgraph=\"ctx\"} 0",
            "events_outbox_backlog{subgraph=\"ctx\"} 3",
            "events_outbox_oldest_unpublished_age_seconds{subgraph=\"ctx\"} 1.5",
            "events_outbox_relay_lag_seconds{subgraph=\"ctx\"} 0.02",
            "events_inbox_applied_total{subgraph=\"ctx\",consumer=\"ctx.uno\"} 7",
            "events_bus_trimmed_total{subgraph=\"ctx\"} 2",
            "events_consumer_group_pending{subgraph=\"ctx\",group=\"ctx.\\\"uno\\\"\"} 1",
            "events_consumer_group_oldest_unacked_age_seconds{subgraph=\"ctx\",group=\"ctx.\\\"uno\\\"\"} 0.25",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        // A group without a known lag has no lag series, and no empty family is written.
        assert!(!text.contains("events_consumer_group_lag"), "{text}");
    }
}
