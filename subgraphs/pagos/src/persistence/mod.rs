//! The SeaORM adapter of the `pagos` context: repository, consumers, projections.

mod calculo;
mod consumers;
pub mod entities;
mod mapping;
mod repository;

pub use consumers::{ComisionPorConversion, ProyeccionAfiliados, ProyeccionCampanias};
pub use repository::SeaPagosRepository;
