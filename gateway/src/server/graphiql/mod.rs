//! GraphiQL, served from the binary: `GET /graphiql` and its files under `/graphiql/assets/`.
//!
//! The files are fetched from npm and embedded at build time (see `gateway/build.rs` and
//! `gateway/graphiql-ui/`), so the page loads nothing from outside the gateway.

mod assets;
mod page;

use axum::{Router, routing::get};

/// Routes of GraphiQL under `/graphiql`.
pub fn router() -> Router {
    Router::new()
        .route("/graphiql", get(page::page))
        .route("/graphiql/assets/{file}", get(assets::asset))
}
