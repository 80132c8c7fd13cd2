//! Request, subgraph and cache metrics in the Prometheus text format. Latencies are
//! histograms, so p50/p95/p99 can be derived (`histogram_quantile`).

use std::time::Duration;

use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, text::encode},
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

/// Every metric of the gateway; shared by the engines of successive supergraphs.
pub struct Metrics {
    registry: Registry,
    requests: Histograms<OperationLabels>,
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
        let mut operation = operation.unwrap_or("(anonymous)").to_owned();
        operation.truncate(MAX_OPERATION_LABEL);
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

    /// The Prometheus text exposition, with the plan cache size as of now.
    pub fn render(&self, cached_plans: usize) -> String {
        self.cached_plans
            .set(i64::try_from(cached_plans).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
