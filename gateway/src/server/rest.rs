//! REST-compatible endpoints (what an old REST BFF served): each configured route runs one
//! persisted GraphQL operation, with path, query-string and header values bound to its
//! variables, and answers JSON shaped by a template. They go through the engine like any
//! request: authentication, field authorization, limits and the response cache apply.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{MethodFilter, MethodRouter},
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
    /// Enum values accepted under another name (`COMPLETED` → `EXITOSO`), upper case.
    aliases: Vec<(String, String)>,
    /// The raw value used when the request gives none.
    default: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Path,
    Query,
    Header,
    /// A field of the JSON body (`name` is its dotted path; empty: the whole body).
    Body,
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
    /// A body value as it is (objects and lists included).
    Json,
    /// A calendar date: the date part of an ISO date-time (`1985-03-15T00:00:00`).
    Date,
}

/// A route ready to serve.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRoute {
    method: axum::http::Method,
    status: StatusCode,
    document: String,
    operation_name: Option<String>,
    bindings: Vec<Binding>,
    template: Option<data::Value>,
}

/// Parses `query.page:int` (source, name, optional type), with an optional default
/// (`query.limit:int=5`) and, for enums, aliases (`query.estado:enum(COMPLETED=EXITOSO)`).
fn binding(target: &str, spec: &str) -> Result<Binding, String> {
    let (location, typed) = spec.split_once(':').unwrap_or((spec, ""));
    let (typed, default) = match typed.rsplit_once('=') {
        // An `=` inside the aliases' parentheses is not a default.
        Some((head, value)) if !value.contains(')') => (head, Some(value.to_owned())),
        _ => (typed, None),
    };
    let (kind, aliases) = match typed.split_once('(') {
        Some((kind, list)) => {
            let list = list
                .strip_suffix(')')
                .ok_or_else(|| format!("{spec:?}: unclosed alias list"))?;
            (kind, aliases(spec, list)?)
        }
        None => (typed, Vec::new()),
    };
    let (source, name) = match location.split_once('.') {
        Some(split) => split,
        None if location == "body" => ("body", ""),
        None => {
            return Err(format!(
                "{spec:?}: expected path.NAME, query.NAME, header.NAME, body.NAME or body"
            ));
        }
    };
    let source = match source {
        "path" => Source::Path,
        "query" => Source::Query,
        "header" => Source::Header,
        "body" => Source::Body,
        other => return Err(format!("{spec:?}: unknown source {other:?}")),
    };
    let kind = match kind {
        "" if source == Source::Body => Kind::Json,
        "" => Kind::String,
        "string" | "id" => Kind::String,
        "int" => Kind::Int,
        "bool" => Kind::Bool,
        "decimal" => Kind::Decimal,
        "enum" => Kind::Enum,
        "date" => Kind::Date,
        "json" if source == Source::Body => Kind::Json,
        other => {
            return Err(format!(
                "{spec:?}: unknown type {other:?} (string, id, int, bool, decimal, enum, date, json)"
            ));
        }
    };
    if !aliases.is_empty() && kind != Kind::Enum {
        return Err(format!("{spec:?}: only enum values take aliases"));
    }
    Ok(Binding {
        target: target.split('.').map(str::to_owned).collect(),
        source,
        name: name.to_owned(),
        kind,
        aliases,
        default,
    })
}

/// `OLD=NEW,OTHER=VALUE` → upper-cased pairs.
fn aliases(spec: &str, list: &str) -> Result<Vec<(String, String)>, String> {
    list.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (from, to) = pair
                .split_once('=')
                .ok_or_else(|| format!("{spec:?}: alias {pair:?} is not OLD=NEW"))?;
            Ok((from.trim().to_uppercase(), to.trim().to_uppercase()))
        })
        .collect()
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
        let method = route
            .method
            .as_deref()
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let method = axum::http::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("{method:?} is not an HTTP method"))?;
        let status = StatusCode::from_u16(route.status.unwrap_or(200))
            .map_err(|_| "the status is not an HTTP status".to_owned())?;
        Ok(Self {
            method,
            status,
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
        body: Option<&data::Value>,
    ) -> Result<Map<String, Value>, String> {
        let mut variables = Map::new();
        for b in &self.bindings {
            let raw = match b.source {
                Source::Path => path.get(&b.name).cloned().map(Raw::Text),
                Source::Query => query.get(&b.name).cloned().map(Raw::Text),
                Source::Header => headers
                    .get(&b.name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| Raw::Text(v.to_owned())),
                Source::Body => body
                    .map(|body| lookup(body, &b.name))
                    .filter(|value| !value.is_null())
                    .map(Raw::Json),
            };
            let raw = raw
                .filter(|r| !matches!(r, Raw::Text(text) if text.is_empty()))
                .or_else(|| b.default.clone().map(Raw::Text));
            let Some(raw) = raw else {
                continue;
            };
            insert(&mut variables, &b.target, b.value(raw)?);
        }
        Ok(variables)
    }
}

/// A body value as a variable: integers stay numbers, other numbers become their text as
/// written (decimals: an old client's `1250.50` is money, which the schema takes as text).
fn variable(value: &data::Value) -> Value {
    match value {
        data::Value::Null => Value::Null,
        data::Value::Bool(flag) => Value::Bool(*flag),
        data::Value::Number(number) => number
            .as_i64()
            .map_or_else(|| Value::String(number.as_str().to_owned()), Value::from),
        data::Value::String(text) => Value::String(text.to_string()),
        data::Value::Array(items) => Value::Array(items.iter().map(variable).collect()),
        data::Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.to_string(), variable(value)))
                .collect(),
        ),
    }
}

/// A parameter's value before its type is applied: text (path, query, header, default)
/// or a value of the JSON body.
enum Raw<'a> {
    Text(String),
    Json(&'a data::Value),
}

impl Binding {
    /// The variable's value, typed; the message for a caller who sent the wrong kind.
    fn value(&self, raw: Raw<'_>) -> Result<Value, String> {
        let name = if self.name.is_empty() {
            "body"
        } else {
            self.name.as_str()
        };
        let text = match &raw {
            Raw::Text(text) => Some(text.trim().to_owned()),
            Raw::Json(data::Value::String(text)) => Some(text.to_string()),
            // Numbers keep the digits the caller wrote (money is never re-rounded).
            Raw::Json(data::Value::Number(number)) => Some(number.as_str().to_owned()),
            Raw::Json(data::Value::Bool(flag)) => Some(flag.to_string()),
            Raw::Json(_) => None,
        };
        let wrong = |expected: &str| format!("parameter {name:?} must be {expected}");
        Ok(match self.kind {
            Kind::Json => match raw {
                Raw::Json(value) => variable(value),
                Raw::Text(text) => Value::String(text),
            },
            // A list of enum values, each as an enum value.
            Kind::Enum if matches!(raw, Raw::Json(data::Value::Array(_))) => {
                let items = match raw {
                    Raw::Json(data::Value::Array(items)) => items.as_slice(),
                    _ => &[],
                };
                let values = items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(|text| Value::String(self.enum_value(text)))
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| wrong("a list of names"))?;
                Value::Array(values)
            }
            Kind::String | Kind::Decimal => Value::String(text.ok_or_else(|| wrong("text"))?),
            Kind::Enum => Value::String(self.enum_value(&text.ok_or_else(|| wrong("text"))?)),
            Kind::Date => {
                let text = text.ok_or_else(|| wrong("a date"))?;
                let date = text.split(['T', ' ']).next().unwrap_or_default();
                Value::String(date.to_owned())
            }
            Kind::Int => text
                .and_then(|t| t.parse::<i64>().ok())
                .map(Value::from)
                .ok_or_else(|| wrong("an integer"))?,
            Kind::Bool => match text.as_deref() {
                Some("true" | "1") => Value::Bool(true),
                Some("false" | "0") => Value::Bool(false),
                _ => return Err(wrong("true or false")),
            },
        })
    }

    /// An enum value from a name in any case, or its alias.
    fn enum_value(&self, text: &str) -> String {
        let upper = text.trim().to_uppercase();
        self.aliases
            .iter()
            .find(|(from, _)| *from == upper)
            .map_or(upper, |(_, to)| to.clone())
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
/// "$map": template}` maps every element (inside, `$.` is the element); `{"$count": t}` is
/// the length of the list `t` gives, `{"$sum": [t, …]}` the sum of integers, `{"$gt": [a,
/// b]}` whether integer `a` exceeds `b`, `{"$param": "q"}` the request's parameter (path
/// or query string); everything else is copied as is. A template `{"$body": t, "$type": t}`
/// answers the text `t` gives, with that content type, instead of JSON.
pub(crate) fn render(
    template: &data::Value,
    root: &data::Value,
    params: &HashMap<String, String>,
) -> data::Value {
    use data::Value;
    let integer = |t: &Value| match render(t, root, params) {
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    match template {
        Value::String(s) => match s.strip_prefix("$.") {
            Some(path) => lookup(root, path).clone(),
            None if s == "$" => root.clone(),
            None => template.clone(),
        },
        Value::Object(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next().map(|(k, v)| (k.as_str(), v)).unzip();
            let arguments = || argument.and_then(Value::as_array).map(Vec::as_slice);
            match (key, arguments()) {
                (Some("$count"), _) => {
                    let list = argument.map(|a| render(a, root, params));
                    let count = list.as_ref().and_then(Value::as_array).map_or(0, Vec::len);
                    integer_value(count as i64)
                }
                (Some("$sum"), Some(terms)) => {
                    integer_value(terms.iter().filter_map(integer).sum::<i64>())
                }
                (Some("$gt"), Some([a, b])) => match (integer(a), integer(b)) {
                    (Some(a), Some(b)) => Value::Bool(a > b),
                    _ => Value::Null,
                },
                (Some("$param"), _) => argument
                    .and_then(Value::as_str)
                    .and_then(|name| params.get(name))
                    .map_or(Value::Null, |value| Value::from(value.as_str())),
                _ => Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), render(v, root, params)))
                        .collect(),
                ),
            }
        }
        Value::Object(map) => {
            if let (Some(Value::String(each)), Some(inner)) = (map.get("$each"), map.get("$map")) {
                let list = match each.strip_prefix("$.") {
                    Some(path) => lookup(root, path),
                    None => &Value::Null,
                };
                return Value::Array(
                    list.as_array()
                        .map(|items| {
                            items
                                .iter()
                                .map(|item| render(inner, item, params))
                                .collect()
                        })
                        .unwrap_or_default(),
                );
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), render(v, root, params)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render(v, root, params)).collect())
        }
        other => other.clone(),
    }
}

/// A shaped answer `{"$body": "text", "$type": "text/csv"}` (both rendered): the text
/// sent as it is, with that content type (default `text/plain`), not as JSON.
fn raw_body(shaped: &data::Value) -> Option<(String, String)> {
    let map = shaped.as_object()?;
    let text = map.get("$body")?.as_str()?.to_owned();
    let content_type = map
        .get("$type")
        .and_then(data::Value::as_str)
        .unwrap_or("text/plain; charset=utf-8")
        .to_owned();
    Some((content_type, text))
}

/// An integer as a JSON number.
fn integer_value(n: i64) -> data::Value {
    data::Number::from_text(&n.to_string()).map_or(data::Value::Null, data::Value::Number)
}

/// An error answer: `{error, code}`, and `campo` for a field at fault.
fn error(status: StatusCode, code: &str, message: String, field: Option<String>) -> Response {
    let mut body = json!({ "error": message, "code": code });
    if let Some(field) = field {
        body["campo"] = Value::String(field);
    }
    (status, Json(body)).into_response()
}

/// The HTTP status of a GraphQL error code.
fn status_of(code: &str) -> StatusCode {
    match code {
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
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
    body: Bytes,
) -> Response {
    // Parsed keeping numbers as written: amounts reach the operation exactly.
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match data::parse(&body) {
            Ok(body) => Some(body),
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    format!("El cuerpo no es JSON: {e}"),
                    None,
                );
            }
        }
    };
    let variables = match route.variables(&path, &query, &headers, body.as_ref()) {
        Ok(variables) => variables,
        Err(message) => return error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message, None),
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
    // Only a GET route is held to queries.
    let method = if route.method == axum::http::Method::GET {
        HttpMethod::Get
    } else {
        HttpMethod::Post
    };
    let options = options(&headers, method, claims);
    let run = engine.execute(&request, &options);
    let response = crate::telemetry::traced_request(&headers, &request, run).await;
    // Parsed keeping numbers as written: the answer is passed on byte-exact.
    let mut answer = data::parse(&response.body).unwrap_or_default();
    if let Some(first) = answer
        .get("errors")
        .and_then(data::Value::as_array)
        .and_then(|e| e.first())
    {
        let text =
            |value: Option<&data::Value>| value.and_then(data::Value::as_str).map(str::to_owned);
        let extensions = first.get("extensions");
        let code = text(extensions.and_then(|e| e.get("code")))
            .unwrap_or_else(|| "INTERNAL_SERVER_ERROR".to_owned());
        let message = text(first.get("message")).unwrap_or_else(|| "error".to_owned());
        let field = text(extensions.and_then(|e| e.get("campo")));
        return error(status_of(&code), &code, message, field);
    }
    let data = answer
        .get_mut("data")
        .map(data::Value::take)
        .unwrap_or_default();
    if route.status == StatusCode::NO_CONTENT {
        return StatusCode::NO_CONTENT.into_response();
    }
    let shaped = match &route.template {
        Some(template) => {
            let mut params = query;
            params.extend(path);
            render(template, &data, &params)
        }
        None => data,
    };
    let mut http = match raw_body(&shaped) {
        Some((content_type, text)) => {
            let mut http = (route.status, text).into_response();
            if let Ok(value) = axum::http::HeaderValue::from_str(&content_type) {
                http.headers_mut()
                    .insert(axum::http::header::CONTENT_TYPE, value);
            }
            http
        }
        None => (route.status, Json(shaped)).into_response(),
    };
    if let Some(cache) = response.cache {
        cache_headers(&mut http, cache);
    }
    http
}

/// The configured routes; routes sharing a path answer each its method.
pub(crate) fn router(routes: &[RestRoute], state: Arc<AppState>) -> Router {
    let mut by_path: Vec<(String, MethodRouter)> = Vec::new();
    for route in routes {
        let compiled = match CompiledRoute::compile(route) {
            Ok(compiled) => Arc::new(compiled),
            // Validated at start; a file that vanished since is logged and left out.
            Err(problem) => {
                tracing::error!(path = %route.path, %problem, "REST route left out");
                continue;
            }
        };
        let Ok(filter) = MethodFilter::try_from(compiled.method.clone()) else {
            continue;
        };
        let state = state.clone();
        let handler = move |path: Option<Path<HashMap<String, String>>>,
                            Query(query): Query<HashMap<String, String>>,
                            headers: HeaderMap,
                            body: Bytes| {
            let (state, compiled) = (state.clone(), compiled.clone());
            async move {
                let path = path.map(|Path(p)| p).unwrap_or_default();
                serve(state, compiled, path, query, headers, body).await
            }
        };
        match by_path.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, methods)) => *methods = std::mem::take(methods).on(filter, handler),
            None => by_path.push((route.path.clone(), axum::routing::on(filter, handler))),
        }
    }
    by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(&path, methods)
        })
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
            render(&template, &data, &HashMap::new()),
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
            .variables(&path, &query, &HeaderMap::new(), None)
            .expect("bound");
        assert_eq!(
            Value::Object(variables),
            json!({ "id": "abc", "paginacion": { "page": 2 }, "filtro": { "montoMin": "10.50" } })
        );
        let bad = HashMap::from([("page".to_owned(), "dos".to_owned())]);
        assert!(
            route
                .variables(&path, &bad, &HeaderMap::new(), None)
                .is_err()
        );
        assert!(binding("x", "form.x").is_err());
        assert!(binding("x", "query.x:float").is_err());
    }

    #[test]
    fn template_operators_count_sum_compare_and_echo() {
        let data = crate::json!({ "a": [1, 2, 3], "b": [], "page": 2 });
        let template = crate::json!({
            "count": { "$count": "$.a" },
            "missing": { "$count": "$.nope" },
            "total": { "$sum": [{ "$count": "$.a" }, { "$count": "$.b" }, 4] },
            "has_prev": { "$gt": ["$.page", 1] },
            "first": { "$gt": [1, "$.page"] },
            "query": { "$param": "q" },
            "absent": { "$param": "nope" },
            "kept": { "other": "$.page" },
        });
        let params = HashMap::from([("q".to_owned(), "Juan".to_owned())]);
        assert_eq!(
            render(&template, &data, &params),
            crate::json!({ "count": 3, "missing": 0, "total": 7, "has_prev": true,
                "first": false, "query": "Juan", "absent": null, "kept": { "other": 2 } })
        );
    }

    #[test]
    fn enum_aliases_and_defaults_bind() {
        let route = CompiledRoute::compile(&RestRoute {
            path: "/x".into(),
            operation: Some("query X { __typename }".into()),
            variables: [
                (
                    "estado",
                    "query.estado:enum(COMPLETED=EXITOSO,failed=fallido)",
                ),
                ("limite", "query.limit:int=5"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        let bind = |pairs: &[(&str, &str)]| {
            let query = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Value::Object(
                route
                    .variables(&HashMap::new(), &query, &HeaderMap::new(), None)
                    .expect("bound"),
            )
        };
        assert_eq!(bind(&[]), json!({ "limite": 5 }));
        assert_eq!(
            bind(&[("estado", "completed"), ("limit", "2")]),
            json!({ "estado": "EXITOSO", "limite": 2 })
        );
        assert_eq!(bind(&[("estado", "Failed")])["estado"], "FALLIDO");
        assert_eq!(bind(&[("estado", "exitoso")])["estado"], "EXITOSO");
        assert!(
            binding("x", "query.x:int(A=B)").is_err(),
            "aliases are for enums"
        );
        assert!(binding("x", "query.x:enum(A=B").is_err());
        assert!(binding("x", "query.x:enum(AB)").is_err());
    }

    #[test]
    fn body_fields_bind_with_numbers_as_written() {
        let route = CompiledRoute::compile(&RestRoute {
            method: Some("post".into()),
            path: "/x".into(),
            operation: Some("mutation X { __typename }".into()),
            status: Some(201),
            variables: [
                ("input.nombre", "body.nombre"),
                ("input.monto", "body.pago.monto:decimal"),
                ("input.meta", "body.meta"),
                ("input.cuotas", "body.cuotas:int"),
                ("input.moneda", "body.moneda:enum=USD"),
                ("todo", "body"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(route.method, axum::http::Method::POST);
        assert_eq!(route.status, StatusCode::CREATED);
        let body = data::parse(
            br#"{"nombre":"Ana","pago":{"monto":1500.50},"meta":{"a":[1,2]},"cuotas":"3","moneda":null}"#,
        )
        .expect("json");
        let variables = route
            .variables(
                &HashMap::new(),
                &HashMap::new(),
                &HeaderMap::new(),
                Some(&body),
            )
            .expect("bound");
        assert_eq!(
            Value::Object(variables)["input"],
            json!({ "nombre": "Ana", "monto": "1500.50", "meta": { "a": [1, 2] }, "cuotas": 3,
                "moneda": "USD" })
        );
        let wrong = data::parse(br#"{"pago":{"monto":{"valor":1}}}"#).expect("json");
        assert!(
            route
                .variables(
                    &HashMap::new(),
                    &HashMap::new(),
                    &HeaderMap::new(),
                    Some(&wrong)
                )
                .is_err()
        );
        assert!(binding("x", "body.x:json").is_ok());
        assert!(
            binding("x", "query.x:json").is_err(),
            "only bodies carry JSON"
        );
    }
}
