//! Runs a plan: fetches, concurrently where the plan allows, merged into one JSON tree.

use std::collections::HashSet;

use futures::{StreamExt, stream::FuturesUnordered};

use super::{
    client::{Forwarded, SubgraphClient},
    entities::send_entities,
    merge::merge_result,
    paths,
    request::{Prepared, Request, Variables, prepare},
};
use crate::json::{Map, Value};
use crate::{
    cache::{Audience, CacheHint, EntityCache},
    query_planner::{
        FetchKind, FetchNode, PlanNode, QueryPlan, Rename, ResponsePath, SubSelection,
    },
};

/// The raw result: subgraph data merged (internal fields included) and errors.
#[derive(Debug, Default)]
pub struct RawResult {
    /// Merged data, before projection.
    pub data: Value,
    /// GraphQL errors with response paths.
    pub errors: Vec<Value>,
    /// The strictest caching hint of the answers merged.
    pub hint: CacheHint,
    /// Bytes received from subgraphs.
    pub received: usize,
}

/// Entity fetches answered from this cache where possible, for this caller.
#[derive(Clone, Copy)]
pub struct EntityCaching<'a> {
    /// The cache.
    pub cache: &'a EntityCache,
    /// The caller's partitions.
    pub audience: &'a Audience,
}

/// One `_entities` selection of an entity fetch.
pub(super) struct Part<'a> {
    pub(super) alias: &'a str,
    pub(super) variable: &'a str,
    pub(super) paths: &'a [ResponsePath],
    pub(super) requires: &'a SubSelection,
    pub(super) typename_rewrite: Option<&'a str>,
    /// The entity cache's key for its selection.
    pub(super) cache_key: &'a str,
    /// Aliased fields to move back to their keys in each entity.
    pub(super) renames: &'a [Rename],
}

/// A fetch of the plan with the `Condition`s above it: `(variable, required value)`.
pub(super) struct Leaf<'a> {
    pub(super) fetch: &'a FetchNode,
    /// `None` for a root fetch.
    pub(super) parts: Option<Vec<Part<'a>>>,
    pub(super) conditions: Vec<(&'a str, bool)>,
}

pub(super) fn collect_leaves<'a>(
    node: &'a PlanNode,
    conditions: &mut Vec<(&'a str, bool)>,
    out: &mut Vec<Leaf<'a>>,
) {
    match node {
        PlanNode::Sequence { nodes } | PlanNode::Parallel { nodes } => nodes
            .iter()
            .for_each(|n| collect_leaves(n, conditions, out)),
        PlanNode::Fetch(fetch) => out.push(Leaf {
            fetch,
            parts: None,
            conditions: conditions.clone(),
        }),
        PlanNode::Flatten { paths, node } => out.push(Leaf {
            fetch: node,
            // An entity fetch without a representation has nothing to ask.
            parts: Some(
                node.requires
                    .iter()
                    .map(|requires| Part {
                        alias: "_entities",
                        variable: "representations",
                        paths,
                        requires,
                        typename_rewrite: node.typename_rewrite.as_deref(),
                        cache_key: &node.operation,
                        renames: &node.renames,
                    })
                    .collect(),
            ),
            conditions: conditions.clone(),
        }),
        PlanNode::Batch { parts, node } => out.push(Leaf {
            fetch: node,
            parts: Some(
                parts
                    .iter()
                    .map(|part| Part {
                        alias: &part.alias,
                        variable: &part.variable,
                        paths: &part.paths,
                        requires: &part.requires,
                        typename_rewrite: part.typename_rewrite.as_deref(),
                        cache_key: &part.operation,
                        renames: &part.renames,
                    })
                    .collect(),
            ),
            conditions: conditions.clone(),
        }),
        PlanNode::Condition {
            condition,
            if_clause,
            else_clause,
        } => {
            for (branch, value) in [(if_clause, true), (else_clause, false)] {
                if let Some(branch) = branch {
                    conditions.push((condition, value));
                    collect_leaves(branch, conditions, out);
                    conditions.pop();
                }
            }
        }
    }
}

/// Runs the plan against the subgraphs. Each fetch starts as soon as the fetches it
/// depends on are merged (not wave by wave), so a slow branch delays only what needs it.
/// With `caching`, entity fetches ask their subgraph only for entities not cached.
pub async fn execute(
    plan: &QueryPlan,
    client: &dyn SubgraphClient,
    variables: &Variables,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
) -> RawResult {
    execute_from(plan, client, variables, forwarded, caching, None).await
}

/// Runs the plan with the fetch `root.0` already answered with data `root.1` (a
/// subscription's event): only the fetches after it are sent. Deferred fetches run after
/// the primary ones, into the same result (one response: nothing is delivered apart).
pub async fn execute_from(
    plan: &QueryPlan,
    client: &dyn SubgraphClient,
    variables: &Variables,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
    root: Option<(usize, Value)>,
) -> RawResult {
    let mut out = RawResult {
        data: Value::Object(Map::default()),
        ..RawResult::default()
    };
    if let Some(node) = &plan.node {
        run(node, client, variables, forwarded, caching, root, &mut out).await;
    }
    for deferred in &plan.deferred {
        if let Some(node) = &deferred.node {
            run(node, client, variables, forwarded, caching, None, &mut out).await;
        }
    }
    out
}

/// The delivery a defer site's fetches belong to: the nearest site that defers, itself or
/// one it is nested in (`None`: the primary response). `active[site]` tells whether a
/// site defers in this request.
pub fn delivery_of(plan: &QueryPlan, site: usize, active: &[bool]) -> Option<usize> {
    let mut current = Some(site);
    // Parents come before the sites they hold: the walk ends within the list's length.
    for _ in 0..=plan.deferred.len() {
        let at = current?;
        if active.get(at).copied().unwrap_or(false) {
            return Some(at);
        }
        current = plan
            .deferred
            .get(at)
            .and_then(|d| d.parent.filter(|p| *p < at));
    }
    None
}

/// Runs the fetches of one delivery (`None`: the primary response; else a defer site that
/// defers) into `out`: for a site, those of the sites inside it that do not defer too.
pub async fn execute_delivery(
    plan: &QueryPlan,
    (delivery, active): (Option<usize>, &[bool]),
    client: &dyn SubgraphClient,
    variables: &Variables,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
    out: &mut RawResult,
) {
    if delivery.is_none()
        && let Some(node) = &plan.node
    {
        run(node, client, variables, forwarded, caching, None, out).await;
    }
    for deferred in &plan.deferred {
        if let Some(node) = &deferred.node
            && delivery_of(plan, deferred.id, active) == delivery
        {
            run(node, client, variables, forwarded, caching, None, out).await;
        }
    }
}

/// Runs the fetches of one plan node, merging their data into `out`.
async fn run(
    node: &PlanNode,
    client: &dyn SubgraphClient,
    variables: &Variables,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
    root: Option<(usize, Value)>,
    out: &mut RawResult,
) {
    let mut leaves = Vec::new();
    collect_leaves(node, &mut Vec::new(), &mut leaves);
    let mut done: HashSet<usize> = HashSet::new();
    let mut started = vec![false; leaves.len()];
    if let Some((id, mut data)) = root {
        for (i, leaf) in leaves.iter().enumerate() {
            if leaf.fetch.id == id {
                started[i] = true;
                if !leaf.fetch.renames.is_empty() {
                    paths::apply_renames(&mut data, &leaf.fetch.renames);
                }
            }
        }
        if data.is_object() {
            paths::merge(&mut out.data, data);
        }
        done.insert(id);
    }
    let mut prepared: Vec<Option<Prepared<'_>>> = (0..leaves.len()).map(|_| None).collect();
    let mut in_flight = FuturesUnordered::new();
    loop {
        let mut progressed = true;
        while progressed {
            progressed = false;
            for (i, leaf) in leaves.iter().enumerate() {
                if started[i] || !leaf.fetch.depends_on.iter().all(|d| done.contains(d)) {
                    continue;
                }
                started[i] = true;
                let active = leaf.conditions.iter().all(|(variable, value)| {
                    variables
                        .get(*variable)
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false)
                        == *value
                });
                let (merge, request) = if active {
                    prepare(
                        leaf.fetch,
                        leaf.parts.as_deref(),
                        &out.data,
                        variables,
                        forwarded,
                    )
                } else {
                    (Prepared::Skip, None)
                };
                let send = match request {
                    Some(Request::Body(body, deduplicate)) => {
                        Some(client.send(leaf.fetch.subgraph_index, body, deduplicate, forwarded))
                    }
                    Some(Request::Entities(vars, representations)) => Some(send_entities(
                        leaf.fetch,
                        leaf.parts.as_deref().unwrap_or_default(),
                        client,
                        vars,
                        representations,
                        forwarded,
                        caching.filter(|_| leaf.fetch.operation_kind == FetchKind::Query),
                    )),
                    None => None,
                };
                match send {
                    Some(send) => {
                        prepared[i] = Some(merge);
                        in_flight.push(async move { (i, send.await) });
                    }
                    None => {
                        // Nothing to fetch: what depends on it may start now.
                        done.insert(leaf.fetch.id);
                        progressed = true;
                    }
                }
            }
        }
        let Some((i, result)) = in_flight.next().await else {
            break;
        };
        if let Some(request) = prepared[i].take() {
            let parts = leaves[i].parts.as_deref().unwrap_or_default();
            merge_result(leaves[i].fetch, parts, request, result, out);
        }
        done.insert(leaves[i].fetch.id);
    }
}
