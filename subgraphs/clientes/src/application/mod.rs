//! The `clientes` use cases: the application service the GraphQL layer and the demo data
//! call. It orchestrates the domain through its ports and owns no rule of its own.

mod service;

pub use service::ClienteService;
