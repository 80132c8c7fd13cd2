//! Adapters every Alpes Partners subgraph shares, around the pure [`kernel`]: database
//! set-up and queries (`db`), the GraphQL adapters of the kernel's types (`graphql`), the
//! HTTP server (`server`), the transactional outbox and inbox (`messaging`), live events
//! for subscriptions (`live`), the [`subgraph::Subgraph`] wiring and demo-data helpers.
//!
//! The kernel's modules are re-exported so the outer layers of a context (application,
//! persistence, GraphQL, wiring) need one dependency; its `domain` crate depends on
//! `kernel` alone.

pub mod db;
pub mod demo;
pub mod graphql;
pub mod live;
pub mod messaging;
pub mod server;
pub mod subgraph;

pub use kernel::{
    Clock, Dinero, DomainError, DomainResult, ErrorCode, ManualClock, Moneda, MoneyError, Orden,
    Page, PageRequest, SystemClock, auth, clock, coded_enum, error, events, money, pagination,
    search, values,
};
