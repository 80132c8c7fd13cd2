//! SeaORM adapter of the `afiliados` repository port.

pub mod entities;
mod mapping;
mod repository;

pub use repository::SeaAfiliadoRepository;
