//! Migrations of the `conversiones` subgraph's database. They are the only way its schema is made.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_conversiones;
mod m20261201_000002_create_claves_api;
mod m20261215_000003_afiliados_eliminados;
mod m20261220_000010_outbox_recorded_at;

/// Every migration of the `conversiones` database, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_conversiones::Migration),
            Box::new(m20261201_000002_create_claves_api::Migration),
            Box::new(m20261215_000003_afiliados_eliminados::Migration),
            Box::new(m20261220_000010_outbox_recorded_at::Migration),
        ]
    }
}
