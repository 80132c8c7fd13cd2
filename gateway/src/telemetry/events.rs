//! The subgraphs' event-flow statistics in the gateway's `/metrics`: each subgraph whose
//! health document carries an `events` object (outbox, inbox, bus stream, consumer
//! groups: what this platform's subgraphs report) gets the same series its own `/metrics`
//! serves, labelled by its configured name (and consumer or group), so a dashboard reads
//! either. Fields a subgraph does not report make no sample.

use std::sync::atomic::AtomicU64;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};
use serde_json::Value;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubgraphLabel {
    subgraph: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConsumerLabels {
    subgraph: String,
    consumer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupLabels {
    subgraph: String,
    group: String,
}

type Gauges<L> = Family<L, Gauge<f64, AtomicU64>>;
type Counters<L> = Family<L, Counter<f64, AtomicU64>>;

/// Most consumer groups or consumers taken from one subgraph (they come from its code,
/// but the gateway does not trust a subgraph to keep the label set small).
const MAX_GROUPS: usize = 64;

fn number(value: &Value) -> Option<f64> {
    value.as_f64().filter(|v| v.is_finite() && *v >= 0.0)
}

/// A registry holding `subgraphs`' statistics (name, `events` object).
pub(crate) fn registry(subgraphs: &[(String, Value)]) -> Registry {
    let mut registry = Registry::default();
    let up = Gauges::<SubgraphLabel>::default();
    let backlog = Gauges::<SubgraphLabel>::default();
    let oldest = Gauges::<SubgraphLabel>::default();
    let relay_lag = Gauges::<SubgraphLabel>::default();
    let applied = Counters::<ConsumerLabels>::default();
    let length = Gauges::<SubgraphLabel>::default();
    let published = Counters::<SubgraphLabel>::default();
    let trimmed = Counters::<SubgraphLabel>::default();
    let members = Gauges::<GroupLabels>::default();
    let pending = Gauges::<GroupLabels>::default();
    let lag = Gauges::<GroupLabels>::default();
    let unacked = Gauges::<GroupLabels>::default();
    for (name, events) in subgraphs {
        let sg = SubgraphLabel {
            subgraph: name.clone(),
        };
        up.get_or_create(&sg)
            .set(if events["status"] == "up" { 1.0 } else { 0.0 });
        let outbox = &events["outbox"];
        if let Some(v) = number(&outbox["backlog"]) {
            backlog.get_or_create(&sg).set(v);
            let age = number(&outbox["oldestUnpublishedAgeMs"]).unwrap_or(0.0);
            oldest.get_or_create(&sg).set(age / 1000.0);
        }
        if let Some(v) = number(&outbox["relayLagMs"]) {
            relay_lag.get_or_create(&sg).set(v / 1000.0);
        }
        for consumer in events["inbox"]
            .as_array()
            .into_iter()
            .flatten()
            .take(MAX_GROUPS)
        {
            if let (Some(c), Some(v)) =
                (consumer["consumer"].as_str(), number(&consumer["applied"]))
            {
                applied
                    .get_or_create(&ConsumerLabels {
                        subgraph: name.clone(),
                        consumer: c.to_owned(),
                    })
                    .inc_by(v);
            }
        }
        let bus = &events["bus"];
        if let Some(v) = number(&bus["length"]) {
            length.get_or_create(&sg).set(v);
        }
        if let Some(v) = number(&bus["published"]) {
            published.get_or_create(&sg).inc_by(v);
        }
        if let Some(v) = number(&bus["trimmed"]) {
            trimmed.get_or_create(&sg).inc_by(v);
        }
        for group in bus["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .take(MAX_GROUPS)
        {
            let Some(g) = group["group"].as_str() else {
                continue;
            };
            let labels = GroupLabels {
                subgraph: name.clone(),
                group: g.to_owned(),
            };
            for (family, field) in [
                (&members, "consumers"),
                (&pending, "pending"),
                (&lag, "lag"),
            ] {
                if let Some(v) = number(&group[field]) {
                    family.get_or_create(&labels).set(v);
                }
            }
            let age = number(&group["oldestUnackedAgeMs"]).unwrap_or(0.0);
            unacked.get_or_create(&labels).set(age / 1000.0);
        }
    }
    registry.register(
        "events_up",
        "1 when the subgraph's event flow is up, 0 when degraded",
        up,
    );
    registry.register(
        "events_outbox_backlog",
        "Outbox rows not published yet",
        backlog,
    );
    registry.register(
        "events_outbox_oldest_unpublished_age_seconds",
        "How long the oldest unpublished outbox row has waited (0: none waits)",
        oldest,
    );
    registry.register(
        "events_outbox_relay_lag_seconds",
        "Written to published, for the last published outbox row",
        relay_lag,
    );
    registry.register(
        "events_inbox_applied",
        "Events applied per consumer (inbox rows)",
        applied,
    );
    registry.register(
        "events_bus_stream_length",
        "Messages in the event stream",
        length,
    );
    registry.register(
        "events_bus_published",
        "Messages ever added to the event stream",
        published,
    );
    registry.register(
        "events_bus_trimmed",
        "Messages trimmed from the event stream to bound it",
        trimmed,
    );
    registry.register(
        "events_consumer_group_members",
        "Members of the consumer group",
        members,
    );
    registry.register(
        "events_consumer_group_pending",
        "Messages delivered to the group and not acknowledged",
        pending,
    );
    registry.register(
        "events_consumer_group_lag",
        "Messages not delivered to the group yet",
        lag,
    );
    registry.register(
        "events_consumer_group_oldest_unacked_age_seconds",
        "Age of the oldest message the group has not acknowledged (0: none)",
        unacked,
    );
    registry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subgraphs_events_become_labelled_series_and_odd_values_none() {
        let events = serde_json::json!({
            "status": "degraded",
            "outbox": { "backlog": 2, "oldestUnpublishedAgeMs": 1500, "relayLagMs": null },
            "inbox": [{ "consumer": "c.uno", "applied": 4 }, { "consumer": 7 }],
            "bus": { "length": 9, "published": 12, "trimmed": 3,
                     "groups": [{ "group": "c.uno", "consumers": 1, "pending": 2, "lag": null,
                                  "oldestUnackedAgeMs": 250 }, { "pending": 1 }] }
        });
        let registry = registry(&[("ctx".to_owned(), events), ("otro".to_owned(), Value::Null)]);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
        for line in [
            r#"events_up{subgraph="ctx"} 0.0"#,
            r#"events_up{subgraph="otro"} 0.0"#,
            r#"events_outbox_backlog{subgraph="ctx"} 2.0"#,
            r#"events_outbox_oldest_unpublished_age_seconds{subgraph="ctx"} 1.5"#,
            r#"events_inbox_applied_total{subgraph="ctx",consumer="c.uno"} 4.0"#,
            r#"events_bus_trimmed_total{subgraph="ctx"} 3.0"#,
            r#"events_consumer_group_pending{subgraph="ctx",group="c.uno"} 2.0"#,
            r#"events_consumer_group_oldest_unacked_age_seconds{subgraph="ctx",group="c.uno"} 0.25"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
        assert!(!text.contains("events_consumer_group_lag{"), "{text}");
        assert!(!text.contains("events_outbox_relay_lag_seconds{"), "{text}");
    }
}
