//! Building `_entities` representations from the objects already in the response.

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
}
