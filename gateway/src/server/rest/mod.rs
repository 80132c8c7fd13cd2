//! REST-compatible endpoints (what an old REST API served): each configured route runs one
//! persisted GraphQL operation, with path, query-string, header and body values bound to
//! its variables ([`bindings`]), and answers JSON shaped by a template ([`template`]). They
//! go through the engine like any request: authentication, field authorization, limits
//! and the response cache apply.

mod bindings;
mod docs;
pub(crate) mod openapi;
mod template;

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

use bindings::{Binding, Raw, Source, bindings, insert};
use template::{lookup, raw_body, render};

use super::{
    AppState,
    http::{authenticate, cache_headers, options, unauthenticated},
};
use crate::{
    config::{RestConfig, RestRoute},
    json as data,
    pipeline::{GraphqlRequest, HttpMethod},
};

/// A route ready to serve.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRoute {
    path: String,
    method: axum::http::Method,
    status: StatusCode,
    document: String,
    operation_name: Option<String>,
    bindings: Vec<Binding>,
    template: Option<data::Value>,
}

impl CompiledRoute {
    /// Checks a configured route: its bindings, its template and its document source.
    pub(crate) fn compile(route: &RestRoute) -> Result<Self, String> {
        if route.external {
            return Err("an external route is documented, not run: it has no operation".into());
        }
        let document = document(route)?;
        let mut all = Vec::new();
        for (target, spec) in &route.variables {
            all.extend(bindings(target, spec)?);
        }
        let bindings = all;
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
            path: route.path.clone(),
            method,
            status,
            document,
            operation_name: route.operation_name.clone(),
            bindings,
            template,
        })
    }

    /// The variables of a request, or the first malformed parameter. Every value given is
    /// checked; of alternatives for one variable, the first given is used.
    fn variables(
        &self,
        path: &HashMap<String, String>,
        query: &HashMap<String, String>,
        headers: &HeaderMap,
        body: Option<&data::Value>,
    ) -> Result<Map<String, Value>, BadParameter> {
        let mut variables = Map::new();
        let mut bound: Vec<&[String]> = Vec::new();
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
            let value = b.value(raw).map_err(|message| BadParameter {
                name: b.parameter().to_owned(),
                message,
            })?;
            if bound.contains(&b.target.as_slice()) {
                continue;
            }
            bound.push(&b.target);
            insert(&mut variables, &b.target, value);
        }
        Ok(variables)
    }
}

/// A request value that does not fit its binding: the parameter (or body field) and why.
#[derive(Debug)]
struct BadParameter {
    name: String,
    message: String,
}

/// The JSON Schema of an external route's answer (`response_schema`), checked.
pub(crate) fn external_schema(route: &RestRoute) -> Result<Value, String> {
    if route.operation.is_some()
        || route.operation_file.is_some()
        || !route.variables.is_empty()
        || route.response.is_some()
    {
        return Err(
            "an external route is served by the deployment: give only its path, method, status \
             and response_schema"
                .into(),
        );
    }
    let text = route
        .response_schema
        .as_deref()
        .ok_or("an external route needs response_schema (the JSON Schema of its answer)")?;
    match serde_json::from_str::<Value>(text) {
        Ok(schema @ Value::Object(_)) => Ok(schema),
        Ok(_) => Err("response_schema is not a JSON object".into()),
        Err(e) => Err(format!("response_schema is not JSON: {e}")),
    }
}

/// A route's operation document: its `operation`, or its `operation_file` read now.
pub(crate) fn document(route: &RestRoute) -> Result<String, String> {
    match (&route.operation, &route.operation_file) {
        (Some(text), None) => Ok(text.clone()),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display())),
        _ => Err("give exactly one of operation or operation_file".into()),
    }
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
        Err(bad) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                bad.message,
                Some(bad.name),
            );
        }
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
        exact_variables: Default::default(),
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

/// The configured routes; routes sharing a path answer each its method. `/spec` also
/// documents the BFF health and metrics documents and the external routes.
pub(crate) fn router(config: &RestConfig, state: Arc<AppState>) -> Router {
    let mut by_path: Vec<(String, MethodRouter)> = Vec::new();
    let mut served: Vec<Arc<CompiledRoute>> = Vec::with_capacity(config.routes.len());
    let mut fixed = openapi::fixed::documented(config);
    for route in &config.routes {
        if route.external {
            match external_schema(route) {
                Ok(schema) => fixed.push(openapi::fixed::external(route, schema)),
                Err(problem) => {
                    tracing::error!(path = %route.path, %problem, "external REST route undocumented");
                }
            }
            continue;
        }
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
        served.push(compiled.clone());
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
    let router = by_path
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(&path, methods)
        });
    if served.is_empty() && fixed.is_empty() {
        return router;
    }
    // Their OpenAPI document, from the schema being served now (it changes on a reload).
    let routes: Arc<[Arc<CompiledRoute>]> = served.into();
    let fixed: Arc<[openapi::fixed::Fixed]> = fixed.into();
    router
        .route(
            "/spec",
            axum::routing::get(move || {
                let (state, routes, fixed) = (state.clone(), routes.clone(), fixed.clone());
                async move {
                    let engine = state.engine();
                    Json(openapi::document(
                        &routes,
                        &fixed,
                        &engine.supergraph().api_schema,
                    ))
                }
            }),
        )
        .route("/docs", axum::routing::get(docs::page))
        .route("/docs/docs.js", axum::routing::get(docs::script))
}
