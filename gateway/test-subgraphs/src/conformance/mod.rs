//! Five subgraphs that together exercise every Federation v2 feature a router must plan and execute.
//!
//! See the crate README for each subgraph's schema, the data, and the feature each part covers.

mod accounts;
mod data;
mod inventory;
mod media;
mod products;
mod reviews;

use std::sync::{Arc, atomic::AtomicI32};

use crate::{Subgraph, TestSubgraph, server::start_all};

/// Subgraph names, in the order [`subgraphs`] returns them.
pub const NAMES: [&str; 5] = ["accounts", "products", "inventory", "reviews", "media"];

/// Fresh definitions (fresh counter state), not yet listening: names and SDLs for composition.
pub fn subgraphs() -> Vec<Subgraph> {
    // accounts' `increment` and inventory's `multiply` share one counter, so a router's
    // mutation ordering across subgraphs is observable.
    let counter = Arc::new(AtomicI32::new(0));
    vec![
        accounts::subgraph(Arc::clone(&counter)),
        products::subgraph(),
        inventory::subgraph(counter),
        reviews::subgraph(),
        media::subgraph(),
    ]
}

/// Starts every conformance subgraph on its own free port.
pub async fn start() -> Vec<TestSubgraph> {
    start_all(subgraphs()).await
}
