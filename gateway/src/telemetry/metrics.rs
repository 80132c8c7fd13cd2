//! Request, subgraph and cache metrics in the Prometheus text format. Latencies are
//! histograms, so p50/p95/p99 can be derived (`histogram_quantile`), by Prometheus or by
//! [`Metrics::summary`] (the old BFF's JSON metrics) from the same buckets.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use prometheus_client::{
    encoding::{
        EncodeLabelSet, EncodeLabelValue, EncodeMetric, MetricEncoder, NoLabelSet,
        text::{encode_eof, encode_registry},
    },
    metrics::{
        MetricType, TypedMetric, counter::Counter, family::Family, gauge::Gauge,
        histogram::exponential_buckets,
    },
    registry::Registry,
};
use serde_json::{Value, json};

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

impl Outcome {
    const ALL: [Self; 3] = [Self::Ok, Self::Error, Self::Rejected];
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

type Histograms<L> = Family<L, Latency, fn() -> Latency>;

/// A latency histogram in seconds, exposed as Prometheus histograms are (the same
/// buckets: 0.5 ms … ~16 s, doubling), whose buckets can also be read back for the JSON
/// percentiles; it also keeps the extremes, which bound those estimates.
#[derive(Clone, Debug)]
struct Latency(Arc<Mutex<LatencyState>>);

#[derive(Clone, Debug)]
struct LatencyState {
    sum: f64,
    count: u64,
    /// Upper bound and count of each bucket (not cumulative), `+Inf` last.
    buckets: Vec<(f64, u64)>,
    min: f64,
    max: f64,
}

impl LatencyState {
    fn empty() -> Self {
        Self {
            sum: 0.0,
            count: 0,
            buckets: exponential_buckets(0.0005, 2.0, 16)
                .chain(std::iter::once(f64::INFINITY))
                .map(|bound| (bound, 0))
                .collect(),
            min: f64::INFINITY,
            max: 0.0,
        }
    }

    /// Adds another histogram's observations (same buckets).
    fn merge(&mut self, other: &Self) {
        self.sum += other.sum;
        self.count += other.count;
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            mine.1 += theirs.1;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// The `q` quantile in seconds, interpolated in its bucket as Prometheus'
    /// `histogram_quantile` does, and kept within the smallest and largest observation.
    fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = q * self.count as f64;
        let mut below = 0u64;
        let mut lower = 0.0;
        for &(upper, n) in &self.buckets {
            if n > 0 && (below + n) as f64 >= rank {
                let upper = if upper.is_finite() { upper } else { self.max };
                let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
                return (lower + (upper - lower) * within).clamp(self.min, self.max);
            }
            below += n;
            if upper.is_finite() {
                lower = upper;
            }
        }
        self.max
    }
}

impl Latency {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(LatencyState::empty())))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LatencyState> {
        // Observations are single updates: a poisoned lock still holds consistent counts.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn observe(&self, seconds: f64) {
        let mut state = self.state();
        state.sum += seconds;
        state.count += 1;
        state.min = state.min.min(seconds);
        state.max = state.max.max(seconds);
        if let Some(bucket) = state
            .buckets
            .iter_mut()
            .find(|(upper, _)| seconds <= *upper)
        {
            bucket.1 += 1;
        }
    }

    fn snapshot(&self) -> LatencyState {
        self.state().clone()
    }
}

impl TypedMetric for Latency {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Latency {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let state = self.snapshot();
        encoder.encode_histogram::<NoLabelSet>(state.sum, state.count, &state.buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Count, errors and p50/p95/p99 in milliseconds of a set of histograms by outcome.
fn summary_of(by_outcome: &[(Outcome, LatencyState)]) -> Value {
    let mut all = LatencyState::empty();
    let (mut errors, mut rejected) = (0, 0);
    for (outcome, state) in by_outcome {
        all.merge(state);
        match outcome {
            Outcome::Error => errors += state.count,
            Outcome::Rejected => rejected += state.count,
            Outcome::Ok => {}
        }
    }
    let ms = |q: f64| (all.quantile(q) * 10_000.0).round() / 10.0;
    json!({
        "count": all.count,
        "errors": errors,
        "rejected": rejected,
        "p50": ms(0.50),
        "p95": ms(0.95),
        "p99": ms(0.99),
    })
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
            Family::new_with_constructor(Latency::new as fn() -> Latency);
        let subgraph_requests: Histograms<SubgraphLabels> =
            Family::new_with_constructor(Latency::new as fn() -> Latency);
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

    /// The old BFF's JSON metrics, from the request histograms: `count` (requests since
    /// start), `errors` (answered with errors), `rejected` (refused before running), and
    /// `p50`/`p95`/`p99` in milliseconds, over every request; then the same per operation
    /// name (`operations`, the names `/metrics` labels) and per subgraph fetched
    /// (`subgraphs`, the names given).
    pub fn summary(&self, subgraphs: &[String]) -> Value {
        let mut names: Vec<String> = {
            let seen = self
                .operation_names
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            seen.iter().cloned().collect()
        };
        names.extend(["(anonymous)".to_owned(), "other".to_owned()]);
        let mut all = Vec::new();
        let mut operations = BTreeMap::new();
        for operation in names {
            let states: Vec<(Outcome, LatencyState)> = Outcome::ALL
                .into_iter()
                .filter_map(|outcome| {
                    let labels = OperationLabels {
                        operation: operation.clone(),
                        outcome,
                    };
                    self.requests
                        .get(&labels)
                        .map(|histogram| (outcome, histogram.snapshot()))
                })
                .collect();
            if states.is_empty() {
                continue;
            }
            operations.insert(operation, summary_of(&states));
            all.extend(states);
        }
        let mut by_subgraph = BTreeMap::new();
        for subgraph in subgraphs {
            let states: Vec<(Outcome, LatencyState)> = Outcome::ALL
                .into_iter()
                .filter_map(|outcome| {
                    let labels = SubgraphLabels {
                        subgraph: subgraph.clone(),
                        outcome,
                    };
                    self.subgraph_requests
                        .get(&labels)
                        .map(|histogram| (outcome, histogram.snapshot()))
                })
                .collect();
            if !states.is_empty() {
                by_subgraph.insert(subgraph.clone(), summary_of(&states));
            }
        }
        let mut out = summary_of(&all);
        out["operations"] = json!(operations);
        out["subgraphs"] = json!(by_subgraph);
        out
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
mod tests;
