//! SeaORM models of the `pagos` tables (created by `pagos-migration`).

pub mod afiliado_proyeccion;
pub mod auditoria;
pub mod auditoria_comision;
pub mod campania_proyeccion;
pub mod comision;
pub mod conversion_rechazada;
pub mod pago;
pub mod reversion;
pub mod transaccion;
