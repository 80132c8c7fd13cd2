//! `/docs`: the REST routes' documentation, a page of our own that reads `/spec` (served
//! from the binary; nothing loaded from elsewhere).

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

const PAGE: &str = include_str!("docs.html");
const SCRIPT: &str = include_str!("docs.js");

/// Only this origin; the page's styles are inline.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'";

pub(super) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE,
    )
        .into_response()
}

pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SCRIPT,
    )
        .into_response()
}
