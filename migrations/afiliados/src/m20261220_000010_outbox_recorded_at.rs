//! `event_outbox.recorded_at`: when each outbox row of the `afiliados` database was written,
//! what the event statistics measure backlog age and relay lag from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        subgraph_kit::messaging::schema::add_recorded_at(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        subgraph_kit::messaging::schema::drop_recorded_at(manager).await
    }
}
