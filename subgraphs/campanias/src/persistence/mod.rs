//! SeaORM adapter of the `campanias` repository port: event store, snapshots, projection.

pub mod entities;
mod mapping;
mod repository;
pub mod store;

pub use repository::SeaCampaniaRepository;
