//! Migrations of the `campanias` subgraph's database. They are the only way its schema is made.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_campanias;
mod m20261215_000002_objetivo_conversiones;
mod m20261220_000010_outbox_recorded_at;
mod m20261221_000011_comision_revertida;

/// Every migration of the `campanias` database, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_campanias::Migration),
            Box::new(m20261215_000002_objetivo_conversiones::Migration),
            Box::new(m20261220_000010_outbox_recorded_at::Migration),
            Box::new(m20261221_000011_comision_revertida::Migration),
        ]
    }
}
