//! The response cache around execution: a query's whole answer looked up before planning
//! and stored after a complete answer (a partial one, with a subgraph down, must not
//! outlive the outage); and a mutation makes stale, before it is answered, what it may
//! have changed, so its caller's next read sees its write.

use std::collections::HashSet;

use bytes::Bytes;

use crate::cache::{Audience, CacheHint, CacheStatus, Caches, Prepared, Query, ResponseCache};
use crate::pipeline::{
    admit::{Admitted, key_name},
    plan::sorted_labels,
};
use crate::query_planner::{FetchKind, QueryPlan};
use crate::supergraph::Supergraph;

/// A cacheable query's place in the response cache, for storing its answer.
pub struct Slot<'a> {
    cache: &'a ResponseCache,
    entry: Prepared,
}

/// The cached answer of an admitted query (`Ok`), or where to store the answer once made
/// (`Err(None)` when it is not to be cached).
pub async fn lookup<'a>(
    cache: &'a ResponseCache,
    admitted: &Admitted,
    operation_name: Option<&str>,
    labels: &HashSet<String>,
    audience: &Audience,
) -> Result<(Bytes, CacheStatus), Option<Slot<'a>>> {
    let Admitted {
        document,
        prepared,
        variables,
        ..
    } = admitted;
    let types = crate::cache::selected_types(&prepared.document, &prepared.operation);
    let labels = sorted_labels(labels);
    let query = Query {
        normalised: &document.normalised,
        operation_name: key_name(&document.document, operation_name),
        variables,
        labels: &labels,
        types: &types,
    };
    let Some(entry) = cache.prepare(&query, audience).await else {
        return Err(None);
    };
    match cache.get(&entry).await {
        Some(found) => Ok(found),
        None => Err(Some(Slot { cache, entry })),
    }
}

impl Slot<'_> {
    /// Stores a complete answer; its freshness, if kept.
    pub async fn store(self, body: &Bytes, hint: CacheHint) -> Option<CacheStatus> {
        self.cache.put(&self.entry, body, hint).await
    }
}

/// Makes stale every cached answer (responses and entities) selecting a type a mutation
/// may have changed: the types it selects, and every type the subgraphs it ran on define.
/// The domain events that follow do the same for the other replicas and for effects in
/// other subgraphs, but later: without this, a read right after a write could be answered
/// from before it.
pub async fn after_mutation(
    caches: &Caches,
    supergraph: &Supergraph,
    admitted: &Admitted,
    plan: &QueryPlan,
) {
    let graphs: HashSet<&str> = plan
        .fetches()
        .into_iter()
        .filter(|fetch| fetch.operation_kind == FetchKind::Mutation)
        .filter_map(|fetch| supergraph.subgraphs.get(fetch.subgraph_index))
        .map(|subgraph| subgraph.graph.as_str())
        .collect();
    let mut types: HashSet<String> =
        crate::cache::selected_types(&admitted.prepared.document, &admitted.prepared.operation)
            .into_iter()
            .collect();
    types.extend(
        supergraph
            .type_owners
            .iter()
            .filter(|(_, owners)| owners.iter().any(|o| graphs.contains(o.graph.as_str())))
            .map(|(name, _)| name.clone()),
    );
    let mut types: Vec<String> = types.into_iter().collect();
    types.sort();
    caches.invalidator.invalidate_types(&types).await;
}
