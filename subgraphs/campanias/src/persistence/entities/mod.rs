//! Table models, one file per table, in SeaORM's generated shape; mapping lives beside them.

pub mod campania;
pub mod campania_event;
pub mod campania_snapshot;
pub mod comision_revertida;
