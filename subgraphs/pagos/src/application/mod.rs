//! The `pagos` use cases: the application service the GraphQL layer calls, the payout
//! worker and the consumers of other contexts' events. They orchestrate the domain through its ports; the runtime (tokio) lives here,
//! never in `domain`.

pub mod consumers;
mod procesador;
mod service;

pub use procesador::{OpcionesProcesador, Procesador};
pub use service::PagosService;
