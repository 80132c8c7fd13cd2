//! GraphQL adapters of the kernel's shared types, identical in every subgraph (`@shareable`).

pub mod autorizacion;
mod coercion;
mod dashboard;
mod decimal;
mod entities;
mod error;
mod id;
mod mirror;
mod money;
mod pagination;
pub(crate) mod panicos;
pub mod roots;
mod schema;

pub use autorizacion::PoliticaAlcances;
pub use coercion::{ErroresDeEntrada, MAX_ERRORES};
pub use dashboard::{CONTADORES_ID, contadores_id, contar};
pub use decimal::DecimalScalar;
pub use entities::{
    BatchById, ByIdLoader, MAX_BATCH, PrefetchEntities, load_one, prefetch, represented_ids,
    request_loader,
};
pub use error::{GraphqlResultExt, to_graphql_error};
pub use id::parse_id;
pub use money::{DineroGql, DineroInput, MonedaGql};
pub use pagination::{InfoPaginacion, OrdenGql, Paginacion};
pub use panicos::CapturaPanicos;
pub use schema::{federation_sdl, schema_builder};
