//! The request of one fetch: the client's variables it uses and, for an entity fetch, the
//! representations of the objects at its paths (equal ones sent once).

use std::{collections::HashMap, hash::BuildHasher};

use bytes::Bytes;

use super::{
    client::Forwarded,
    execute::Part,
    paths::{self, Segment},
    representation,
};
use crate::json::{self, Value};
use crate::query_planner::{FetchKind, FetchNode};

/// How to merge a fetch's answer.
pub(super) enum Prepared<'p> {
    Root,
    Entities {
        /// Per part: each object location with the index of its representation.
        targets: Vec<Targets<'p>>,
    },
    /// Nothing to fetch (no objects at the paths).
    Skip,
}

/// The objects one part's answer goes to: each location (a concrete path) with the index
/// of its representation.
#[derive(Default)]
pub(super) struct Targets<'p>(Vec<(Vec<Segment<'p>>, usize)>);

impl<'p> Targets<'p> {
    fn push(&mut self, location: &[Segment<'p>], representation: usize) {
        self.0.push((location.to_vec(), representation));
    }

    /// Each location, in order, with the index of its representation.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&[Segment<'p>], usize)> {
        self.0.iter().map(|(path, i)| (path.as_slice(), *i))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A representation as the JSON text the gateway wrote for it (sent as is).
pub(super) type Representation = Box<[u8]>;

/// What to send for a fetch.
pub(super) enum Request {
    /// A body as is, and whether identical in-flight requests may share it.
    Body(Bytes, bool),
    /// An `_entities` fetch: the variables besides the representations, and the distinct
    /// representations of each part.
    Entities(Variables, Vec<Vec<Representation>>),
}

/// The client's variables, as sent.
pub(super) type Variables = serde_json::Map<String, serde_json::Value>;

/// The JSON body of a subgraph request: the operation, the client's variables it uses,
/// then each list of representations under its variable, written as they are.
pub(super) fn body(
    fetch: &FetchNode,
    forwarded: &Forwarded,
    client: &Variables,
    lists: &[(&str, &[Representation])],
) -> Bytes {
    let query = fetch.operation_named(forwarded.operation_name.as_deref());
    let listed: usize = lists
        .iter()
        .flat_map(|(_, list)| list.iter().map(|r| r.len() + 1))
        .sum();
    let mut out = Vec::with_capacity(query.len() + listed + 64);
    out.extend_from_slice(br#"{"query":"#);
    json::write_str(&mut out, &query);
    out.extend_from_slice(br#","variables":{"#);
    let mut first = true;
    let mut name = |out: &mut Vec<u8>, name: &str| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        json::write_str(out, name);
        out.push(b':');
    };
    for (key, value) in client {
        name(&mut out, key);
        match forwarded.exact_variables.get(key) {
            // Valid JSON the client wrote: its numbers as they were.
            Some(text) => out.extend_from_slice(text.as_bytes()),
            // Writing a JSON value into memory cannot fail.
            None => {
                let _ = serde_json::to_writer(&mut out, value);
            }
        }
    }
    for (key, list) in lists {
        name(&mut out, key);
        json::write_raw_array(&mut out, list.iter().map(|r| &r[..]));
    }
    out.extend_from_slice(b"}}");
    out.into()
}

pub(super) fn forwarded_variables(fetch: &FetchNode, variables: &Variables) -> Variables {
    fetch
        .variable_usages
        .iter()
        .filter_map(|name| variables.get(name).map(|v| (name.clone(), v.clone())))
        .collect()
}

pub(super) fn prepare<'p>(
    fetch: &FetchNode,
    parts: Option<&[Part<'p>]>,
    data: &Value,
    variables: &Variables,
    forwarded: &Forwarded,
) -> (Prepared<'p>, Option<Request>) {
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
        // Equal representations are sent once, told apart by their JSON text: a key
        // selection (the usual case) is written straight from the object. Hash → the
        // first with it (a different one with the same hash, vanishingly rare, is found
        // by a full search).
        let flat = representation::is_flat(part.requires);
        let hasher = foldhash::fast::RandomState::default();
        let mut index: HashMap<u64, usize, _> = HashMap::with_hasher(hasher.clone());
        let mut representations: Vec<Representation> = Vec::new();
        let mut text = Vec::new();
        let mut targets = Targets::default();
        // For a key selection, most objects repeat a representation already made: its key
        // values, hashed where they are, find it without its text being written again.
        let mut values: Vec<&Value> = Vec::new();
        let mut by_values: HashMap<u64, (Vec<&Value>, usize), _> =
            HashMap::with_hasher(hasher.clone());
        for path in part.paths {
            paths::visit(data, path, &mut |location, object| {
                let values_hash = if flat {
                    if representation::flat_values(object, part.requires, &mut values).is_none() {
                        return;
                    }
                    let hash = representation::hash_values(&values, &hasher);
                    if let Some((first, j)) = by_values.get(&hash)
                        && *first == values
                    {
                        targets.push(location, *j);
                        return;
                    }
                    Some(hash)
                } else {
                    None
                };
                let written = if flat {
                    representation::write_flat(
                        object,
                        part.requires,
                        part.typename_rewrite,
                        &mut text,
                    )
                } else {
                    representation::build(object, part.requires, part.typename_rewrite).map(|rep| {
                        text.clear();
                        json::write_value(&mut text, &rep);
                    })
                };
                if written.is_none() {
                    return;
                }
                let hash = hasher.hash_one(&text);
                let found = match index.get(&hash) {
                    Some(&j) if *representations[j] == *text => Some(j),
                    Some(_) => representations.iter().position(|r| **r == *text),
                    None => None,
                };
                let i = match found {
                    Some(j) => j,
                    None => {
                        index.entry(hash).or_insert(representations.len());
                        representations.push(text.as_slice().into());
                        representations.len() - 1
                    }
                };
                if let Some(hash) = values_hash {
                    by_values.entry(hash).or_insert_with(|| (values.clone(), i));
                }
                targets.push(location, i);
            });
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
