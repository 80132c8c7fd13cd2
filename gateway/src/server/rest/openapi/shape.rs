//! The shape of an operation's data (from its selection over the API schema) and the
//! JSON schema of what a template renders from it.

use apollo_compiler::{
    ExecutableDocument, Name, Schema,
    ast::Type,
    executable::{Selection, SelectionSet},
    schema::ExtendedType,
    validation::Valid,
};
use serde_json::{Map, Value, json};

use crate::json as data;

/// What an operation's data looks like, as far as a template can reach into it.
#[derive(Clone, Debug)]
pub(super) enum Shape {
    /// Unknown: any JSON.
    Any,
    /// A leaf with its schema.
    Leaf(Value),
    Object(Vec<(String, Shape)>),
    List(Box<Shape>),
    /// May be null.
    Nullable(Box<Shape>),
}

impl Shape {
    /// The data a selection set gives (fields of every fragment merged).
    pub(super) fn of_selection(
        set: &SelectionSet,
        doc: &ExecutableDocument,
        schema: &Valid<Schema>,
    ) -> Self {
        let mut fields = Vec::new();
        collect(set, doc, schema, &mut fields, 0);
        Shape::Object(fields)
    }

    /// A field's data: its type, with its own selection.
    fn of_type(
        ty: &Type,
        set: &SelectionSet,
        doc: &ExecutableDocument,
        schema: &Valid<Schema>,
        depth: usize,
    ) -> Self {
        let one = match ty {
            Type::List(inner) | Type::NonNullList(inner) => {
                Shape::List(Box::new(Shape::of_type(inner, set, doc, schema, depth)))
            }
            Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name) {
                Some(ExtendedType::Enum(e)) => Shape::Leaf(json!({ "type": "string",
                    "enum": e.values.keys().map(|v| v.to_string()).collect::<Vec<_>>() })),
                Some(ExtendedType::Scalar(_)) | None => Shape::Leaf(scalar(name)),
                Some(_) => {
                    let mut fields = Vec::new();
                    collect(set, doc, schema, &mut fields, depth + 1);
                    Shape::Object(fields)
                }
            },
        };
        if ty.is_non_null() {
            one
        } else {
            Shape::Nullable(Box::new(one))
        }
    }

    /// The shape at a dotted path (`pagos.items.0.id`), null-able when any step is.
    fn at(&self, path: &str) -> Shape {
        let mut current = self.clone();
        let mut nullable = false;
        for step in path.split('.').filter(|s| !s.is_empty()) {
            // A conditional nullable field is nullable twice.
            while let Shape::Nullable(inner) = current {
                nullable = true;
                current = *inner;
            }
            current = match current {
                Shape::Object(fields) => match fields.into_iter().find(|(key, _)| key == step) {
                    Some((_, shape)) => shape,
                    None => return Shape::Leaf(json!({ "type": "null" })),
                },
                Shape::List(item) if step.parse::<usize>().is_ok() => {
                    nullable = true;
                    *item
                }
                Shape::Any => Shape::Any,
                _ => return Shape::Leaf(json!({ "type": "null" })),
            };
        }
        if nullable {
            Shape::Nullable(Box::new(current))
        } else {
            current
        }
    }

    /// The element of a list (`$each`), if this is one.
    fn item(&self) -> Shape {
        match self {
            Shape::List(item) => (**item).clone(),
            Shape::Nullable(inner) => inner.item(),
            _ => Shape::Any,
        }
    }

    pub(super) fn schema(&self, nullable_parent: bool) -> Value {
        let one = match self {
            Shape::Any => return json!({}),
            Shape::Leaf(schema) => schema.clone(),
            Shape::Nullable(inner) => return nullable(inner.schema(false)),
            Shape::List(item) => json!({ "type": "array", "items": item.schema(false) }),
            Shape::Object(fields) => {
                let properties: Map<String, Value> = fields
                    .iter()
                    .map(|(key, shape)| (key.clone(), shape.schema(false)))
                    .collect();
                json!({ "type": "object", "properties": properties })
            }
        };
        if nullable_parent { nullable(one) } else { one }
    }
}

/// The fields a selection set answers, fragments included (a field in several keeps its
/// first shape).
fn collect(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    schema: &Valid<Schema>,
    fields: &mut Vec<(String, Shape)>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let key = field.response_key().to_string();
                let shape = Shape::of_type(field.ty(), &field.selection_set, doc, schema, depth);
                // A field behind a type condition or directive may be absent: null then.
                let conditional = !field.directives.is_empty();
                let shape = if conditional {
                    Shape::Nullable(Box::new(shape))
                } else {
                    shape
                };
                if !fields.iter().any(|(k, _)| *k == key) {
                    fields.push((key, shape));
                }
            }
            Selection::InlineFragment(fragment) => {
                let mut inner = Vec::new();
                collect(&fragment.selection_set, doc, schema, &mut inner, depth + 1);
                merge_optional(
                    fields,
                    inner,
                    fragment.type_condition.is_some() || !fragment.directives.is_empty(),
                );
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                    let mut inner = Vec::new();
                    collect(&fragment.selection_set, doc, schema, &mut inner, depth + 1);
                    merge_optional(fields, inner, true);
                }
            }
        }
    }
}

/// Adds a fragment's fields; where the fragment may not apply, they may be absent (null).
fn merge_optional(fields: &mut Vec<(String, Shape)>, inner: Vec<(String, Shape)>, optional: bool) {
    for (key, shape) in inner {
        if fields.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let shape = if optional {
            Shape::Nullable(Box::new(shape))
        } else {
            shape
        };
        fields.push((key, shape));
    }
}

/// A scalar's schema (decimals and dates are text).
pub(super) fn scalar(name: &Name) -> Value {
    match name.as_str() {
        "Int" => json!({ "type": "integer" }),
        "Float" => json!({ "type": "number" }),
        "Boolean" => json!({ "type": "boolean" }),
        "String" | "ID" | "Decimal" => json!({ "type": "string" }),
        "DateTime" => json!({ "type": "string", "format": "date-time" }),
        "NaiveDate" => json!({ "type": "string", "format": "date" }),
        _ => json!({}),
    }
}

/// `schema` or null.
pub(super) fn nullable(schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(ty)) if ty != "null" => {
            let mut schema = schema;
            schema["type"] = json!([ty, "null"]);
            if let Some(Value::Array(values)) = schema.get_mut("enum") {
                values.push(Value::Null);
            }
            schema
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            let mut schema = schema;
            schema["type"] = Value::Array(types);
            schema
        }
        Some(_) => schema,
        None if schema.as_object().is_some_and(Map::is_empty) => schema,
        None => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

/// The schema of what a template renders over data of shape `data`.
pub(super) fn template_schema(template: &data::Value, data: &Shape, nullable_data: bool) -> Value {
    match template {
        data::Value::String(text) => match text.strip_prefix("$.") {
            Some(path) => data.at(path).schema(nullable_data),
            None if text.as_str() == "$" => data.schema(nullable_data),
            None => json!({ "type": "string", "const": text.as_str() }),
        },
        data::Value::Number(_) => json!({ "type": "number" }),
        data::Value::Bool(_) => json!({ "type": "boolean" }),
        data::Value::Null => json!({ "type": "null" }),
        data::Value::Array(items) => json!({ "type": "array",
            "items": { "anyOf": items.iter().map(|t| template_schema(t, data, nullable_data)).collect::<Vec<_>>() } }),
        data::Value::Object(map) => {
            if let (Some(data::Value::String(each)), Some(inner)) =
                (map.get("$each"), map.get("$map"))
            {
                let list = each
                    .strip_prefix("$.")
                    .map_or(Shape::Any, |path| data.at(path));
                return json!({ "type": "array",
                    "items": template_schema(inner, &list.item(), false) });
            }
            if map.len() == 1 {
                let key = map
                    .iter()
                    .next()
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default();
                match key.as_str() {
                    "$count" | "$sum" => return json!({ "type": "integer" }),
                    "$gt" => return json!({ "type": ["boolean", "null"] }),
                    "$param" => return json!({ "type": ["string", "null"] }),
                    _ => {}
                }
            }
            let properties: Map<String, Value> = map
                .iter()
                .map(|(key, value)| (key.to_string(), template_schema(value, data, nullable_data)))
                .collect();
            let required: Vec<&String> = properties.keys().collect();
            json!({ "type": "object", "properties": properties, "required": required })
        }
    }
}
