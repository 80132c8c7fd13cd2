//! Request, subgraph and cache metrics in the Prometheus text format. Latencies are
//! histograms, so p50/p95/p99 can be derived (`histogram_quantile`).

use std::time::Duration;

use prometheus_client::{
    encoding::{
        EncodeLabelSet, EncodeLabelValue,
        text::{encode_eof, encode_registry},
    },
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// How a request or subgraph fetch ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Outcome {
    /// Data without errors.
    Ok,
    /// Data with errors (partial), or a failed subgraph fetch.
    Error,
    /// Refused before execution (bad request, limits, …).
    Rejected,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubgraphLabels {
    subgraph: String,
    outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Longest operation name kept as a label (names come from clients).
const MAX_OPERATION_LABEL: usize = 64;

/// Most distinct operation names given their own series: names come from clients, so the
/// ones past this bound (and any that is not a GraphQL name) are all counted as `other`.
pub(crate) const MAX_OPERATION_LABELS: usize = 200;

/// The operation names labelled so far.
#[derive(Default)]
struct OperationNames(std::sync::Mutex<std::collections::HashSet<String>>);

impl OperationNames {
    /// The label of an operation name: itself while the bound allows, else `other`.
    fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "(anonymous)".to_owned();
        };
        let graphql_name = name.len() <= MAX_OPERATION_LABEL
            && name.bytes().enumerate().all(|(i, b)| {
                b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit())
            });
        if !graphql_name || name.is_empty() {
            return "other".to_owned();
        }
        let mut seen = match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if seen.contains(name)
            || (seen.len() < MAX_OPERATION_LABELS && seen.insert(name.to_owned()))
        {
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }
}

/// Every metric of the gateway; shared by the engines of successive supergraphs.
pub struct Metrics {
    registry: Registry,
    requests: Histograms<OperationLabels>,
    operation_names: OperationNames,
    subgraph_requests: Histograms<SubgraphLabels>,
    cache_hits: Family<CacheLabels, Counter>,
    cache_misses: Family<CacheLabels, Counter>,
    cache_invalidations: Counter,
    cached_plans: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gateway");
        let requests: Histograms<OperationLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let subgraph_requests: Histograms<SubgraphLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let cache_hits = Family::<CacheLabels, Counter>::default();
        let cache_misses = Family::<CacheLabels, Counter>::default();
        let cached_plans = Gauge::default();
        let cache_invalidations = Counter::default();
        registry.register(
            "cache_invalidations",
            "Generation counters (types, entities) bumped by events in the response and entity caches",
            cache_invalidations.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "GraphQL requests by operation name and outcome (count and latency)",
            requests.clone(),
        );
        registry.register(
            "subgraph_request_duration_seconds",
            "Subgraph fetches by subgraph and outcome (count and latency)",
            subgraph_requests.clone(),
        );
        registry.register(
            "cache_hits",
            "Cache hits by cache (document, plan, persisted_query, response, entity)",
            cache_hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Cache misses by cache",
            cache_misses.clone(),
        );
        registry.register(
            "cached_plans",
            "Query plans in the plan cache",
            cached_plans.clone(),
        );
        Self {
            registry,
            requests,
            operation_names: OperationNames::default(),
            subgraph_requests,
            cache_hits,
            cache_misses,
            cache_invalidations,
            cached_plans,
        }
    }

    /// Records generation counters bumped by an event.
    pub fn cache_invalidation(&self, counters: usize) {
        self.cache_invalidations.inc_by(counters as u64);
    }

    /// Records one GraphQL request.
    pub fn request(&self, operation: Option<&str>, outcome: Outcome, took: Duration) {
        let operation = self.operation_names.label(operation);
        self.requests
            .get_or_create(&OperationLabels { operation, outcome })
            .observe(took.as_secs_f64());
    }

    /// Records one subgraph fetch.
    pub fn subgraph_request(&self, subgraph: &str, outcome: Outcome, took: Duration) {
        self.subgraph_requests
            .get_or_create(&SubgraphLabels {
                subgraph: subgraph.to_owned(),
                outcome,
            })
            .observe(took.as_secs_f64());
    }

    /// Records a cache lookup.
    pub fn cache(&self, cache: &'static str, hit: bool) {
        let family = if hit {
            &self.cache_hits
        } else {
            &self.cache_misses
        };
        family.get_or_create(&CacheLabels { cache }).inc();
    }

    /// Hits and misses of a cache (`document`, `plan`, `persisted_query`, `response`,
    /// `entity`) since start.
    pub fn cache_counts(&self, cache: &'static str) -> (u64, u64) {
        let labels = CacheLabels { cache };
        let count = |family: &Family<CacheLabels, Counter>| {
            family.get(&labels).map_or(0, |counter| counter.get())
        };
        (count(&self.cache_hits), count(&self.cache_misses))
    }

    /// The Prometheus text exposition, with the plan cache size as of now.
    pub fn render(&self, cached_plans: usize) -> String {
        self.render_with(cached_plans, None)
    }

    /// [`Metrics::render`] followed by the metrics of `extra` (series gathered for this
    /// exposition: the subgraphs' event flow).
    pub fn render_with(&self, cached_plans: usize, extra: Option<&Registry>) -> String {
        self.cached_plans
            .set(i64::try_from(cached_plans).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut out, &self.registry);
        if let Some(extra) = extra {
            let _ = encode_registry(&mut out, extra);
        }
        let _ = encode_eof(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(metrics: &Metrics) -> Vec<String> {
        let mut names: Vec<String> = metrics
            .render(0)
            .lines()
            .filter(|l| l.starts_with("gateway_request_duration_seconds_count"))
            .filter_map(|l| {
                l.split("operation=\"")
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn operation_names_from_clients_make_a_bounded_number_of_series() {
        let metrics = Metrics::new();
        for i in 0..MAX_OPERATION_LABELS + 50 {
            metrics.request(Some(&format!("Op{i}")), Outcome::Ok, Duration::ZERO);
        }
        // Names already labelled keep their series.
        metrics.request(Some("Op0"), Outcome::Ok, Duration::ZERO);
        for odd in ["", "é", "1abc", "a b", &"x".repeat(MAX_OPERATION_LABEL + 1)] {
            metrics.request(Some(odd), Outcome::Rejected, Duration::ZERO);
        }
        metrics.request(None, Outcome::Ok, Duration::ZERO);
        let names = series(&metrics);
        assert_eq!(names.len(), MAX_OPERATION_LABELS + 2, "{names:?}");
        assert!(names.contains(&"Op0".to_owned()));
        assert!(names.contains(&"other".to_owned()));
        assert!(names.contains(&"(anonymous)".to_owned()));
        assert!(!names.contains(&format!("Op{}", MAX_OPERATION_LABELS)));
    }
}
