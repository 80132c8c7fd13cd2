//! The `campanias` use cases: the application service the GraphQL layer and the demo data
//! call, and the consumers of other contexts' events. They load through the event-stream
//! port, let the aggregate decide, and append through the same port; no rule lives here.

pub mod consumers;
mod event_stream;
mod service;

pub use event_stream::{CambioCampania, FlujoDeEventos, SNAPSHOT_CADA};
pub use service::CampaniaService;
