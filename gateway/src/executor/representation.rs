//! Building `_entities` representations from the objects already in the response.

use std::hash::{BuildHasher, Hasher};

use crate::json::{self, Key, Map, Value};

use crate::query_planner::{SubItem, SubSelection};

/// The representation of `object` by the fetch's `requires` selection, or `None` when a
/// key field is missing (the object cannot be resolved elsewhere).
pub(crate) fn build(
    object: &Map,
    requires: &SubSelection,
    typename_rewrite: Option<&str>,
) -> Option<Value> {
    let mut out = Map::default();
    project_into(object, requires, &mut out)?;
    if let Some(typename) = typename_rewrite {
        out.insert("__typename", Value::String(typename.into()));
    }
    Some(Value::Object(out))
}

fn project_into(object: &Map, selection: &SubSelection, out: &mut Map) -> Option<()> {
    for item in &selection.items {
        match item {
            SubItem::Field(field) => {
                let value = object.get(field.response_key().as_str())?;
                let projected = match &field.selections {
                    Some(sub) => project_value(value, sub)?,
                    None => value.clone(),
                };
                out.insert(Key::from(field.name.as_str()), projected);
            }
            SubItem::Fragment {
                type_condition,
                selections,
                ..
            } => {
                let typename = object.get("__typename").and_then(Value::as_str);
                if typename == Some(type_condition.as_str()) {
                    project_into(object, selections, out)?;
                }
            }
        }
    }
    Some(())
}

fn project_value(value: &Value, selection: &SubSelection) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::default();
            project_into(map, selection, &mut out)?;
            Some(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| project_value(item, selection))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        other => Some(other.clone()),
    }
}

/// Whether `requires` selects only leaf fields, each once (an entity's key: the usual
/// case), so a representation can be written without being built.
pub(crate) fn is_flat(requires: &SubSelection) -> bool {
    requires
        .items
        .iter()
        .enumerate()
        .all(|(i, item)| match item {
            SubItem::Field(field) => {
                field.selections.is_none()
                    && requires.items[..i].iter().all(|other| match other {
                        SubItem::Field(other) => other.name != field.name,
                        SubItem::Fragment { .. } => true,
                    })
            }
            SubItem::Fragment { .. } => false,
        })
}

/// Writes into `out` (cleared first) the JSON text of what [`build`] makes of `object` by a
/// flat `requires` (see [`is_flat`]); `None` when a key field is missing.
pub(crate) fn write_flat(
    object: &Map,
    requires: &SubSelection,
    typename_rewrite: Option<&str>,
    out: &mut Vec<u8>,
) -> Option<()> {
    out.clear();
    out.push(b'{');
    let mut typename_written = false;
    for (i, item) in requires.items.iter().enumerate() {
        let SubItem::Field(field) = item else {
            continue;
        };
        if i > 0 {
            out.push(b',');
        }
        json::write_name_key(out, field.name.as_str());
        match typename_rewrite {
            Some(typename) if field.name == "__typename" => {
                json::write_str(out, typename);
                typename_written = true;
            }
            _ => json::write_value(out, object.get(field.response_key().as_str())?),
        }
    }
    if let (Some(typename), false) = (typename_rewrite, typename_written) {
        if out.len() > 1 {
            out.push(b',');
        }
        json::write_name_key(out, "__typename");
        json::write_str(out, typename);
    }
    out.push(b'}');
    Some(())
}

/// The values a flat `requires` reads from `object`, in order, into `out` (cleared
/// first); `None` when one is missing.
pub(crate) fn flat_values<'d>(
    object: &'d Map,
    requires: &SubSelection,
    out: &mut Vec<&'d Value>,
) -> Option<()> {
    out.clear();
    for item in &requires.items {
        if let SubItem::Field(field) = item {
            out.push(object.get(field.response_key().as_str())?);
        }
    }
    Some(())
}

/// A hash of key values: equal values hash equally (objects by their size only, as equal
/// objects may list their keys in another order).
pub(crate) fn hash_values(values: &[&Value], hasher: &impl BuildHasher) -> u64 {
    fn hash(value: &Value, state: &mut impl Hasher) {
        match value {
            Value::Null => state.write_u8(0),
            Value::Bool(b) => state.write_u8(1 + u8::from(*b)),
            Value::Number(n) => {
                state.write_u8(3);
                state.write(n.as_str().as_bytes());
            }
            Value::String(s) => {
                state.write_u8(4);
                state.write(s.as_bytes());
            }
            Value::Array(items) => {
                state.write_u8(5);
                state.write_usize(items.len());
                items.iter().for_each(|item| hash(item, state));
            }
            Value::Object(map) => {
                state.write_u8(6);
                state.write_usize(map.len());
            }
        }
    }
    let mut state = hasher.build_hasher();
    values.iter().for_each(|value| hash(value, &mut state));
    state.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_planner::SubField;

    fn selection(fields: &[&str]) -> SubSelection {
        SubSelection {
            items: fields
                .iter()
                .map(|name| {
                    SubItem::Field(SubField::plain(
                        apollo_compiler::Name::new(name).expect("name"),
                    ))
                })
                .collect(),
        }
    }

    #[test]
    fn flat_representations_are_written_as_built() {
        let object =
            json::parse(br#"{"upc":"1","__typename":"Product","price":1.50,"name":"a\"b"}"#)
                .expect("json");
        let Value::Object(object) = object else {
            panic!("an object")
        };
        for (fields, rewrite) in [
            (&["__typename", "upc"][..], None),
            (&["upc", "price", "name"][..], None),
            (&["__typename", "upc"][..], Some("Node")),
            (&["upc"][..], Some("Node")),
        ] {
            let requires = selection(fields);
            assert!(is_flat(&requires));
            let mut written = Vec::new();
            write_flat(&object, &requires, rewrite, &mut written).expect("keys present");
            let built = build(&object, &requires, rewrite).expect("keys present");
            let mut expected = Vec::new();
            json::write_value(&mut expected, &built);
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
        }
        let missing = selection(&["upc", "sku"]);
        assert!(write_flat(&object, &missing, None, &mut Vec::new()).is_none());
        assert!(!is_flat(&selection(&["upc", "upc"])));
    }

    #[test]
    fn equal_key_values_are_found_by_their_hash_and_others_told_apart() {
        let hasher = foldhash::fast::RandomState::default();
        let requires = selection(&["__typename", "upc"]);
        let values_of = |text: &[u8]| {
            let Value::Object(object) = json::parse(text).expect("json") else {
                panic!("an object")
            };
            let mut values = Vec::new();
            flat_values(&object, &requires, &mut values).map(|()| {
                let owned: Vec<Value> = values.iter().map(|v| (*v).clone()).collect();
                let refs: Vec<&Value> = owned.iter().collect();
                (hash_values(&refs, &hasher), owned)
            })
        };
        let a = values_of(br#"{"upc":"1","__typename":"Product","name":"x"}"#);
        let b = values_of(br#"{"__typename":"Product","upc":"1"}"#);
        let c = values_of(br#"{"__typename":"Product","upc":"2"}"#);
        let d = values_of(br#"{"__typename":"Product","upc":1}"#);
        assert_eq!(a, b);
        assert_ne!(a.as_ref().map(|v| &v.1), c.as_ref().map(|v| &v.1));
        assert_ne!(a.as_ref().map(|v| v.0), d.as_ref().map(|v| v.0));
        assert!(values_of(br#"{"__typename":"Product"}"#).is_none());
    }
}
