//! The request of one fetch: the client's variables it uses and, for an entity fetch, the
//! representations of the objects at its paths (equal ones sent once).

use std::{collections::HashMap, hash::BuildHasher};

use bytes::Bytes;
use serde::{Serialize, ser::SerializeMap};

use super::{
    client::Forwarded,
    execute::Part,
    paths::{self, Segment},
    representation,
};
use crate::json::Value;
use crate::query_planner::{FetchKind, FetchNode};

/// How to merge a fetch's answer.
pub(super) enum Prepared<'p> {
    Root,
    Entities {
        /// Per part: for each object location, the index of its representation.
        targets: Vec<Vec<(Vec<Segment<'p>>, usize)>>,
    },
    /// Nothing to fetch (no objects at the paths).
    Skip,
}

/// What to send for a fetch.
pub(super) enum Request {
    /// A body as is, and whether identical in-flight requests may share it.
    Body(Bytes, bool),
    /// An `_entities` fetch: the variables besides the representations, and those of
    /// each part.
    Entities(Variables, Vec<Vec<Value>>),
}

/// The client's variables, as sent.
pub(super) type Variables = serde_json::Map<String, serde_json::Value>;

/// The JSON body of a subgraph request, serialised without copying the document.
#[derive(Serialize)]
pub(super) struct Body<'a> {
    query: &'a str,
    variables: BodyVariables<'a>,
}

/// The client's variables a fetch uses, then lists built from the response so far
/// (representations), each under its variable.
pub(super) struct BodyVariables<'a> {
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

pub(super) fn body(
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
        let mut representations: Vec<Value> = Vec::new();
        // Equal representations are sent once, told apart by their JSON text: a key
        // selection (the usual case) is written straight from the object, and only the
        // distinct ones are made values. Hash → the first with it (a different one with the
        // same hash, vanishingly rare, is found by a full search).
        let flat = representation::is_flat(part.requires);
        let hasher = foldhash::fast::RandomState::default();
        let mut index: HashMap<u64, usize, _> = HashMap::with_hasher(hasher.clone());
        let mut texts: Vec<Vec<u8>> = Vec::new();
        let mut text = Vec::new();
        let mut targets = Vec::new();
        for path in part.paths {
            paths::visit(data, path, &mut |location, object| {
                let built = if flat {
                    representation::write_flat(
                        object,
                        part.requires,
                        part.typename_rewrite,
                        &mut text,
                    )
                    .map(|()| None)
                } else {
                    representation::build(object, part.requires, part.typename_rewrite).map(|rep| {
                        text.clear();
                        crate::json::write_value(&mut text, &rep);
                        Some(rep)
                    })
                };
                let Some(built) = built else {
                    return;
                };
                let hash = hasher.hash_one(&text);
                let i = match index.get(&hash) {
                    Some(&j) if texts[j] == text => Some(j),
                    Some(_) => texts.iter().position(|t| *t == text),
                    None => None,
                };
                let i = match i {
                    Some(j) => j,
                    None => {
                        let rep = match built {
                            Some(rep) => rep,
                            // Written by us: it parses (else the object had no key after all).
                            None => match crate::json::parse(&text) {
                                Ok(rep) => rep,
                                Err(_) => return,
                            },
                        };
                        index.entry(hash).or_insert(representations.len());
                        texts.push(text.clone());
                        representations.push(rep);
                        representations.len() - 1
                    }
                };
                targets.push((location.to_vec(), i));
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
