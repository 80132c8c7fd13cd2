//! The `auditoria_comisiones` table.

use sea_orm::entity::prelude::*;

/// An audit line of a commission.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auditoria_comisiones")]
pub struct Model {
    /// Insertion order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// Commission id.
    pub comision_id: Uuid,
    /// Event name.
    pub evento: String,
    /// Who.
    pub actor: String,
    /// Detail.
    pub detalle: Option<String>,
    /// The reviewer's comments.
    pub comentarios: Option<String>,
    /// Approval metadata, JSON text.
    pub metadatos: Option<String>,
    /// When.
    pub fecha: DateTimeUtc,
}

/// No relations declared: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
