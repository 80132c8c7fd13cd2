//! Runs a plan: fetches, concurrently where the plan allows, merged into one JSON tree.

use std::{collections::HashMap, sync::Arc};

use std::collections::HashSet;

use bytes::Bytes;
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::FuturesUnordered};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{
    client::{FetchError, Fetched, Forwarded, SubgraphClient, SubgraphResponse},
    paths::{self, Segment},
    representation,
};
use crate::{
    cache::{Audience, CacheHint, EntityCache},
    query_planner::{FetchKind, FetchNode, PlanNode, QueryPlan, ResponsePath},
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
}

/// Entity fetches answered from this cache where possible, for this caller.
#[derive(Clone, Copy)]
pub struct EntityCaching<'a> {
    /// The cache.
    pub cache: &'a EntityCache,
    /// The caller's partitions.
    pub audience: &'a Audience,
}

/// How to merge a fetch's answer.
enum Prepared {
    Root,
    Entities {
        /// For each object location, the index of its representation.
        targets: Vec<(Vec<Segment>, usize)>,
    },
    /// Nothing to fetch (no objects at the paths).
    Skip,
}

/// What to send for a fetch.
enum Request {
    /// A body as is, and whether identical in-flight requests may share it.
    Body(Bytes, bool),
    /// An `_entities` fetch: the variables besides `representations`, and those.
    Entities(Map<String, Value>, Vec<Value>),
}

/// The JSON body of a subgraph request, serialised without copying the document.
#[derive(Serialize)]
struct Body<'a> {
    query: &'a str,
    variables: Map<String, Value>,
}

fn body(fetch: &FetchNode, variables: Map<String, Value>) -> Bytes {
    let body = Body {
        query: &fetch.operation,
        variables,
    };
    // Serialising a map of JSON values cannot fail.
    serde_json::to_vec(&body).unwrap_or_default().into()
}

fn forwarded_variables(fetch: &FetchNode, variables: &Map<String, Value>) -> Map<String, Value> {
    fetch
        .variable_usages
        .iter()
        .filter_map(|name| variables.get(name).map(|v| (name.clone(), v.clone())))
        .collect()
}

fn prepare(
    fetch: &FetchNode,
    paths: Option<&[ResponsePath]>,
    data: &Value,
    variables: &Map<String, Value>,
) -> (Prepared, Option<Request>) {
    let vars = forwarded_variables(fetch, variables);
    let Some(paths) = paths else {
        let deduplicate = fetch.operation_kind == FetchKind::Query;
        return (
            Prepared::Root,
            Some(Request::Body(body(fetch, vars), deduplicate)),
        );
    };
    let Some(requires) = &fetch.requires else {
        return (Prepared::Skip, None);
    };
    let mut representations: Vec<Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut targets = Vec::new();
    for path in paths {
        for location in paths::locate(data, path) {
            let Some(Value::Object(object)) = paths::get(data, &location) else {
                continue;
            };
            let Some(rep) =
                representation::build(object, requires, fetch.typename_rewrite.as_deref())
            else {
                continue;
            };
            let text = rep.to_string();
            let i = *index.entry(text).or_insert_with(|| {
                representations.push(rep);
                representations.len() - 1
            });
            targets.push((location, i));
        }
    }
    if targets.is_empty() {
        return (Prepared::Skip, None);
    }
    (
        Prepared::Entities { targets },
        Some(Request::Entities(vars, representations)),
    )
}

/// Sends an `_entities` fetch, without the cache or asking only for what it misses.
fn send_entities<'a>(
    fetch: &'a FetchNode,
    client: &'a dyn SubgraphClient,
    mut variables: Map<String, Value>,
    representations: Vec<Value>,
    forwarded: &'a Forwarded,
    caching: Option<EntityCaching<'a>>,
) -> BoxFuture<'a, Result<SubgraphResponse, FetchError>> {
    let Some(caching) = caching else {
        variables.insert("representations".into(), Value::Array(representations));
        return client.send(
            fetch.subgraph_index,
            body(fetch, variables),
            true,
            forwarded,
        );
    };
    async move {
        let lookup = caching
            .cache
            .lookup(
                &fetch.service_name,
                &fetch.operation,
                caching.audience,
                &representations,
            )
            .await;
        let mut hint = CacheHint::default();
        let mut entities = vec![Value::Null; representations.len()];
        let mut missing = Vec::new();
        let mut sent = Vec::new();
        for (i, (hit, representation)) in lookup.hits.iter().zip(representations).enumerate() {
            match hit {
                Some((entity, fresh_for)) => {
                    entities[i] = entity.clone();
                    hint.merge(CacheHint::max_age(*fresh_for));
                }
                None => {
                    missing.push(i);
                    sent.push(representation);
                }
            }
        }
        let mut errors = Vec::new();
        if !missing.is_empty() {
            variables.insert("representations".into(), Value::Array(sent));
            let response = client
                .send(
                    fetch.subgraph_index,
                    body(fetch, variables),
                    true,
                    forwarded,
                )
                .await?;
            let Fetched {
                mut body,
                hint: fetched_hint,
            } = owned(response);
            hint.merge(fetched_hint);
            if let Some(Value::Array(found)) = body.pointer_mut("/errors").map(Value::take) {
                errors = found;
            }
            // An entity with an error is not kept; an error not at one entity keeps none.
            let mut failed: HashSet<usize> = HashSet::new();
            let mut unplaced = false;
            for error in &mut errors {
                match entity_index(error) {
                    Some(j) => {
                        if let Some(&i) = missing.get(j) {
                            failed.insert(j);
                            error["path"][1] = json!(i);
                        }
                    }
                    None => unplaced = true,
                }
            }
            if let Some(Value::Array(found)) = body.pointer_mut("/data/_entities").map(Value::take)
            {
                let mut keep = Vec::new();
                for (j, entity) in found.into_iter().enumerate() {
                    if let Some(&i) = missing.get(j) {
                        entities[i] = entity;
                        if !unplaced && !failed.contains(&j) && entities[i].is_object() {
                            keep.push(i);
                        }
                    }
                }
                let kept: Vec<(usize, &Value)> = keep.iter().map(|&i| (i, &entities[i])).collect();
                caching.cache.store(&lookup, &kept, fetched_hint).await;
            }
        }
        let mut response = json!({ "data": { "_entities": entities } });
        if !errors.is_empty() {
            response["errors"] = Value::Array(errors);
        }
        Ok(Arc::new(Fetched {
            body: response,
            hint,
        }))
    }
    .boxed()
}

/// The representation index of an error at `_entities.N…`.
fn entity_index(error: &Value) -> Option<usize> {
    let path = error.get("path")?.as_array()?;
    if path.first()?.as_str()? != "_entities" {
        return None;
    }
    usize::try_from(path.get(1)?.as_u64()?).ok()
}

fn path_json(path: &[Segment]) -> Value {
    Value::Array(path.iter().map(Segment::to_json).collect())
}

fn fetch_error(error: &FetchError, path: Vec<Value>) -> Value {
    let mut e = json!({
        "message": error.to_string(),
        "extensions": { "code": error.code(), "service": subgraph_of(error) },
    });
    if !path.is_empty() {
        e["path"] = Value::Array(path);
    }
    e
}

fn subgraph_of(error: &FetchError) -> &str {
    match error {
        FetchError::Transport { subgraph, .. }
        | FetchError::Timeout { subgraph, .. }
        | FetchError::Malformed { subgraph, .. }
        | FetchError::CircuitOpen { subgraph, .. } => subgraph,
    }
}

/// Subgraph errors, with `extensions.service` added.
pub fn subgraph_errors(response: &Value, service: &str) -> Vec<Value> {
    let Some(Value::Array(errors)) = response.get("errors") else {
        return Vec::new();
    };
    errors
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Value::Object(map) = &mut e {
                // Locations point into the subgraph's document, not the client's.
                map.remove("locations");
                let extensions = map
                    .entry("extensions")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(ext) = extensions {
                    ext.entry("service")
                        .or_insert_with(|| Value::String(service.to_owned()));
                }
            }
            e
        })
        .collect()
}

fn merge_result(
    fetch: &FetchNode,
    prepared: Prepared,
    result: Result<SubgraphResponse, FetchError>,
    out: &mut RawResult,
) {
    match prepared {
        Prepared::Skip => {}
        Prepared::Root => match result {
            Err(error) => {
                for key in &fetch.response_keys {
                    out.errors
                        .push(fetch_error(&error, vec![Value::String(key.clone())]));
                }
                if fetch.response_keys.is_empty() {
                    out.errors.push(fetch_error(&error, Vec::new()));
                }
            }
            Ok(response) => {
                let Fetched {
                    body: mut response,
                    hint,
                } = owned(response);
                out.hint.merge(hint);
                if let Some(data @ Value::Object(_)) = response.get_mut("data").map(Value::take) {
                    paths::merge(&mut out.data, data);
                }
                out.errors
                    .extend(subgraph_errors(&response, &fetch.service_name));
            }
        },
        Prepared::Entities { targets } => match result {
            Err(error) => {
                // One error per distinct object is noise; one per fetch, at the first object.
                let first = targets.first().map(|(p, _)| p.as_slice()).unwrap_or(&[]);
                let path = first.iter().map(Segment::to_json).collect();
                out.errors.push(fetch_error(&error, path));
            }
            Ok(response) => {
                let Fetched {
                    body: mut response,
                    hint,
                } = owned(response);
                out.hint.merge(hint);
                let entities = response
                    .get_mut("data")
                    .and_then(|d| d.get_mut("_entities"))
                    .map(Value::take);
                if let Some(Value::Array(mut entities)) = entities {
                    // Move each entity into its last object; copy it only for the others.
                    let mut uses = vec![0usize; entities.len()];
                    targets.iter().for_each(|(_, i)| {
                        if let Some(n) = uses.get_mut(*i) {
                            *n += 1;
                        }
                    });
                    for (location, i) in &targets {
                        let Some(slot) = entities.get_mut(*i) else {
                            continue;
                        };
                        uses[*i] -= 1;
                        let entity = if uses[*i] == 0 {
                            slot.take()
                        } else {
                            slot.clone()
                        };
                        let (Value::Object(mut entity), Some(target)) =
                            (entity, paths::get_mut(&mut out.data, location))
                        else {
                            continue;
                        };
                        if fetch.typename_rewrite.is_some() {
                            // The subgraph only knows the interface, not the real type.
                            entity.remove("__typename");
                        }
                        paths::merge(target, Value::Object(entity));
                    }
                }
                for error in subgraph_errors(&response, &fetch.service_name) {
                    repath_entity_error(error, &targets, &mut out.errors);
                }
            }
        },
    }
}

/// The response, moved out of its `Arc` unless an identical request shares it.
fn owned(response: SubgraphResponse) -> Fetched {
    Arc::try_unwrap(response).unwrap_or_else(|shared| (*shared).clone())
}

/// `_entities.N.rest` → the response path of every object that sent representation N.
fn repath_entity_error(error: Value, targets: &[(Vec<Segment>, usize)], out: &mut Vec<Value>) {
    let Some(index) = entity_index(&error) else {
        let mut error = error;
        if let Value::Object(map) = &mut error {
            map.remove("path");
        }
        out.push(error);
        return;
    };
    let rest: Vec<Value> = error
        .get("path")
        .and_then(Value::as_array)
        .map(|p| p.iter().skip(2).cloned().collect())
        .unwrap_or_default();
    for (location, _) in targets.iter().filter(|(_, i)| *i == index) {
        let mut repathed = error.clone();
        let mut path = match path_json(location) {
            Value::Array(p) => p,
            _ => Vec::new(),
        };
        path.extend(rest.iter().cloned());
        repathed["path"] = Value::Array(path);
        out.push(repathed);
    }
}

/// A fetch of the plan with the `Condition`s above it: `(variable, required value)`.
struct Leaf<'a> {
    fetch: &'a FetchNode,
    paths: Option<&'a [ResponsePath]>,
    conditions: Vec<(&'a str, bool)>,
}

fn collect_leaves<'a>(
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
            paths: None,
            conditions: conditions.clone(),
        }),
        PlanNode::Flatten { paths, node } => out.push(Leaf {
            fetch: node,
            paths: Some(paths),
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
    variables: &Map<String, Value>,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
) -> RawResult {
    execute_from(plan, client, variables, forwarded, caching, None).await
}

/// Runs the plan with the fetch `root.0` already answered with data `root.1` (a
/// subscription's event): only the fetches after it are sent.
pub async fn execute_from(
    plan: &QueryPlan,
    client: &dyn SubgraphClient,
    variables: &Map<String, Value>,
    forwarded: &Forwarded,
    caching: Option<EntityCaching<'_>>,
    root: Option<(usize, Value)>,
) -> RawResult {
    let mut out = RawResult {
        data: Value::Object(Map::new()),
        ..RawResult::default()
    };
    let Some(node) = &plan.node else {
        return out;
    };
    let mut leaves = Vec::new();
    collect_leaves(node, &mut Vec::new(), &mut leaves);
    let mut done: HashSet<usize> = HashSet::new();
    let mut started = vec![false; leaves.len()];
    if let Some((id, data)) = root {
        if data.is_object() {
            paths::merge(&mut out.data, data);
        }
        for (i, leaf) in leaves.iter().enumerate() {
            if leaf.fetch.id == id {
                started[i] = true;
            }
        }
        done.insert(id);
    }
    let mut prepared: Vec<Option<Prepared>> = (0..leaves.len()).map(|_| None).collect();
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
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        == *value
                });
                let (merge, request) = if active {
                    prepare(leaf.fetch, leaf.paths, &out.data, variables)
                } else {
                    (Prepared::Skip, None)
                };
                let send = match request {
                    Some(Request::Body(body, deduplicate)) => {
                        Some(client.send(leaf.fetch.subgraph_index, body, deduplicate, forwarded))
                    }
                    Some(Request::Entities(vars, representations)) => Some(send_entities(
                        leaf.fetch,
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
            merge_result(leaves[i].fetch, request, result, &mut out);
        }
        done.insert(leaves[i].fetch.id);
    }
    out
}
