//! SeaORM adapter of the `conversiones` repository port.

pub mod entities;
mod mapping;
mod repository;

pub use repository::SeaConversionRepository;
