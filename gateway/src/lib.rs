//! The Apollo Federation v2 gateway. It knows nothing of the Alpes Partners domain.
//!
//! Stages: [`supergraph`] reads a standard supergraph SDL into ownership metadata and the
//! API schema; [`pipeline`] turns a request into a validated operation; [`query_planner`]
//! turns it into a plan of subgraph fetches; [`executor`] runs the plan and shapes the
//! response; [`server`] serves it over HTTP with GraphiQL; [`compose`] builds supergraphs.

pub mod auth;
pub mod cache;
pub mod compose;
pub mod config;
pub mod engine;
pub mod executor;
pub mod json;
pub mod pipeline;
pub mod query_planner;
pub mod server;
pub mod startup;
pub mod subscriptions;
pub mod supergraph;
pub mod telemetry;
