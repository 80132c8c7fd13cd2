//! SeaORM adapter of the `clientes` repository port.

pub mod entities;
mod repository;

pub use repository::SeaClienteRepository;
