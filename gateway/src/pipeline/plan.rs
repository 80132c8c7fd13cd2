//! Planning: the plan of an admitted operation for the caller, from the plan cache or
//! made now. Plans are cached by normalised document, operation (only where the document
//! has several) and the progressive-override labels in force, bounded by bytes.

use std::{collections::HashSet, sync::Arc};

use apollo_compiler::{ExecutableDocument, executable::Operation};

use crate::auth::Denied;
use crate::pipeline::{
    ErrorCode, PipelineError,
    admit::{Admitted, key_name, normalise},
    memory,
};
use crate::query_planner::{QueryPlan, QueryPlanner};
use crate::{supergraph::Supergraph, telemetry::Metrics};

pub use crate::config::DEFAULT_PLAN_CACHE_BYTES;

/// A planned operation, as cached.
pub struct CachedPlan {
    /// The plan.
    pub plan: Arc<QueryPlan>,
    /// Estimated memory: the plan's JSON size twice over (its nodes hold the same
    /// strings and selections, plus pointers) and the key, as resident memory.
    bytes: u64,
}

/// Plans differ by normalised document, operation and the override labels in force.
pub type PlanKey = (Arc<str>, Option<String>, Vec<String>);

/// Weighs a plan by its estimated memory.
#[derive(Clone, Copy, Debug, Default)]
struct ByBytes;

impl quick_cache::Weighter<PlanKey, Arc<CachedPlan>> for ByBytes {
    fn weight(&self, _key: &PlanKey, plan: &Arc<CachedPlan>) -> u64 {
        plan.bytes.max(1)
    }
}

/// The planner, its cache and the override labels.
pub struct Planning {
    planner: QueryPlanner,
    plans: quick_cache::sync::Cache<PlanKey, Arc<CachedPlan>, ByBytes>,
    /// Override labels turned on by configuration.
    pub labels: HashSet<String>,
    /// `percent(N)` override labels of the supergraph, with N.
    percent_labels: Vec<(String, f64)>,
}

impl Planning {
    /// Planning for this supergraph, with a cache of at most `bytes`.
    pub fn new(supergraph: &Supergraph, bytes: u64) -> Self {
        Self {
            planner: QueryPlanner::new(supergraph),
            plans: Self::cache(bytes),
            labels: HashSet::new(),
            percent_labels: percent_labels(supergraph),
        }
    }

    fn cache(bytes: u64) -> quick_cache::sync::Cache<PlanKey, Arc<CachedPlan>, ByBytes> {
        quick_cache::sync::Cache::with_weighter(memory::ESTIMATED_ENTRIES, bytes, ByBytes)
    }

    /// Bounds the cache to `bytes` (emptying it: before serving).
    pub fn set_cache_bytes(&mut self, bytes: u64) {
        self.plans = Self::cache(bytes);
    }

    /// Plans in the cache.
    pub fn len(&self) -> usize {
        self.plans.len()
    }

    /// Whether the cache holds no plan.
    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// Estimated memory of the cached plans, in bytes.
    pub fn bytes(&self) -> u64 {
        self.plans.weight()
    }

    /// Labels for one request: the configured ones, and each `percent(N)` label with
    /// probability N%.
    pub fn active_labels(&self) -> HashSet<String> {
        let mut labels = self.labels.clone();
        for (label, percent) in &self.percent_labels {
            if rand::random::<f64>() * 100.0 < *percent {
                labels.insert(label.clone());
            }
        }
        labels
    }

    /// The cached plan of an admitted operation with nothing denied, if planned before.
    pub fn cached(
        &self,
        admitted: &Admitted,
        operation_name: Option<&str>,
        labels: &HashSet<String>,
        metrics: &Metrics,
    ) -> Option<Arc<CachedPlan>> {
        let document = &admitted.document;
        let key = plan_key(
            &document.normalised,
            key_name(&document.document, operation_name),
            labels,
        );
        let cached = self.plans.get(&key)?;
        metrics.cache("plan", true);
        Some(cached)
    }

    /// Plans an admitted operation without the fields `denied` (cached).
    pub fn plan(
        &self,
        supergraph: &Supergraph,
        admitted: &Admitted,
        (operation_name, labels): (Option<&str>, &HashSet<String>),
        denied: &Denied,
        metrics: &Metrics,
    ) -> Result<Arc<CachedPlan>, PipelineError> {
        let Admitted {
            document, prepared, ..
        } = admitted;
        if denied.is_empty() {
            return self.plan_operation(
                supergraph,
                (&document.normalised, &document.document),
                &prepared.operation,
                (operation_name, labels),
                metrics,
            );
        }
        let filtered = denied.filter(&prepared.document);
        let normalised = normalise(&filtered);
        match filtered.operations.get(operation_name) {
            Ok(operation) => self.plan_operation(
                supergraph,
                (&normalised, &filtered),
                operation,
                (operation_name, labels),
                metrics,
            ),
            Err(e) => Err(PipelineError::single(
                ErrorCode::OperationResolution,
                e.message().to_string(),
            )),
        }
    }

    /// The cached plan of one operation of a document, planned now if missing.
    pub fn plan_operation(
        &self,
        supergraph: &Supergraph,
        (normalised, document): (&Arc<str>, &ExecutableDocument),
        operation: &Operation,
        (operation_name, labels): (Option<&str>, &HashSet<String>),
        metrics: &Metrics,
    ) -> Result<Arc<CachedPlan>, PipelineError> {
        let key = plan_key(normalised, key_name(document, operation_name), labels);
        let mut planned_here = false;
        // One planning per key: requests asking for the same plan at once (on blocking
        // threads) wait for the first instead of planning again, so they share one plan
        // (identical subscriptions are shared by plan).
        let cached = self.plans.get_or_insert_with(&key, || {
            planned_here = true;
            let plan = self
                .planner
                .plan(supergraph, document, operation, labels)
                .map_err(|error| {
                    PipelineError::single(ErrorCode::QueryPlanningFailed, error.to_string())
                })?;
            let json = serde_json::to_vec(&plan).map_or(0, |v| v.len() as u64);
            Ok(Arc::new(CachedPlan {
                plan: Arc::new(plan),
                bytes: memory::resident(json * 2 + normalised.len() as u64),
            }))
        })?;
        metrics.cache("plan", !planned_here);
        Ok(cached)
    }
}

/// The plan cache's key of an operation.
fn plan_key(
    normalised: &Arc<str>,
    operation_name: Option<&str>,
    labels: &HashSet<String>,
) -> PlanKey {
    (
        normalised.clone(),
        operation_name.map(str::to_owned),
        sorted_labels(labels),
    )
}

/// Labels in a stable order (for cache keys).
pub fn sorted_labels(labels: &HashSet<String>) -> Vec<String> {
    let mut sorted: Vec<String> = labels.iter().cloned().collect();
    sorted.sort();
    sorted
}

/// The `percent(N)` progressive-override labels of a supergraph.
fn percent_labels(supergraph: &Supergraph) -> Vec<(String, f64)> {
    let mut labels: Vec<(String, f64)> = supergraph
        .field_owners
        .values()
        .flatten()
        .filter_map(|o| o.override_label.as_ref())
        .filter_map(|label| {
            let n = label.strip_prefix("percent(")?.strip_suffix(')')?;
            Some((label.clone(), n.trim().parse::<f64>().ok()?))
        })
        .collect();
    labels.sort_by(|a, b| a.0.cmp(&b.0));
    labels.dedup_by(|a, b| a.0 == b.0);
    labels
}
