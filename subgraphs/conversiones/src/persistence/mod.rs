//! SeaORM adapter of the `conversiones` repository port.

pub mod entities;
mod mapping;
mod proyecciones;
mod repository;

pub use proyecciones::ProyeccionIds;
pub use repository::SeaConversionRepository;
