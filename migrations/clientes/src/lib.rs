//! Migrations of the `clientes` subgraph's database. They are the only way its schema is made.

use sea_orm_migration::prelude::*;

mod m20261123_000001_create_clientes;
mod m20261124_000002_create_event_tables;
mod m20261220_000010_outbox_recorded_at;

/// Every migration of the `clientes` database, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_clientes::Migration),
            Box::new(m20261124_000002_create_event_tables::Migration),
            Box::new(m20261220_000010_outbox_recorded_at::Migration),
        ]
    }
}
