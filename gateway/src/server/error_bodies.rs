//! Every error answer is a GraphQL response with `extensions.code`: answers made by HTTP
//! layers and extractors (413 body too large, 404, 405, 504 request timeout, 500 after a
//! panic) come with plain-text or empty bodies, which clients of a GraphQL API cannot read;
//! this layer replaces those bodies. Over-long URIs are refused here with 414, before any
//! handler looks at them.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// What the layer needs to word its messages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ErrorBodies {
    /// Largest request body, in bytes.
    pub(crate) max_body_bytes: usize,
    /// Longest request URI, in bytes.
    pub(crate) max_uri_bytes: usize,
}

/// The code and message of an error status (in Spanish, like every message clients
/// read); messages never carry what a panic said.
pub(crate) fn describe(status: StatusCode, limits: ErrorBodies) -> (&'static str, String) {
    match status.as_u16() {
        400 => ("BAD_REQUEST", "La petición HTTP está mal formada".into()),
        404 => ("NOT_FOUND", "No se sirve nada en esta ruta".into()),
        405 => (
            "METHOD_NOT_ALLOWED",
            "Esta ruta no acepta ese método HTTP".into(),
        ),
        413 => (
            "PAYLOAD_TOO_LARGE",
            format!(
                "El cuerpo de la petición supera los {} bytes permitidos",
                limits.max_body_bytes
            ),
        ),
        414 => (
            "URI_TOO_LONG",
            format!(
                "La URI de la petición supera los {} bytes permitidos",
                limits.max_uri_bytes
            ),
        ),
        415 => (
            "UNSUPPORTED_MEDIA_TYPE",
            "El cuerpo de la petición debe ser application/json".into(),
        ),
        431 => (
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "Las cabeceras de la petición son demasiado grandes".into(),
        ),
        // Apollo Router's code for its request timeout.
        504 => (
            "REQUEST_TIMEOUT",
            "La petición no terminó dentro de su tiempo máximo".into(),
        ),
        500..=599 => ("INTERNAL_SERVER_ERROR", "Error interno del servidor".into()),
        _ => ("BAD_REQUEST", status.to_string()),
    }
}

/// A GraphQL error response with this status.
pub(crate) fn graphql_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// Whether an answer already has a body a client can read (JSON, or a page of its own).
fn has_readable_body(response: &Response) -> bool {
    match response.headers().get(header::CONTENT_TYPE) {
        None => false,
        Some(value) => {
            let media = value.to_str().unwrap_or_default().to_ascii_lowercase();
            !media.starts_with("text/plain")
        }
    }
}

/// The middleware: 414 for over-long URIs; error answers without a readable body get a
/// GraphQL one (their other headers, `Allow` or `Retry-After` say, are kept).
pub(crate) async fn enforce(
    State(limits): State<ErrorBodies>,
    request: Request,
    next: Next,
) -> Response {
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_bytes > limits.max_uri_bytes {
        let (code, message) = describe(StatusCode::URI_TOO_LONG, limits);
        return graphql_error(StatusCode::URI_TOO_LONG, code, message);
    }
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || has_readable_body(&response) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let (code, message) = describe(status, limits);
    let mut replaced = graphql_error(status, code, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    *replaced.headers_mut() = parts.headers;
    replaced
}
