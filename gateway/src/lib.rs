//! The Apollo Federation v2 gateway. It knows nothing of the Alpes Partners domain.
//!
//! Built so far: [`supergraph`], reading a standard supergraph SDL (link/v1.0, join/v0.2–v0.5)
//! into subgraph and ownership metadata plus the API schema clients see; and [`pipeline`],
//! turning a request into a fully validated operation with coerced variables and answering
//! its introspection part. Planning, execution and serving come next (see the gateway issue).

pub mod pipeline;
pub mod supergraph;
