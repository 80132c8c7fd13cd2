//! The `campania_snapshots` table: the latest snapshot of each campaign.

use sea_orm::entity::prelude::*;

/// A campaign's state (JSON) at `version`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campania_snapshots")]
pub struct Model {
    /// The campaign.
    #[sea_orm(primary_key, auto_increment = false)]
    pub campania_id: Uuid,
    /// Stream version the state is at.
    pub version: i64,
    /// The state as JSON.
    pub estado: String,
    /// When it was taken.
    pub tomado_en: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
