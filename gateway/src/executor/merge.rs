//! Merging a fetch's answer into the response so far: root data, entities into the
//! objects that asked for them, and errors at their response paths.

use std::sync::Arc;

use super::{
    client::{FetchError, Fetched, SubgraphResponse},
    entities::part_entity,
    execute::{Part, RawResult},
    paths::{self, Segment},
    request::{Prepared, Targets},
};
use crate::json;
use crate::json::{Map, Value};
use crate::query_planner::FetchNode;

pub(super) fn path_json(path: &[Segment<'_>]) -> Value {
    Value::Array(path.iter().map(Segment::to_json).collect())
}

pub(super) fn fetch_error(error: &FetchError, path: Vec<Value>) -> Value {
    let mut e = json!({
        "message": error.to_string(),
        "extensions": { "code": error.code(), "service": subgraph_of(error) },
    });
    if let (false, Value::Object(map)) = (path.is_empty(), &mut e) {
        map.insert("path", Value::Array(path));
    }
    e
}

pub(super) fn subgraph_of(error: &FetchError) -> &str {
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

pub(super) fn merge_result(
    fetch: &FetchNode,
    parts: &[Part<'_>],
    prepared: Prepared<'_>,
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
                let mut response = received(out, response);
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
                    .find_map(|t| t.iter().next())
                    .map_or(&[][..], |(p, _)| p);
                let path = first.iter().map(Segment::to_json).collect();
                out.errors.push(fetch_error(&error, path));
            }
            Ok(response) => {
                let mut response = received(out, response);
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
pub(super) fn merge_entities(
    data: &mut Value,
    entities: &mut [Value],
    targets: &Targets<'_>,
    part: &Part<'_>,
) {
    // Move each entity into its last object; copy it only for the others.
    let mut uses = vec![0usize; entities.len()];
    targets.iter().for_each(|(_, i)| {
        if let Some(n) = uses.get_mut(i) {
            *n += 1;
        }
    });
    // The subgraph only knows the interface, not the real type.
    let skip = part.typename_rewrite.map(|_| "__typename");
    for (location, i) in targets.iter() {
        let (Some(slot), Some(target)) = (entities.get_mut(i), paths::get_mut(data, location))
        else {
            continue;
        };
        uses[i] -= 1;
        if uses[i] == 0 {
            if let Value::Object(mut entity) = slot.take() {
                if let Some(key) = skip {
                    entity.shift_remove(key);
                }
                paths::merge(target, Value::Object(entity));
            }
        } else if let Value::Object(entity) = &*slot {
            // Copied straight into the object: only what it lacks is cloned.
            paths::merge_copy(target, entity, skip);
        }
    }
}

/// An answer's body, its caching hint and size counted into `out`.
fn received(out: &mut RawResult, response: SubgraphResponse) -> Value {
    let Fetched { body, hint, bytes } = owned(response);
    out.hint.merge(hint);
    out.received += bytes;
    body
}

/// The response, moved out of its `Arc` unless an identical request shares it.
pub(super) fn owned(response: SubgraphResponse) -> Fetched {
    Arc::try_unwrap(response).unwrap_or_else(|shared| (*shared).clone())
}

/// `<alias>.N.rest` → the response path of every object that sent representation N of
/// that part.
pub(super) fn repath_entity_error(
    error: Value,
    parts: &[Part<'_>],
    targets: &[Targets<'_>],
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
