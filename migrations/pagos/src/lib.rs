//! Migrations of the `pagos` subgraph's database. They are the only way its schema is made.

use sea_orm_migration::prelude::*;

mod m20261125_000001_create_pagos;
mod m20261215_000002_auditoria_comisiones;
mod m20261215_000003_comisiones_manuales;
mod m20261215_000004_bonus_objetivos;
mod m20261215_000005_reversiones;
mod m20261220_000010_outbox_recorded_at;

/// Every migration of the `pagos` database, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_pagos::Migration),
            Box::new(m20261215_000002_auditoria_comisiones::Migration),
            Box::new(m20261215_000003_comisiones_manuales::Migration),
            Box::new(m20261215_000004_bonus_objetivos::Migration),
            Box::new(m20261215_000005_reversiones::Migration),
            Box::new(m20261220_000010_outbox_recorded_at::Migration),
        ]
    }
}
