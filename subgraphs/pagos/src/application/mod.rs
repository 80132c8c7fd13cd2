//! The `pagos` use cases: the application service the GraphQL layer calls and the payout
//! worker. They orchestrate the domain through its ports; the runtime (tokio) lives here,
//! never in `domain`.

mod procesador;
mod service;

pub use procesador::{OpcionesProcesador, Procesador};
pub use service::PagosService;
