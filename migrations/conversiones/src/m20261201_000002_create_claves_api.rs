use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The collector's per-partner API keys: one current key per partner, stored as its
/// SHA-256 digest (unique, looked up on every collector request).
#[derive(DeriveIden)]
enum ClavesApi {
    Table,
    AfiliadoId,
    Digest,
    Prefijo,
    EmitidaEn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClavesApi::Table)
                    .if_not_exists()
                    .col(pk_uuid(ClavesApi::AfiliadoId))
                    .col(string_len(ClavesApi::Digest, 64))
                    .col(string_len(ClavesApi::Prefijo, 16))
                    .col(timestamp_with_time_zone(ClavesApi::EmitidaEn))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("uq_claves_api_digest")
                    .table(ClavesApi::Table)
                    .col(ClavesApi::Digest)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClavesApi::Table).to_owned())
            .await
    }
}
