//! Runs a plan: fetches, concurrently where the plan allows, merged into one JSON tree.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher},
    sync::Arc,
};

use std::collections::HashSet;

use bytes::Bytes;
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::FuturesUnordered};
use serde::{Serialize, ser::SerializeMap};

use crate::json;
use crate::json::{Map, Value};

use super::{
    client::{FetchError, Fetched, Forwarded, SubgraphClient, SubgraphResponse},
    paths::{self, Segment},
    representation,
};
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

/// How to merge a fetch's answer.
enum Prepared {
    Root,
    Entities {
        /// Per part: for each object location, the index of its representation.
        targets: Vec<Vec<(Vec<Segment>, usize)>>,
    },
    /// Nothing to fetch (no objects at the paths).
    Skip,
}

/// What to send for a fetch.
enum Request {
    /// A body as is, and whether identical in-flight requests may share it.
    Body(Bytes, bool),
    /// An `_entities` fetch: the variables besides the representations, and those of
    /// each part.
    Entities(Variables, Vec<Vec<Value>>),
}

/// The client's variables, as sent.
type Variables = serde_json::Map<String, serde_json::Value>;

/// The JSON body of a subgraph request, serialised without copying the document.
#[derive(Serialize)]
struct Body<'a> {
    query: &'a str,
    variables: BodyVariables<'a>,
}

/// The client's variables a fetch uses, then lists built from the response so far
/// (representations), each under its variable.
struct BodyVariables<'a> {
    client: &'a Variables,
    lists: &'a [(&'a str, Vec<Value>)],
}

impl Serialize for BodyVariables<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.client.len() + self.lists.len()))?;
        for (name, value) in self.client {
            map.serialize_entry(name, value)?;
        }
        for (name, list) in self.lists {
            map.serialize_entry(name, list)?;
        }
        map.end()
    }
}

fn body(
    fetch: &FetchNode,
    forwarded: &Forwarded,
    client: &Variables,
    lists: &[(&str, Vec<Value>)],
) -> Bytes {
    let body = Body {
        query: &fetch.operation_named(forwarded.operation_name.as_deref()),
        variables: BodyVariables { client, lists },
    };
    // Serialising JSON values into memory cannot fail.
    serde_json::to_vec(&body).unwrap_or_default().into()
}

fn forwarded_variables(fetch: &FetchNode, variables: &Variables) -> Variables {
    fetch
        .variable_usages
        .iter()
        .filter_map(|name| variables.get(name).map(|v| (name.clone(), v.clone())))
        .collect()
}

fn prepare(
    fetch: &FetchNode,
    parts: Option<&[Part<'_>]>,
    data: &Value,
    variables: &Variables,
    forwarded: &Forwarded,
) -> (Prepared, Option<Request>) {
    let vars = forwarded_variables(fetch, variables);
    let Some(parts) = parts else {
        let deduplicate = fetch.operation_kind == FetchKind::Query;
        return (
            Prepared::Root,
            Some(Request::Body(
                body(fetch, forwarded, &vars, &[]),
                deduplicate,
            )),
        );
    };
    let mut all_targets = Vec::with_capacity(parts.len());
    let mut all_representations = Vec::with_capacity(parts.len());
    let mut any = false;
    for part in parts {
        let mut representations: Vec<Value> = Vec::new();
        // Representation hash → the indexes of those with it (equal ones are sent once).
        let hasher = foldhash::fast::RandomState::default();
        let mut index: HashMap<u64, Vec<usize>, _> = HashMap::with_hasher(hasher.clone());
        let mut targets = Vec::new();
        for path in part.paths {
            for location in paths::locate(data, path) {
                let Some(Value::Object(object)) = paths::get(data, &location) else {
                    continue;
                };
                let Some(rep) = representation::build(object, part.requires, part.typename_rewrite)
                else {
                    continue;
                };
                let hash = {
                    let mut state = hasher.build_hasher();
                    rep.hash_ordered(&mut state);
                    state.finish()
                };
                let same = index.entry(hash).or_default();
                let i = match same.iter().find(|&&j| representations[j] == rep) {
                    Some(&j) => j,
                    None => {
                        representations.push(rep);
                        same.push(representations.len() - 1);
                        representations.len() - 1
                    }
                };
                targets.push((location, i));
            }
        }
        any |= !targets.is_empty();
        all_targets.push(targets);
        all_representations.push(representations);
    }
    if !any {
        return (Prepared::Skip, None);
    }
    (
        Prepared::Entities {
            targets: all_targets,
        },
        Some(Request::Entities(vars, all_representations)),
    )
}

/// Sends an `_entities` fetch (every part in one request), without the cache or asking
/// only for what it misses.
fn send_entities<'a>(
    fetch: &'a FetchNode,
    parts: &'a [Part<'a>],
    client: &'a dyn SubgraphClient,
    variables: Variables,
    representations: Vec<Vec<Value>>,
    forwarded: &'a Forwarded,
    caching: Option<EntityCaching<'a>>,
) -> BoxFuture<'a, Result<SubgraphResponse, FetchError>> {
    let Some(caching) = caching else {
        let lists: Vec<(&str, Vec<Value>)> = parts
            .iter()
            .map(|p| p.variable)
            .zip(representations)
            .collect();
        return client.send(
            fetch.subgraph_index,
            body(fetch, forwarded, &variables, &lists),
            true,
            forwarded,
        );
    };
    async move {
        let mut hint = CacheHint::default();
        let mut received = 0;
        let mut lookups = Vec::with_capacity(parts.len());
        let mut all_entities = Vec::with_capacity(parts.len());
        let mut all_missing = Vec::with_capacity(parts.len());
        let mut lists: Vec<(&str, Vec<Value>)> = Vec::with_capacity(parts.len());
        for (part, representations) in parts.iter().zip(representations) {
            let lookup = caching
                .cache
                .lookup(
                    &fetch.service_name,
                    part.cache_key,
                    caching.audience,
                    &representations,
                )
                .await;
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
            lists.push((part.variable, sent));
            lookups.push(lookup);
            all_entities.push(entities);
            all_missing.push(missing);
        }
        let mut errors = Vec::new();
        if all_missing.iter().any(|m| !m.is_empty()) {
            let response = client
                .send(
                    fetch.subgraph_index,
                    body(fetch, forwarded, &variables, &lists),
                    true,
                    forwarded,
                )
                .await?;
            let Fetched {
                mut body,
                hint: fetched_hint,
                bytes,
            } = owned(response);
            received = bytes;
            hint.merge(fetched_hint);
            if let Some(Value::Array(found)) = body.get_mut("errors").map(Value::take) {
                errors = found;
            }
            // An entity with an error is not kept; an error not at one entity keeps none.
            let mut failed: HashSet<(usize, usize)> = HashSet::new();
            let mut unplaced = false;
            for error in &mut errors {
                match part_entity(error, parts) {
                    Some((p, j)) => {
                        if let Some(&i) = all_missing[p].get(j) {
                            failed.insert((p, j));
                            if let Some(slot) = error.get_mut("path").and_then(|p| p.get_mut(1)) {
                                *slot = Value::from(i);
                            }
                        }
                    }
                    None => unplaced = true,
                }
            }
            for (p, part) in parts.iter().enumerate() {
                let Some(Value::Array(found)) = body
                    .get_mut("data")
                    .and_then(|d| d.get_mut(part.alias))
                    .map(Value::take)
                else {
                    continue;
                };
                let entities = &mut all_entities[p];
                let mut keep = Vec::new();
                for (j, entity) in found.into_iter().enumerate() {
                    if let Some(&i) = all_missing[p].get(j) {
                        entities[i] = entity;
                        if !unplaced && !failed.contains(&(p, j)) && entities[i].is_object() {
                            keep.push(i);
                        }
                    }
                }
                let kept: Vec<(usize, &Value)> = keep.iter().map(|&i| (i, &entities[i])).collect();
                caching.cache.store(&lookups[p], &kept, fetched_hint).await;
            }
        }
        let mut data = Map::default();
        for (part, entities) in parts.iter().zip(all_entities) {
            data.insert(part.alias, Value::Array(entities));
        }
        let mut response = Map::default();
        response.insert("data", Value::Object(data));
        if !errors.is_empty() {
            response.insert("errors", Value::Array(errors));
        }
        Ok(Arc::new(Fetched {
            body: Value::Object(response),
            hint,
            bytes: received,
        }))
    }
    .boxed()
}

/// The part and representation index of an error at `<alias>.N…`.
fn part_entity(error: &Value, parts: &[Part<'_>]) -> Option<(usize, usize)> {
    let path = error.get("path")?.as_array()?;
    let alias = path.first()?.as_str()?;
    let part = parts.iter().position(|p| p.alias == alias)?;
    Some((part, usize::try_from(path.get(1)?.as_u64()?).ok()?))
}

fn path_json(path: &[Segment]) -> Value {
    Value::Array(path.iter().map(Segment::to_json).collect())
}

fn fetch_error(error: &FetchError, path: Vec<Value>) -> Value {
    let mut e = json!({
        "message": error.to_string(),
        "extensions": { "code": error.code(), "service": subgraph_of(error) },
    });
    if let (false, Value::Object(map)) = (path.is_empty(), &mut e) {
        map.insert("path", Value::Array(path));
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
                map.shift_remove("locations");
                let extensions =
                    map.get_or_insert_with("extensions", || Value::Object(Map::default()));
                if let Value::Object(ext) = extensions {
                    ext.get_or_insert_with("service", || Value::String(service.into()));
                }
            }
            e
        })
        .collect()
}

fn merge_result(
    fetch: &FetchNode,
    parts: &[Part<'_>],
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
                        .push(fetch_error(&error, vec![Value::String(key.into())]));
                }
                if fetch.response_keys.is_empty() {
                    out.errors.push(fetch_error(&error, Vec::new()));
                }
            }
            Ok(response) => {
                let Fetched {
                    body: mut response,
                    hint,
                    bytes,
                } = owned(response);
                out.hint.merge(hint);
                out.received += bytes;
                if let Some(mut data @ Value::Object(_)) = response.get_mut("data").map(Value::take)
                {
                    if !fetch.renames.is_empty() {
                        paths::apply_renames(&mut data, &fetch.renames);
                    }
                    paths::merge(&mut out.data, data);
                }
                let mut errors = subgraph_errors(&response, &fetch.service_name);
                if !fetch.renames.is_empty() {
                    for error in &mut errors {
                        if let Some(Value::Array(path)) = error.get_mut("path") {
                            paths::rename_in_path(path, &fetch.renames);
                        }
                    }
                }
                out.errors.extend(errors);
            }
        },
        Prepared::Entities { targets } => match result {
            Err(error) => {
                // One error per distinct object is noise; one per fetch, at the first object.
                let first = targets
                    .iter()
                    .find_map(|t| t.first())
                    .map(|(p, _)| p.as_slice())
                    .unwrap_or(&[]);
                let path = first.iter().map(Segment::to_json).collect();
                out.errors.push(fetch_error(&error, path));
            }
            Ok(response) => {
                let Fetched {
                    body: mut response,
                    hint,
                    bytes,
                } = owned(response);
                out.hint.merge(hint);
                out.received += bytes;
                for (part, targets) in parts.iter().zip(&targets) {
                    let entities = response
                        .get_mut("data")
                        .and_then(|d| d.get_mut(part.alias))
                        .map(Value::take);
                    if let Some(Value::Array(mut entities)) = entities {
                        if !part.renames.is_empty() {
                            for entity in &mut entities {
                                paths::apply_renames(entity, part.renames);
                            }
                        }
                        merge_entities(&mut out.data, &mut entities, targets, part);
                    }
                }
                for error in subgraph_errors(&response, &fetch.service_name) {
                    repath_entity_error(error, parts, &targets, &mut out.errors);
                }
            }
        },
    }
}

/// Moves each entity into the objects that sent its representation.
fn merge_entities(
    data: &mut Value,
    entities: &mut [Value],
    targets: &[(Vec<Segment>, usize)],
    part: &Part<'_>,
) {
    // Move each entity into its last object; copy it only for the others.
    let mut uses = vec![0usize; entities.len()];
    targets.iter().for_each(|(_, i)| {
        if let Some(n) = uses.get_mut(*i) {
            *n += 1;
        }
    });
    for (location, i) in targets {
        let Some(slot) = entities.get_mut(*i) else {
            continue;
        };
        uses[*i] -= 1;
        let entity = if uses[*i] == 0 {
            slot.take()
        } else {
            slot.clone()
        };
        let (Value::Object(mut entity), Some(target)) = (entity, paths::get_mut(data, location))
        else {
            continue;
        };
        if part.typename_rewrite.is_some() {
            // The subgraph only knows the interface, not the real type.
            entity.shift_remove("__typename");
        }
        paths::merge(target, Value::Object(entity));
    }
}

/// The response, moved out of its `Arc` unless an identical request shares it.
fn owned(response: SubgraphResponse) -> Fetched {
    Arc::try_unwrap(response).unwrap_or_else(|shared| (*shared).clone())
}

/// `<alias>.N.rest` → the response path of every object that sent representation N of
/// that part.
fn repath_entity_error(
    error: Value,
    parts: &[Part<'_>],
    targets: &[Vec<(Vec<Segment>, usize)>],
    out: &mut Vec<Value>,
) {
    let Some((part, index)) = part_entity(&error, parts) else {
        let mut error = error;
        if let Value::Object(map) = &mut error {
            map.shift_remove("path");
        }
        out.push(error);
        return;
    };
    let mut rest: Vec<Value> = error
        .get("path")
        .and_then(Value::as_array)
        .map(|p| p.iter().skip(2).cloned().collect())
        .unwrap_or_default();
    if let Some(part) = parts.get(part)
        && !part.renames.is_empty()
    {
        paths::rename_in_path(&mut rest, part.renames);
    }
    for (location, _) in targets[part].iter().filter(|(_, i)| *i == index) {
        let mut repathed = error.clone();
        let mut path = match path_json(location) {
            Value::Array(p) => p,
            _ => Vec::new(),
        };
        path.extend(rest.iter().cloned());
        if let Value::Object(map) = &mut repathed {
            map.insert("path", Value::Array(path));
        }
        out.push(repathed);
    }
}

/// One `_entities` selection of an entity fetch.
struct Part<'a> {
    alias: &'a str,
    variable: &'a str,
    paths: &'a [ResponsePath],
    requires: &'a SubSelection,
    typename_rewrite: Option<&'a str>,
    /// The entity cache's key for its selection.
    cache_key: &'a str,
    /// Aliased fields to move back to their keys in each entity.
    renames: &'a [Rename],
}

/// A fetch of the plan with the `Condition`s above it: `(variable, required value)`.
struct Leaf<'a> {
    fetch: &'a FetchNode,
    /// `None` for a root fetch.
    parts: Option<Vec<Part<'a>>>,
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
/// subscription's event): only the fetches after it are sent.
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
    let Some(node) = &plan.node else {
        return out;
    };
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
            merge_result(leaves[i].fetch, parts, request, result, &mut out);
        }
        done.insert(leaves[i].fetch.id);
    }
    out
}
