//! The `conversiones` use cases: the application service the GraphQL layer and the demo data
//! call, and the consumers of other contexts' events. They orchestrate the domain through
//! its ports and own no rule of their own.

pub mod consumers;
mod service;

pub use service::{ConversionService, Revision};
