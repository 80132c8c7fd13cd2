//! OpenAPI 3.1 of the configured REST routes, generated from what serves them: each
//! route's bindings (parameters and request body), its operation's types in the API schema
//! (variables, and the data it selects) and its answer template (the response schema).

pub(crate) mod fixed;
mod shape;

use std::sync::Arc;

use apollo_compiler::{
    ExecutableDocument, Schema, ast::Type, schema::ExtendedType, validation::Valid,
};
use serde_json::{Map, Value, json};

use super::{
    CompiledRoute,
    bindings::{Binding, Kind, Source},
};
use crate::json as data;
use shape::{Shape, nullable, scalar, template_schema};

/// The error statuses every route may answer with `{error, code, campo?}`.
const ERRORS: [(&str, &str); 6] = [
    ("400", "The request or its data is not valid"),
    ("401", "No token, or a token that does not verify"),
    ("403", "The token lacks a scope the operation needs"),
    ("404", "Not found"),
    ("409", "Conflicts with the current state"),
    ("502", "A subgraph failed"),
];

/// The OpenAPI document of the served `routes` over `schema` (the API schema), with the
/// `fixed` paths no operation serves.
pub(crate) fn document(
    routes: &[Arc<CompiledRoute>],
    fixed: &[fixed::Fixed],
    schema: &Valid<Schema>,
) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let item = paths
            .entry(openapi_path(&route.path))
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_ascii_lowercase()] = operation(route, schema);
    }
    for documented in fixed {
        let item = paths
            .entry(openapi_path(&documented.path))
            .or_insert_with(|| json!({}));
        item[documented.method.as_str()] = documented.operation.clone();
    }
    let mut responses = Map::new();
    for (status, description) in ERRORS {
        responses.insert(
            format!("E{status}"),
            json!({ "description": description, "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Error" } } } }),
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "REST-compatible API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Each route runs a persisted GraphQL operation through the gateway.",
        },
        "paths": paths,
        "components": {
            "schemas": { "Error": {
                "type": "object",
                "required": ["error", "code"],
                "properties": {
                    "error": { "type": "string" },
                    "code": { "type": "string" },
                    "campo": { "type": "string" },
                },
            } },
            "responses": responses,
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
        },
        "security": [{ "bearer": [] }],
    })
}

/// `/a/{id}` stays as is; axum's `{*rest}` becomes `{rest}`.
fn openapi_path(path: &str) -> String {
    path.replace("{*", "{")
}

/// One route's operation object.
fn operation(route: &CompiledRoute, schema: &Valid<Schema>) -> Value {
    let document =
        ExecutableDocument::parse_and_validate(schema, &route.document, "route.graphql").ok();
    let selected = document.as_ref().and_then(|doc| {
        doc.operations
            .get(route.operation_name.as_deref())
            .ok()
            .map(|op| (doc, op))
    });
    let variables = selected.map(|(_, op)| {
        op.variables
            .iter()
            .map(|v| {
                (
                    v.name.clone(),
                    (v.ty.as_ref().clone(), v.default_value.is_some()),
                )
            })
            .collect::<Vec<_>>()
    });
    let variable = |name: &str| {
        variables
            .as_ref()
            .and_then(|vars| vars.iter().find(|(n, _)| n.as_str() == name))
            .map(|(_, v)| v.clone())
    };
    let mut parameters = Vec::new();
    let mut body = Map::new();
    let mut body_required = Vec::new();
    for binding in &route.bindings {
        // The type the value ends in, and whether the operation cannot run without it.
        let (ty, required) = target_type(binding, &variable, schema);
        // Of alternatives, any one may be given: none is required alone.
        let required = required && binding.default.is_none() && !binding.alternative;
        let mut value = value_schema(binding, ty.as_ref(), schema);
        if let Some(default) = &binding.default {
            value["default"] = match binding.kind {
                Kind::Int => default.parse::<i64>().map_or(Value::Null, Value::from),
                Kind::Bool => Value::Bool(default == "true" || default == "1"),
                _ => Value::String(default.clone()),
            };
        }
        let place = match binding.source {
            Source::Path => "path",
            Source::Query => "query",
            Source::Header => "header",
            Source::Body => {
                place_in_body(
                    &mut body,
                    &mut body_required,
                    &binding.name,
                    value,
                    required,
                );
                continue;
            }
        };
        // Several flags read one parameter (`type`): one entry, every value they know.
        let same = parameters
            .iter_mut()
            .find(|p: &&mut Value| p["name"] == binding.name.as_str() && p["in"] == place);
        if let Some(existing) = same {
            if let (Some(Value::Array(known)), Some(Value::Array(more))) =
                (existing["schema"].get_mut("enum"), value.get("enum"))
            {
                for item in more {
                    if !known.contains(item) {
                        known.push(item.clone());
                    }
                }
            }
            continue;
        }
        parameters.push(json!({
            "name": binding.name,
            "in": place,
            "required": place == "path" || required,
            "schema": value,
        }));
    }
    let data = selected.map_or(Shape::Any, |(doc, op)| {
        Shape::of_selection(&op.selection_set, doc, schema)
    });
    let mut responses = Map::new();
    let success = route.status.as_u16().to_string();
    let content = match route.template.as_ref() {
        _ if route.status == axum::http::StatusCode::NO_CONTENT => None,
        Some(template) if is_text(template) => {
            // The operation names its content type: text, CSV or a JSON document.
            Some(json!({ "text/plain": { "schema": { "type": "string" } },
                "text/csv": { "schema": { "type": "string" } },
                "application/json": { "schema": {} } }))
        }
        Some(template) => Some(json!({ "application/json": {
            "schema": template_schema(template, &data, false) } })),
        None => Some(json!({ "application/json": { "schema": data.schema(false) } })),
    };
    let mut ok = json!({ "description": "The operation's data, shaped" });
    if let Some(content) = content {
        ok["content"] = content;
    }
    responses.insert(success, ok);
    for (status, _) in ERRORS {
        responses.insert(
            status.to_owned(),
            json!({ "$ref": format!("#/components/responses/E{status}") }),
        );
    }
    responses.insert(
        "429".into(),
        json!({ "description": "Over the rate limit" }),
    );
    let mut object = json!({
        "operationId": operation_id(route.method.as_str(), &route.path),
        "summary": summary(&route.document),
        "parameters": parameters,
        "responses": responses,
    });
    if !body.is_empty() {
        let mut schema = json!({ "type": "object", "properties": body });
        if !body_required.is_empty() {
            schema["required"] = json!(body_required);
        }
        object["requestBody"] = json!({
            "required": !body_required.is_empty(),
            "content": { "application/json": { "schema": schema } },
        });
    }
    object
}

/// `GET /api/v1/pagos/{id}` → `get_api_v1_pagos_id`.
pub(super) fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        id.push('_');
        id.push_str(word);
    }
    id
}

/// The document's leading comment, as one line.
fn summary(document: &str) -> String {
    document
        .lines()
        .map_while(|line| line.trim().strip_prefix('#'))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a template answers text (`{"$body": …}`).
fn is_text(template: &data::Value) -> bool {
    template
        .as_object()
        .is_some_and(|map| map.get("$body").is_some())
}

/// The GraphQL type a binding's value ends in (following input fields for a nested
/// target), and whether the operation needs it.
fn target_type(
    binding: &Binding,
    variable: &impl Fn(&str) -> Option<(Type, bool)>,
    schema: &Valid<Schema>,
) -> (Option<Type>, bool) {
    let Some((first, rest)) = binding.target.split_first() else {
        return (None, false);
    };
    let Some((mut ty, has_default)) = variable(first) else {
        return (None, false);
    };
    let mut required = ty.is_non_null() && !has_default;
    for field in rest {
        let input = match schema.types.get(ty.inner_named_type()) {
            Some(ExtendedType::InputObject(input)) => input,
            _ => return (None, false),
        };
        let Some(definition) = input.fields.get(field.as_str()) else {
            return (None, false);
        };
        required = required && definition.ty.is_non_null() && definition.default_value.is_none();
        ty = definition.ty.as_ref().clone();
    }
    (Some(ty), required)
}

/// A bound value's schema: from its binding's type, and its GraphQL type where the binding
/// passes JSON on as it is.
fn value_schema(binding: &Binding, ty: Option<&Type>, schema: &Valid<Schema>) -> Value {
    match binding.kind {
        Kind::String => json!({ "type": "string" }),
        Kind::Int => json!({ "type": "integer" }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Decimal => {
            json!({ "type": ["string", "number"], "pattern": "^-?[0-9]+(\\.[0-9]+)?$" })
        }
        Kind::Date => json!({ "type": "string", "format": "date" }),
        Kind::OneOf => json!({ "type": "string",
            "enum": binding.names.iter().map(|v| v.to_lowercase()).collect::<Vec<_>>() }),
        Kind::Enum => {
            let mut names: Vec<Value> = ty
                .and_then(|ty| match schema.types.get(ty.inner_named_type()) {
                    Some(ExtendedType::Enum(e)) => Some(
                        e.values
                            .keys()
                            .map(|v| Value::String(v.to_string()))
                            .collect(),
                    ),
                    _ => None,
                })
                .unwrap_or_default();
            names.extend(
                binding
                    .aliases
                    .iter()
                    .map(|(from, _)| Value::String(from.clone())),
            );
            let one = if names.is_empty() {
                json!({ "type": "string" })
            } else {
                json!({ "type": "string", "enum": names })
            };
            match ty {
                Some(ty) if ty.is_list() => json!({ "type": "array", "items": one }),
                _ => one,
            }
        }
        Kind::Json => ty.map_or_else(|| json!({}), |ty| input_schema(ty, schema, 0)),
        Kind::Entries => json!({ "type": "object", "additionalProperties": { "type": "string" },
            "description": "Names and their texts, passed on as a list of entries" }),
        Kind::Ago(ago) => json!({ "type": "string", "pattern": "^[0-9]+[hdwHDW]$",
            "description": format!(
                "A period back from now (7d, 30d, 90d; h, d or w), at most {}", ago.bound()) }),
    }
}

/// The schema of a GraphQL input type (decimals also as JSON numbers).
fn input_schema(ty: &Type, schema: &Valid<Schema>, depth: usize) -> Value {
    if depth > 8 {
        return json!({});
    }
    let one = match ty {
        Type::List(inner) | Type::NonNullList(inner) => {
            return json!({ "type": "array", "items": input_schema(inner, schema, depth + 1) });
        }
        Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name) {
            Some(ExtendedType::InputObject(input)) => {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for (field, definition) in &input.fields {
                    properties.insert(
                        field.to_string(),
                        input_schema(&definition.ty, schema, depth + 1),
                    );
                    if definition.ty.is_non_null() && definition.default_value.is_none() {
                        required.push(Value::String(field.to_string()));
                    }
                }
                json!({ "type": "object", "properties": properties, "required": required })
            }
            Some(ExtendedType::Enum(e)) => json!({ "type": "string",
                "enum": e.values.keys().map(|v| v.to_string()).collect::<Vec<_>>() }),
            _ => scalar(name),
        },
    };
    if ty.is_non_null() { one } else { nullable(one) }
}

/// Places a body field's schema at its dotted path (`documento.tipo`); a required field
/// makes its parents required.
fn place_in_body(
    body: &mut Map<String, Value>,
    required: &mut Vec<Value>,
    path: &str,
    value: Value,
    needed: bool,
) {
    let steps: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let Some((first, rest)) = steps.split_first() else {
        // The whole body: its fields.
        if let Some(properties) = value.get("properties").and_then(Value::as_object) {
            body.extend(properties.clone());
        }
        return;
    };
    let name = Value::String((*first).to_owned());
    if needed && !required.contains(&name) {
        required.push(name);
    }
    if rest.is_empty() {
        body.insert((*first).to_owned(), value);
        return;
    }
    let entry = body
        .entry((*first).to_owned())
        .or_insert_with(|| json!({ "type": "object", "properties": {} }));
    let Some(object) = entry.as_object_mut() else {
        return;
    };
    let mut inner_required: Vec<Value> = object
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        place_in_body(
            properties,
            &mut inner_required,
            &rest.join("."),
            value,
            needed,
        );
    }
    if !inner_required.is_empty() {
        object.insert("required".into(), Value::Array(inner_required));
    }
}

#[cfg(test)]
mod tests;
