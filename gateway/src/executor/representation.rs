//! Building `_entities` representations from the objects already in the response.

use crate::json::{Key, Map, Value};

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
