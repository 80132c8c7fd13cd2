//! The `claves_api` table.

use sea_orm::entity::prelude::*;

/// A row of `claves_api`: a partner's current collector key (its digest).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claves_api")]
pub struct Model {
    /// Partner id (one current key per partner).
    #[sea_orm(primary_key, auto_increment = false)]
    pub afiliado_id: Uuid,
    /// SHA-256 of the key, lower-case hex (unique).
    pub digest: String,
    /// The key's visible prefix.
    pub prefijo: String,
    /// When it was issued.
    pub emitida_en: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
