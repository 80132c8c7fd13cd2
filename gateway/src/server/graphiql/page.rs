//! The HTML page: built from `graphiql-ui/index.html` with content-hashed asset names.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

const PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/graphiql/index.html"));

/// Everything comes from this origin; the inline styles are GraphiQL's (Radix UI) and the
/// fonts and images data URLs from graphiql.css. `connect-src 'self'` covers same-origin ws(s).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'";

pub(crate) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Asset names change with their content: the page itself must not be cached stale.
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        PAGE,
    )
        .into_response()
}
