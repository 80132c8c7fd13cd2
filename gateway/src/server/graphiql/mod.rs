//! GraphiQL, served from the binary: `GET /graphiql` and its files under `/graphiql/assets/`.
//!
//! The files are fetched from npm and embedded at build time (see `gateway/build.rs` and
//! `gateway/graphiql-ui/`), so the page loads nothing from outside the gateway.

mod assets;
mod collection;
mod page;

use axum::{Router, body::Bytes, http::header, routing::get};

use crate::config::GatewayConfig;

/// Routes of GraphiQL under `/graphiql`; `collection.json` lists the tabs it opens with.
pub fn router(config: &GatewayConfig) -> Router {
    // Written once: the configuration does not change under a running router.
    let tabs = Bytes::from(serde_json::to_vec(&collection::collection(config)).unwrap_or_default());
    Router::new()
        .route("/graphiql", get(page::page))
        .route("/graphiql/assets/{file}", get(assets::asset))
        .route(
            "/graphiql/collection.json",
            get(move || {
                let tabs = tabs.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], tabs) }
            }),
        )
}
