//! The `campania_events` table: the append-only event store.

use sea_orm::entity::prelude::*;

/// One stored event. `(campania_id, version)`, `comision_id` and `comision_revertida_id`
/// are unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campania_events")]
pub struct Model {
    /// Insertion order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// Event id (UUID text), also the outbox envelope's id.
    pub event_id: String,
    /// The campaign.
    pub campania_id: Uuid,
    /// Position in the campaign's stream, from 1.
    pub version: i64,
    /// Versioned type (`CampaniaCreada.v1`).
    pub tipo: String,
    /// JSON payload.
    pub datos: String,
    /// Commission of an expense event (UUID text).
    pub comision_id: Option<String>,
    /// Commission of a reversal event (UUID text).
    pub comision_revertida_id: Option<String>,
    /// When it happened.
    pub ocurrido_en: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
