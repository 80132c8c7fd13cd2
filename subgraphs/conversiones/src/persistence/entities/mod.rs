//! Table models, one file per table, in SeaORM's generated shape; mapping lives beside them.

pub mod clave_api;
pub mod conversion;
pub mod evento_tracking;
