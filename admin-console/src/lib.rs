//! The operators' admin console: a plain-JavaScript single-page app (ES modules, no build
//! step) embedded in the binary and served at `/console`, its files under `/console/assets/`.
//!
//! It speaks to the gateway on the same origin only: `/auth/login` for a demo token,
//! `/graphql` over HTTP and `graphql-transport-ws`, and links to `/graphiql`.

mod assets;

use axum::{Router, routing::get};

/// Routes of the console under `/console`.
pub fn router() -> Router {
    Router::new()
        .route("/console", get(assets::page))
        .route("/console/", get(assets::page))
        .route("/console/assets/{file}", get(assets::asset))
}
