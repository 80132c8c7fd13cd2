//! Finding the objects a `Flatten` path points at, and merging subgraph data into them.

use crate::json::{Map, Value};

use crate::query_planner::{PathStep, Rename};

/// One step of a concrete response path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment<'p> {
    /// A key (the plan's), and where it was found in its object: objects of the response
    /// only grow (merges append), so the place is checked first when the path is walked
    /// again.
    Key(&'p str, usize),
    Index(usize),
}

impl Segment<'_> {
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Segment::Key(k, _) => Value::String((*k).into()),
            Segment::Index(i) => Value::from(*i),
        }
    }
}

/// Visits every object at `path` (list steps expanded, type conditions checked), in
/// order, with its concrete path: one walk finds both, nothing is copied unless kept.
pub(crate) fn visit<'d, 'p>(
    data: &'d Value,
    path: &'p [PathStep],
    f: &mut impl FnMut(&[Segment<'p>], &'d Map),
) {
    fn walk<'d, 'p>(
        value: &'d Value,
        path: &'p [PathStep],
        at: &mut Vec<Segment<'p>>,
        f: &mut impl FnMut(&[Segment<'p>], &'d Map),
    ) {
        let Some((step, rest)) = path.split_first() else {
            if let Value::Object(object) = value {
                f(at, object);
            }
            return;
        };
        match (step, value) {
            (PathStep::Key(key), Value::Object(map)) => {
                if let Some((place, next)) = map.get_with_place(key) {
                    at.push(Segment::Key(key.as_str(), place));
                    walk(next, rest, at, f);
                    at.pop();
                }
            }
            (PathStep::List, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(Segment::Index(i));
                    walk(item, rest, at, f);
                    at.pop();
                }
            }
            (PathStep::TypeCondition(types), Value::Object(map)) => {
                let matches = map
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.iter().any(|c| c == t));
                if matches {
                    walk(value, rest, at, f);
                }
            }
            _ => {}
        }
    }
    walk(data, path, &mut Vec::with_capacity(path.len()), f);
}

/// The value at a concrete path, mutably.
pub(crate) fn get_mut<'v>(data: &'v mut Value, path: &[Segment<'_>]) -> Option<&'v mut Value> {
    path.iter().try_fold(data, |value, segment| match segment {
        Segment::Key(k, place) => match value {
            Value::Object(map) => map.get_mut_at(k, *place),
            _ => None,
        },
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
pub(crate) fn merge_map(target: &mut Map, source: Map) {
    target.reserve(source.len());
    for (key, value) in source {
        match target.get_mut(&key) {
            Some(existing) => merge(existing, value),
            // Known absent: appended without a second search.
            None => target.append(key, value),
        }
    }
}

/// Deep-merges a copy of `source` (but its `skip` key) into `target`: what `merge` does
/// with a clone, without building the clone first.
pub(crate) fn merge_copy(target: &mut Value, source: &Map, skip: Option<&str>) {
    match target {
        Value::Object(target) => merge_map_copy(target, source, skip),
        target => {
            let mut copy = source.clone();
            if let Some(key) = skip {
                copy.shift_remove(key);
            }
            merge(target, Value::Object(copy));
        }
    }
}

fn merge_map_copy(target: &mut Map, source: &Map, skip: Option<&str>) {
    target.reserve(source.len());
    for (key, value) in source {
        if skip == Some(key.as_str()) {
            continue;
        }
        match target.get_mut(key) {
            Some(existing) => merge_value_copy(existing, value),
            None => target.append(key.clone(), value.clone()),
        }
    }
}

fn merge_value_copy(target: &mut Value, source: &Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => merge_map_copy(target, source, None),
        (Value::Array(target), Value::Array(source)) if target.len() == source.len() => {
            for (t, s) in target.iter_mut().zip(source) {
                merge_value_copy(t, s);
            }
        }
        (_, Value::Null) => {}
        (target, source) => *target = source.clone(),
    }
}

/// Moves aliased fields back to their response keys in a fetch's data (see [`Rename`]), in
/// order; a key already there (the same field, also selected unaliased) is merged into.
pub(crate) fn apply_renames(data: &mut Value, renames: &[Rename]) {
    fn walk(value: &mut Value, path: &[PathStep], rename: &Rename) {
        let Some((step, rest)) = path.split_first() else {
            if let Value::Object(map) = value
                && let Some(moved) = map.shift_remove(&rename.from)
            {
                match map.get_mut(&rename.to) {
                    Some(existing) => merge(existing, moved),
                    None => {
                        map.insert(rename.to.clone(), moved);
                    }
                }
            }
            return;
        };
        match (step, value) {
            (PathStep::Key(key), Value::Object(map)) => {
                if let Some(next) = map.get_mut(key) {
                    walk(next, rest, rename);
                }
            }
            (PathStep::List, Value::Array(items)) => {
                for item in items {
                    walk(item, rest, rename);
                }
            }
            (PathStep::TypeCondition(types), value @ Value::Object(_)) => {
                let matches = value
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.iter().any(|c| c == t));
                if matches {
                    walk(value, rest, rename);
                }
            }
            _ => {}
        }
    }
    for rename in renames {
        walk(data, &rename.path, rename);
    }
}

/// Gives an error path into a fetch's data (see [`apply_renames`]) the response keys of
/// its aliased fields.
pub(crate) fn rename_in_path(path: &mut [Value], renames: &[Rename]) {
    for rename in renames {
        let mut at = 0;
        let matched = rename.path.iter().all(|step| match step {
            PathStep::Key(key) => {
                let ok = path.get(at).and_then(Value::as_str) == Some(key.as_str());
                at += 1;
                ok
            }
            PathStep::List => {
                let ok = path.get(at).is_some_and(Value::is_u64);
                at += 1;
                ok
            }
            // A type condition takes no path segment.
            PathStep::TypeCondition(_) => true,
        });
        if matched
            && let Some(segment) = path.get_mut(at)
            && segment.as_str() == Some(rename.from.as_str())
        {
            *segment = Value::String(rename.to.as_str().into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::json;

    fn rename(path: &[PathStep], from: &str, to: &str) -> Rename {
        Rename {
            path: path.to_vec(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn renames_move_aliases_back_deepest_first_and_merge_into_present_keys() {
        let key = |k: &str| PathStep::Key(k.into());
        let mut data = json!({ "things": [
            { "code": "A-1" },
            { "code__alias_0": null },
            { "obj__alias_0": { "x__alias_0": 1 }, "obj": { "y": 2 } }
        ] });
        let renames = [
            rename(
                &[key("things"), PathStep::List, key("obj__alias_0")],
                "x__alias_0",
                "x",
            ),
            rename(&[key("things"), PathStep::List], "obj__alias_0", "obj"),
            rename(&[key("things"), PathStep::List], "code__alias_0", "code"),
        ];
        apply_renames(&mut data, &renames);
        assert_eq!(
            data,
            json!({ "things": [
                { "code": "A-1" },
                { "code": null },
                { "obj": { "x": 1, "y": 2 } }
            ] })
        );
    }

    #[test]
    fn error_paths_get_the_response_keys() {
        let renames = [
            rename(
                &[PathStep::Key("items".into()), PathStep::List],
                "value__alias_0",
                "value",
            ),
            rename(&[], "items__alias_0", "items"),
        ];
        let mut path = vec![json!("items"), json!(1), json!("value__alias_0")];
        rename_in_path(&mut path, &renames);
        assert_eq!(path, vec![json!("items"), json!(1), json!("value")]);
        let mut path = vec![json!("items__alias_0"), json!(0)];
        rename_in_path(&mut path, &renames);
        assert_eq!(path, vec![json!("items"), json!(0)]);
        let mut path = vec![json!("other"), json!(1), json!("value__alias_0")];
        rename_in_path(&mut path, &renames);
        assert_eq!(path[2], json!("value__alias_0"));
    }
}
