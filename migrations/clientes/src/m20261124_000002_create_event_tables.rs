//! The outbox and inbox of the `clientes` database: its domain events leave through the
//! outbox, written in the same transaction as the change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        subgraph_kit::messaging::schema::create_tables(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        subgraph_kit::messaging::schema::drop_tables(manager).await
    }
}
