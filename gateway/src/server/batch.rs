//! Client operation batching: a JSON array of operations in one `POST /graphql`, answered
//! as an array in the same order. Each operation runs as if sent alone (its own parsing,
//! validation, limits, authorization and errors); they share the caller's token and run
//! concurrently. Off unless `batching.enabled`; a batch over `batching.max_operations`
//! runs nothing, and it weighs its size in the rate limits.

use std::sync::Arc;

use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::value::RawValue;

use super::{AppState, http, limits::RateCharge};
use crate::{
    auth::Claims,
    pipeline::{GraphqlRequest, HttpMethod},
};

/// Whether a JSON body is an array (a batch) rather than one request: its first
/// non-blank byte.
pub(crate) fn is_batch(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[')
}

/// Runs a batch, or refuses it as a whole (disabled, malformed, empty, too big, over the
/// rate limit) before any operation runs.
pub(crate) async fn respond(
    state: Arc<AppState>,
    headers: &HeaderMap,
    body: &Bytes,
    charge: Option<&RateCharge>,
    claims: Option<Claims>,
) -> Response {
    let settings = &state.batching;
    if !settings.enabled {
        return http::refuse(
            headers,
            StatusCode::BAD_REQUEST,
            "BATCHING_NOT_ENABLED",
            "Este gateway no acepta lotes de operaciones: envíe una operación por petición".into(),
        );
    }
    // Each element stays raw text until the count is known: nothing larger is built.
    let elements: Vec<&RawValue> = match serde_json::from_slice(body) {
        Ok(elements) => elements,
        Err(e) => {
            return http::refuse(
                headers,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("El lote no es un arreglo JSON de operaciones: {e}"),
            );
        }
    };
    if elements.is_empty() || elements.len() > settings.max_operations {
        return http::refuse(
            headers,
            StatusCode::BAD_REQUEST,
            "BATCH_LIMIT_EXCEEDED",
            format!(
                "Un lote lleva de 1 a {} operaciones; este lleva {}",
                settings.max_operations,
                elements.len()
            ),
        );
    }
    // The middleware charged one request; the batch weighs one per operation.
    if let Some(charge) = charge
        && let Err(limited) = charge
            .take(u32::try_from(elements.len() - 1).unwrap_or(u32::MAX))
            .await
    {
        return limited;
    }
    let engine = state.engine();
    let runs = elements.iter().map(|element| {
        let (engine, claims) = (engine.clone(), claims.clone());
        async move {
            match GraphqlRequest::from_json(element.get().as_bytes()) {
                Ok(request) => {
                    let options = http::options(headers, HttpMethod::Post, claims);
                    let run = engine.execute(&request, &options);
                    crate::telemetry::traced_request(headers, &request, run)
                        .await
                        .body
                }
                Err(e) => refused_element(&format!("No es una petición GraphQL: {e}")),
            }
        }
    });
    let answers: Vec<Bytes> = futures::future::join_all(runs).await;
    let mut out = Vec::with_capacity(answers.iter().map(|a| a.len() + 1).sum::<usize>() + 2);
    crate::json::write_raw_array(&mut out, answers.iter().map(|a| &a[..]));
    // Per-operation statuses and cache headers do not combine: the array is the answer.
    let mut response = (StatusCode::OK, out).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The answer of one element that is not a GraphQL request.
fn refused_element(message: &str) -> Bytes {
    let body = serde_json::json!({ "errors": [{
        "message": message,
        "extensions": { "code": "BAD_REQUEST" },
    }]});
    Bytes::from(body.to_string())
}
