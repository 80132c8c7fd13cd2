//! Pure shared kernel of the Alpes Partners bounded contexts: money, value objects,
//! errors, pagination, search terms, domain events, authorization inputs and the clock
//! port. Plain Rust with no I/O or framework dependency (no SeaORM, async-graphql, axum
//! or tokio): every context's `<context>-domain` crate depends on this crate alone, so
//! the compiler refuses a domain module that reaches for a database or GraphQL. The
//! adapters every subgraph shares live in `subgraph-kit`.

pub mod auth;
pub mod clock;
mod coded;
pub mod error;
pub mod events;
pub mod money;
pub mod pagination;
pub mod search;
pub mod values;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, DomainResult, ErrorCode};
pub use money::{Dinero, Moneda, MoneyError};
pub use pagination::{Orden, Page, PageRequest};
