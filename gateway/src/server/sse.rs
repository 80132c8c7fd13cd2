//! GraphQL over server-sent events (the GraphQL-over-SSE draft, "distinct connections"
//! mode): `POST /graphql` with `Accept: text/event-stream` streams each result as a `next`
//! event and ends with `complete`; subscriptions and every other operation alike.

use crate::executor::incremental::IncrementalFormat;
use std::{
    convert::Infallible,
    sync::{Arc, atomic::Ordering},
};

use axum::{
    http::{HeaderMap, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{StreamExt, stream};
use serde_json::json;

use super::{AppState, http};
use crate::{auth::Claims, pipeline::GraphqlRequest, pipeline::HttpMethod};

/// Whether the client asked for an event stream.
pub(crate) fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

/// Releases a subscription's place toward the global limit when its stream ends.
struct Slot(Arc<AppState>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Streams the request's results.
pub(crate) async fn respond(
    state: Arc<AppState>,
    headers: &HeaderMap,
    request: GraphqlRequest,
    claims: Option<Claims>,
) -> Response {
    if state.subscriptions.fetch_add(1, Ordering::SeqCst) >= state.ws.max_total {
        state.subscriptions.fetch_sub(1, Ordering::SeqCst);
        let body = json!({ "errors": [{
            "message": format!("the gateway already runs {} subscriptions, the most allowed", state.ws.max_total),
            "extensions": { "code": "SUBSCRIPTION_LIMIT" } }] });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    }
    let slot = Slot(state.clone());
    let engine = state.engine();
    let mut options = http::options(headers, HttpMethod::Streaming, claims);
    options.incremental = Some(IncrementalFormat::Rfc);
    let results = match engine.subscribe(&request, &options).await {
        Ok(results) => results,
        Err(refused) => return http::respond(headers, refused),
    };
    let mut shutdown = state.shutdown.subscribe();
    let events = results
        .map(|body| {
            Event::default()
                .event("next")
                .data(String::from_utf8_lossy(&body))
        })
        .take_until(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .chain(stream::once(async move {
            drop(slot);
            Event::default().event("complete").data("")
        }))
        .map(Ok::<_, Infallible>);
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
