//! The SeaORM adapter of the `pagos` context: the repository, and the consumers' writes
//! (projections, commissions) in the runtime's transaction.

pub mod entities;
mod mapping;
mod projections;
mod repository;

pub use repository::SeaPagosRepository;
