//! Shared kernel of the Alpes Partners subgraphs: what every bounded context shares and
//! nothing context-specific.
//!
//! Domain-level modules (`money`, `pagination`, `values`, `search`, `error`, `events`) are
//! plain Rust; `graphql`, `db` and `server` are the adapters every subgraph reuses.

pub mod auth;
mod coded;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod graphql;
pub mod live;
pub mod messaging;
pub mod money;
pub mod pagination;
pub mod search;
pub mod server;
pub mod subgraph;
pub mod values;

pub use error::{DomainError, DomainResult, ErrorCode};
pub use money::{Dinero, Moneda, MoneyError};
pub use pagination::{Orden, Page, PageRequest};
