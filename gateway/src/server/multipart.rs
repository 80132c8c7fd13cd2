//! Incremental delivery over HTTP: a query with `@defer` or `@stream` answered as
//! `multipart/mixed` (what Apollo clients and GraphiQL's fetcher read), one JSON payload
//! per part, in the shape the client's `Accept` asks for.
//!
//! Each part ends with the boundary delimiter, so a client can read it as soon as it
//! arrives instead of waiting for the next part; the last ends with the close delimiter.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::{StreamExt, stream};

use super::http;
use crate::{engine::EngineResponse, executor::incremental::IncrementalFormat};

/// The media type of incremental answers.
pub(crate) const MEDIA_TYPE: &str = "multipart/mixed";

/// The content type of answers in the current RFC's shape (boundary `-`).
const RFC_CONTENT_TYPE: &str = "multipart/mixed; boundary=\"-\"";

/// The content type of answers in Apollo's `deferSpec=20220824` shape, as Apollo Router
/// sends it.
const APOLLO_CONTENT_TYPE: &str = "multipart/mixed; boundary=\"-\"; deferSpec=20220824";

/// The headers of each part.
const PART_HEAD: &[u8] = b"\r\nContent-Type: application/json; charset=utf-8\r\n\r\n";

/// Whether the client reads `multipart/mixed` answers, and in which shape: Apollo's when
/// its media range asks for `deferSpec=20220824` (Apollo clients do), else the current
/// RFC's (GraphiQL, graphql-js).
pub(crate) fn wanted(headers: &HeaderMap) -> Option<IncrementalFormat> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(MEDIA_TYPE) {
                return None;
            }
            let apollo = parts.any(|p| p.eq_ignore_ascii_case("deferSpec=20220824"));
            Some(if apollo {
                IncrementalFormat::Apollo20220824
            } else {
                IncrementalFormat::Rfc
            })
        })
}

/// One part: its headers, the payload and the delimiter after it (`---`, or `-----` after
/// the last).
fn part(payload: &[u8], first: bool, last: bool) -> bytes::Bytes {
    let mut out = Vec::with_capacity(payload.len() + 64);
    if first {
        out.extend_from_slice(b"\r\n---");
    }
    out.extend_from_slice(PART_HEAD);
    out.extend_from_slice(payload);
    out.extend_from_slice(if last { b"\r\n-----\r\n" } else { b"\r\n---" });
    out.into()
}

/// The HTTP answer: multipart when there are deferred payloads, else the single response.
pub(crate) fn respond(headers: &HeaderMap, mut response: EngineResponse) -> Response {
    let Some(deferred) = response.deferred.take() else {
        return http::respond(headers, response);
    };
    let first = part(&response.body, true, false);
    // A payload is the last when it says `hasNext: false`; it ends with that key.
    let rest = deferred.0.map(|payload| {
        let last = payload.ends_with(b"\"hasNext\":false}");
        part(&payload, false, last)
    });
    let body = stream::once(async move { first })
        .chain(rest)
        .map(Ok::<_, std::convert::Infallible>);
    let content_type = match wanted(headers) {
        Some(IncrementalFormat::Apollo20220824) => APOLLO_CONTENT_TYPE,
        _ => RFC_CONTENT_TYPE,
    };
    let mut http = (StatusCode::OK, Body::from_stream(body)).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}
