//! The `reversiones` table.

use sea_orm::entity::prelude::*;

/// A clawback of a reversed commission. Money in minor units.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reversiones")]
pub struct Model {
    /// Clawback id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The reversed commission (unique).
    pub comision_id: Uuid,
    /// The event that caused it (unique).
    pub evento_id: Uuid,
    /// The partner who owes it.
    pub afiliado_id: Uuid,
    /// The payout that paid (or is paying) the commission.
    pub pago_origen_id: Uuid,
    /// Currency code.
    pub moneda: String,
    /// What was paid.
    pub monto_minor: i64,
    /// What is still to deduct.
    pub pendiente_minor: i64,
    /// Why.
    pub motivo: String,
    /// When it was recorded.
    pub fecha_creacion: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Changes so far.
    pub version: i64,
}

/// No relations declared: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
