//! GraphQL over HTTP (the GraphQL-over-HTTP spec): POST JSON, GET for queries.

use std::sync::Arc;

use apollo_compiler::response::JsonMap;
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, limits::RateCharge};
use crate::{
    auth::{AuthError, Claims, LoginError},
    engine::{Engine, EngineResponse, RequestOptions},
    pipeline::{ErrorCode, GraphqlRequest, HttpMethod},
};

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Request header that adds the query plan to `extensions.queryPlan`.
pub const EXPOSE_PLAN_HEADER: &str = "x-query-plan";

/// Whether the client accepts `application/graphql-response+json` (then request errors
/// carry 4xx statuses); otherwise the legacy `application/json` with 200.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.split(';').next().unwrap_or_default().trim())
        .find(|v| *v == GRAPHQL_RESPONSE || *v == "application/json" || *v == "*/*")
        .is_some_and(|v| v == GRAPHQL_RESPONSE)
}

pub(crate) fn respond(headers: &HeaderMap, response: EngineResponse) -> Response {
    let modern = wants_graphql_response(headers);
    let status = match response.request_error {
        Some(ErrorCode::MethodNotAllowed) => StatusCode::METHOD_NOT_ALLOWED,
        // Not errors of the request itself: the status says so to every client.
        Some(ErrorCode::RequestTimeout) => StatusCode::GATEWAY_TIMEOUT,
        Some(ErrorCode::InternalServerError) => StatusCode::INTERNAL_SERVER_ERROR,
        // Like a bad token, a refused subscription says so with its status to every client.
        Some(ErrorCode::Unauthenticated) => StatusCode::UNAUTHORIZED,
        Some(ErrorCode::Forbidden) => StatusCode::FORBIDDEN,
        Some(code) if modern => {
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
        _ => StatusCode::OK,
    };
    let content_type = if modern {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let mut http = (status, response.body).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(cache) = response.cache {
        cache_headers(&mut http, cache);
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        http.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    http
}

/// `Cache-Control`, `Age` and `x-cache` of an answer from (or stored in) the response cache.
pub(crate) fn cache_headers(http: &mut Response, cache: crate::cache::CacheStatus) {
    let scope = if cache.private { "private" } else { "public" };
    if let Ok(value) = HeaderValue::from_str(&format!("{scope}, max-age={}", cache.max_age)) {
        http.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    http.headers_mut()
        .insert(header::AGE, HeaderValue::from(cache.age));
    http.headers_mut().insert(
        "x-cache",
        HeaderValue::from_static(if cache.hit { "HIT" } else { "MISS" }),
    );
}

fn bad_request(headers: &HeaderMap, status: StatusCode, message: String) -> Response {
    refuse(headers, status, "BAD_REQUEST", message)
}

/// A request refused before it reaches the engine, as a GraphQL error with `code`.
pub(crate) fn refuse(
    headers: &HeaderMap,
    status: StatusCode,
    code: &str,
    message: String,
) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut http = (status, Json(body)).into_response();
    let content_type = if wants_graphql_response(headers) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}

pub(crate) fn options(
    headers: &HeaderMap,
    method: HttpMethod,
    claims: Option<Claims>,
) -> RequestOptions {
    RequestOptions {
        claims,
        request_id: headers
            .get(crate::executor::REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        api_key: headers
            .get(crate::executor::API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        method: Some(method),
        expose_plan: headers
            .get(EXPOSE_PLAN_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
        // The engine's own request timeout, from when it starts.
        deadline: None,
        // Set by the transports that deliver deferred payloads apart.
        incremental: None,
    }
}

/// The caller's claims from the `Authorization` header.
pub(crate) async fn authenticate(
    engine: &Engine,
    headers: &HeaderMap,
) -> Result<Option<Claims>, AuthError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    engine.authenticate(authorization).await
}

/// 401 for a token that does not verify.
pub(crate) fn unauthenticated(error: &AuthError) -> Response {
    let body = json!({ "errors": [{ "message": error.to_string(), "extensions": { "code": "UNAUTHENTICATED" } }] });
    let mut http = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    http.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    http
}

/// `POST /graphql` with a JSON body.
pub(crate) async fn post(
    State(state): State<Arc<AppState>>,
    charge: Option<Extension<RateCharge>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let media = v.split(';').next().unwrap_or_default().trim();
            media.eq_ignore_ascii_case("application/json")
        });
    if !json_body {
        return refuse(
            &headers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "El cuerpo de un POST a /graphql debe ser application/json".into(),
        );
    }
    if super::batch::is_batch(&body) {
        let claims = match authenticate(&state.engine(), &headers).await {
            Ok(claims) => claims,
            Err(error) => return unauthenticated(&error),
        };
        let charge = charge.as_ref().map(|Extension(charge)| charge);
        return super::batch::respond(state, &headers, &body, charge, claims).await;
    }
    let request = match GraphqlRequest::from_json(&body) {
        Ok(request) => request,
        Err(e) => {
            return bad_request(
                &headers,
                StatusCode::BAD_REQUEST,
                format!("the body is not a GraphQL request: {e}"),
            );
        }
    };
    let engine = state.engine();
    let claims = match authenticate(&engine, &headers).await {
        Ok(claims) => claims,
        Err(error) => return unauthenticated(&error),
    };
    if super::sse::wanted(&headers) {
        return super::sse::respond(state, &headers, request, claims).await;
    }
    let mut options = options(&headers, HttpMethod::Post, claims);
    options.incremental = super::multipart::wanted(&headers);
    let run = engine.execute(&request, &options);
    let response = crate::telemetry::traced_request(&headers, &request, run).await;
    super::multipart::respond(&headers, response)
}

/// GET parameters: JSON-encoded `variables` and `extensions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn json_param(name: &str, raw: Option<String>) -> Result<Option<JsonMap>, String> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => serde_json::from_str::<Option<JsonMap>>(&text)
            .map_err(|_| format!("the {name} parameter must be a JSON object")),
    }
}

/// `GET /graphql?query=…`: queries only; a WebSocket upgrade opens a
/// `graphql-transport-ws` connection.
pub(crate) async fn get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    upgrade: Result<
        axum::extract::ws::WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Ok(upgrade) = upgrade {
        return super::ws::upgrade(state, headers, upgrade);
    }
    let Ok(Query(params)) = params else {
        return bad_request(
            &headers,
            StatusCode::BAD_REQUEST,
            "malformed query string".into(),
        );
    };
    let exact_variables = params
        .variables
        .as_deref()
        .map(crate::pipeline::exact_variables_in)
        .unwrap_or_default();
    let variables = match json_param("variables", params.variables) {
        Ok(v) => v,
        Err(message) => return bad_request(&headers, StatusCode::BAD_REQUEST, message),
    };
    let extensions = match json_param("extensions", params.extensions) {
        Ok(v) => v,
        Err(message) => return bad_request(&headers, StatusCode::BAD_REQUEST, message),
    };
    let request = GraphqlRequest {
        query: params.query,
        operation_name: params.operation_name,
        variables,
        extensions,
        exact_variables,
    };
    let engine = state.engine();
    let claims = match authenticate(&engine, &headers).await {
        Ok(claims) => claims,
        Err(error) => return unauthenticated(&error),
    };
    let mut options = options(&headers, HttpMethod::Get, claims);
    options.incremental = super::multipart::wanted(&headers);
    let run = engine.execute(&request, &options);
    let response = crate::telemetry::traced_request(&headers, &request, run).await;
    super::multipart::respond(&headers, response)
}

/// `POST /auth/login` body.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginRequest {
    username: String,
    password: String,
}

/// Largest `POST /auth/login` body read (the route's body limit).
pub(crate) const MAX_LOGIN_BODY: usize = 16 << 10;

/// `POST /auth/login`: a token for a configured user; 404 when no users are configured,
/// 429 with `Retry-After` after too many failures for the user name or from the address.
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
) -> Response {
    let headers = request.headers().clone();
    // Behind trusted proxies, the client X-Forwarded-For names: throttling by the proxy's
    // own address would lock every user out at once.
    let client = state.trusted_proxies.of_request(&request);
    let engine = state.engine();
    let Some(login) = engine.login() else {
        return refuse(
            &headers,
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no login on this gateway".into(),
        );
    };
    // The route's body limit applies with or without a Content-Length.
    let body = match <Bytes as axum::extract::FromRequest<()>>::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                &headers,
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("El cuerpo de la petición supera los {MAX_LOGIN_BODY} bytes permitidos"),
            );
        }
        Err(_) => Bytes::new(),
    };
    let Some(credentials) = serde_json::from_slice::<LoginRequest>(&body).ok() else {
        return bad_request(
            &headers,
            StatusCode::BAD_REQUEST,
            "expected {\"username\", \"password\"} as JSON".into(),
        );
    };
    match login
        .login(&credentials.username, &credentials.password, client)
        .await
    {
        Ok(token) => Json(token).into_response(),
        Err(error @ LoginError::Invalid) => {
            let mut response = refuse(
                &headers,
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                error.to_string(),
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        Err(error @ LoginError::Throttled { retry_after }) => {
            let millis = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX);
            let body = json!({ "errors": [{
                "message": error.to_string(),
                "extensions": { "code": "RATE_LIMITED", "retryAfterMs": millis },
            }]});
            let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs_f64().ceil().max(1.0) as u64),
            );
            response
        }
        Err(LoginError::Internal(error)) => {
            tracing::error!(%error, "login failed");
            refuse(
                &headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "the login could not be completed".into(),
            )
        }
    }
}
