//! REST-compatible endpoints (what an old REST BFF served): each configured route runs one
//! persisted GraphQL operation, with path, query-string and header values bound to its
//! variables, and answers JSON shaped by a template. They go through the engine like any
//! request: authentication, field authorization, limits and the response cache apply.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json, Router,
    extract::{Path, Query},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{
    AppState,
    http::{authenticate, cache_headers, options, unauthenticated},
};
use crate::{
    config::RestRoute,
    json as data,
    pipeline::{GraphqlRequest, HttpMethod},
};

/// Where a variable's value comes from, and its JSON type.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Binding {
    /// Variable path (`paginacion.page`).
    target: Vec<String>,
    source: Source,
    name: String,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Path,
    Query,
    Header,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    Int,
    Bool,
    /// A decimal sent as text (money).
    Decimal,
    /// An enum value: upper-cased (`fecha_registro` → `FECHA_REGISTRO`).
    Enum,
}

/// A route ready to serve.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRoute {
    document: String,
    operation_name: Option<String>,
    bindings: Vec<Binding>,
    template: Option<data::Value>,
}

/// Parses `query.page:int` (source, name, optional type).
fn binding(target: &str, spec: &str) -> Result<Binding, String> {
    let (location, kind) = match spec.split_once(':') {
        Some((location, kind)) => (location, kind),
        None => (spec, "string"),
    };
    let (source, name) = location
        .split_once('.')
        .ok_or_else(|| format!("{spec:?}: expected path.NAME, query.NAME or header.NAME"))?;
    let source = match source {
        "path" => Source::Path,
        "query" => Source::Query,
        "header" => Source::Header,
        other => return Err(format!("{spec:?}: unknown source {other:?}")),
    };
    let kind = match kind {
        "string" | "id" => Kind::String,
        "int" => Kind::Int,
        "bool" => Kind::Bool,
        "decimal" => Kind::Decimal,
        "enum" => Kind::Enum,
        other => {
            return Err(format!(
                "{spec:?}: unknown type {other:?} (string, id, int, bool, decimal, enum)"
            ));
        }
    };
    Ok(Binding {
        target: target.split('.').map(str::to_owned).collect(),
        source,
        name: name.to_owned(),
        kind,
    })
}

impl CompiledRoute {
    /// Checks a configured route: its bindings, its template and its document source.
    pub(crate) fn compile(route: &RestRoute) -> Result<Self, String> {
        let document = match (&route.operation, &route.operation_file) {
            (Some(text), None) => text.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?,
            _ => return Err("give exactly one of operation or operation_file".into()),
        };
        let bindings = route
            .variables
            .iter()
            .map(|(target, spec)| binding(target, spec))
            .collect::<Result<_, _>>()?;
        let template = route
            .response
            .as_deref()
            .map(|t| {
                data::parse(t.as_bytes()).map_err(|e| format!("response template is not JSON: {e}"))
            })
            .transpose()?;
        Ok(Self {
            document,
            operation_name: route.operation_name.clone(),
            bindings,
            template,
        })
    }

    /// The variables of a request, or the first malformed parameter.
    fn variables(
        &self,
        path: &HashMap<String, String>,
        query: &HashMap<String, String>,
        headers: &HeaderMap,
    ) -> Result<Map<String, Value>, String> {
        let mut variables = Map::new();
        for b in &self.bindings {
            let raw = match b.source {
                Source::Path => path.get(&b.name).cloned(),
                Source::Query => query.get(&b.name).cloned(),
                Source::Header => headers
                    .get(&b.name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            };
            let Some(raw) = raw.filter(|r| !r.is_empty()) else {
                continue;
            };
            let value = match b.kind {
                Kind::String | Kind::Decimal => Value::String(raw),
                Kind::Enum => Value::String(raw.trim().to_uppercase()),
                Kind::Int => raw.trim().parse::<i64>().map(Value::from).map_err(|_| {
                    format!("parameter {:?} must be an integer, not {raw:?}", b.name)
                })?,
                Kind::Bool => match raw.trim() {
                    "true" | "1" => Value::Bool(true),
                    "false" | "0" => Value::Bool(false),
                    _ => return Err(format!("parameter {:?} must be true or false", b.name)),
                },
            };
            insert(&mut variables, &b.target, value);
        }
        Ok(variables)
    }
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// The value at `$.a.b.0.c` in `root` (null when absent).
fn lookup<'a>(root: &'a data::Value, path: &str) -> &'a data::Value {
    const NULL: &data::Value = &data::Value::Null;
    let mut current = root;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        current = match current {
            data::Value::Object(map) => map.get(step).unwrap_or(NULL),
            data::Value::Array(items) => step
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .unwrap_or(NULL),
            _ => NULL,
        };
    }
    current
}

/// Fills a template: `"$.path"` strings take the value there; `{"$each": "$.list",
/// "$map": template}` maps every element (inside, `$.` is the element); everything else is
/// copied as is.
pub(crate) fn render(template: &data::Value, root: &data::Value) -> data::Value {
    use data::Value;
    match template {
        Value::String(s) => match s.strip_prefix("$.") {
            Some(path) => lookup(root, path).clone(),
            None if s == "$" => root.clone(),
            None => template.clone(),
        },
        Value::Object(map) => {
            if let (Some(Value::String(each)), Some(inner)) = (map.get("$each"), map.get("$map")) {
                let list = match each.strip_prefix("$.") {
                    Some(path) => lookup(root, path),
                    None => &Value::Null,
                };
                return Value::Array(
                    list.as_array()
                        .map(|items| items.iter().map(|item| render(inner, item)).collect())
                        .unwrap_or_default(),
                );
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), render(v, root)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| render(v, root)).collect()),
        other => other.clone(),
    }
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({ "error": message, "code": code }))).into_response()
}

/// The HTTP status of a GraphQL error code.
fn status_of(code: &str) -> StatusCode {
    match code {
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED" | "BAD_REQUEST" => StatusCode::BAD_REQUEST,
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_GATEWAY,
    }
}

async fn serve(
    state: Arc<AppState>,
    route: Arc<CompiledRoute>,
    path: HashMap<String, String>,
    query: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let variables = match route.variables(&path, &query, &headers) {
        Ok(variables) => variables,
        Err(message) => return error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message),
    };
    let engine = state.engine();
    let claims = match authenticate(&engine, &headers).await {
        Ok(claims) => claims,
        Err(e) => return unauthenticated(&e),
    };
    let request = GraphqlRequest {
        query: Some(route.document.clone()),
        operation_name: route.operation_name.clone(),
        variables: serde_json::from_value(Value::Object(variables)).ok(),
        extensions: None,
    };
    let options = options(&headers, HttpMethod::Get, claims);
    let run = engine.execute(&request, &options);
    let response = crate::telemetry::traced_request(&headers, &request, run).await;
    // Parsed keeping numbers as written: the answer is passed on byte-exact.
    let mut body = data::parse(&response.body).unwrap_or_default();
    if let Some(first) = body
        .get("errors")
        .and_then(data::Value::as_array)
        .and_then(|e| e.first())
    {
        let code = first
            .get("extensions")
            .and_then(|e| e.get("code"))
            .and_then(data::Value::as_str)
            .unwrap_or("INTERNAL_SERVER_ERROR")
            .to_owned();
        let message = first
            .get("message")
            .and_then(data::Value::as_str)
            .unwrap_or("error")
            .to_owned();
        return error(status_of(&code), &code, message);
    }
    let data = body
        .get_mut("data")
        .map(data::Value::take)
        .unwrap_or_default();
    let shaped = match &route.template {
        Some(template) => render(template, &data),
        None => data,
    };
    let mut http = Json(shaped).into_response();
    if let Some(cache) = response.cache {
        cache_headers(&mut http, cache);
    }
    http
}

/// The configured routes (GET only: they read).
pub(crate) fn router(routes: &[RestRoute], state: Arc<AppState>) -> Router {
    let mut router = Router::new();
    for route in routes {
        let compiled = match CompiledRoute::compile(route) {
            Ok(compiled) => Arc::new(compiled),
            // Validated at start; a file that vanished since is logged and left out.
            Err(problem) => {
                tracing::error!(path = %route.path, %problem, "REST route left out");
                continue;
            }
        };
        let state = state.clone();
        router = router.route(
            &route.path,
            axum::routing::get(
                move |path: Option<Path<HashMap<String, String>>>,
                      Query(query): Query<HashMap<String, String>>,
                      headers: HeaderMap| {
                    let (state, compiled) = (state.clone(), compiled.clone());
                    async move {
                        let path = path.map(|Path(p)| p).unwrap_or_default();
                        serve(state, compiled, path, query, headers).await
                    }
                },
            ),
        );
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_pick_and_map_values() {
        let data = crate::json!({ "pagos": { "items": [
            { "id": "p1", "montoTotal": { "valor": "10.00", "moneda": "USD" } },
            { "id": "p2", "montoTotal": { "valor": "5", "moneda": "COP" } } ],
            "paginacion": { "total": 2 } } });
        let template = crate::json!({
            "data": { "$each": "$.pagos.items", "$map": { "id": "$.id", "monto": "$.montoTotal.valor", "fijo": 1 } },
            "pagination": { "total": "$.pagos.paginacion.total", "missing": "$.nope.x" },
            "first": "$.pagos.items.0.id",
        });
        assert_eq!(
            render(&template, &data),
            crate::json!({
                "data": [{ "id": "p1", "monto": "10.00", "fijo": 1 }, { "id": "p2", "monto": "5", "fijo": 1 }],
                "pagination": { "total": 2, "missing": null },
                "first": "p1",
            })
        );
    }

    #[test]
    fn parameters_bind_typed_and_nested() {
        let route = CompiledRoute::compile(&RestRoute {
            path: "/x/{id}".into(),
            operation: Some("query X { __typename }".into()),
            variables: [
                ("id", "path.id"),
                ("paginacion.page", "query.page:int"),
                ("paginacion.perPage", "query.per_page:int"),
                ("filtro.montoMin", "query.monto_min:decimal"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        let path = HashMap::from([("id".to_owned(), "abc".to_owned())]);
        let query = HashMap::from([
            ("page".to_owned(), "2".to_owned()),
            ("monto_min".to_owned(), "10.50".to_owned()),
        ]);
        let variables = route
            .variables(&path, &query, &HeaderMap::new())
            .expect("bound");
        assert_eq!(
            Value::Object(variables),
            json!({ "id": "abc", "paginacion": { "page": 2 }, "filtro": { "montoMin": "10.50" } })
        );
        let bad = HashMap::from([("page".to_owned(), "dos".to_owned())]);
        assert!(route.variables(&path, &bad, &HeaderMap::new()).is_err());
        assert!(binding("x", "body.x").is_err());
        assert!(binding("x", "query.x:float").is_err());
    }
}
