//! Query planner, feature by feature: each module has small supergraph fixtures written
//! here, snapshots of the plan text (`insta`, under `snapshots/`) and end-to-end answers
//! from in-process data-driven subgraphs with the subgraph requests counted.

#[path = "../common/federation.rs"]
#[allow(dead_code)]
mod federation;
#[path = "../common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;
#[path = "../fixtures/seven_subgraphs.rs"]
mod seven;
mod support;

mod api_shaping;
mod batching;
mod bounds;
mod defer;
mod lean;
mod ownership;
mod requires;
mod shop;
mod types_per_subgraph;
mod unresolvable;
mod value_types;
