//! The `comisiones_revertidas` table: commissions reversed before any expense of theirs was
//! stored, so a late approval of one adds nothing.

use sea_orm::entity::prelude::*;

/// A reversal that found no expense to take back.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comisiones_revertidas")]
pub struct Model {
    /// The commission (UUID text).
    #[sea_orm(primary_key, auto_increment = false)]
    pub comision_id: String,
    /// The campaign its reversal named.
    pub campania_id: Uuid,
    /// When the reversal was applied.
    pub revertida_en: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
