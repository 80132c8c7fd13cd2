//! Finding the objects a `Flatten` path points at, and merging subgraph data into them.

use serde_json::{Map, Value};

use crate::query_planner::PathStep;

/// One step of a concrete response path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl Segment {
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Segment::Key(k) => Value::String(k.clone()),
            Segment::Index(i) => Value::from(*i),
        }
    }
}

/// Every object at `path` (list steps expanded, type conditions checked), in order.
pub(crate) fn locate(data: &Value, path: &[PathStep]) -> Vec<Vec<Segment>> {
    fn walk(value: &Value, path: &[PathStep], at: &mut Vec<Segment>, out: &mut Vec<Vec<Segment>>) {
        let Some((step, rest)) = path.split_first() else {
            if value.is_object() {
                out.push(at.clone());
            }
            return;
        };
        match (step, value) {
            (PathStep::Key(key), Value::Object(map)) => {
                if let Some(next) = map.get(key) {
                    at.push(Segment::Key(key.clone()));
                    walk(next, rest, at, out);
                    at.pop();
                }
            }
            (PathStep::List, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(Segment::Index(i));
                    walk(item, rest, at, out);
                    at.pop();
                }
            }
            (PathStep::TypeCondition(types), Value::Object(map)) => {
                let matches = map
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.iter().any(|c| c == t));
                if matches {
                    walk(value, rest, at, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(data, path, &mut Vec::new(), &mut out);
    out
}

/// The value at a concrete path.
pub(crate) fn get<'v>(data: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    path.iter().try_fold(data, |value, segment| match segment {
        Segment::Key(k) => value.get(k),
        Segment::Index(i) => value.get(i),
    })
}

/// The value at a concrete path, mutably.
pub(crate) fn get_mut<'v>(data: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    path.iter().try_fold(data, |value, segment| match segment {
        Segment::Key(k) => value.get_mut(k),
        Segment::Index(i) => value.get_mut(i),
    })
}

/// Deep-merges `source` into `target`: objects key by key, lists item by item.
pub(crate) fn merge(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => merge_map(target, source),
        (Value::Array(target), Value::Array(source)) if target.len() == source.len() => {
            for (t, s) in target.iter_mut().zip(source) {
                merge(t, s);
            }
        }
        // A null never erases data another subgraph already gave.
        (_, Value::Null) => {}
        (target, source) => *target = source,
    }
}

/// Deep-merges an object into another.
pub(crate) fn merge_map(target: &mut Map<String, Value>, source: Map<String, Value>) {
    for (key, value) in source {
        match target.get_mut(&key) {
            Some(existing) => merge(existing, value),
            None => {
                target.insert(key, value);
            }
        }
    }
}
