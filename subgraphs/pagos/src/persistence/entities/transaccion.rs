//! The `transacciones` table.

use sea_orm::entity::prelude::*;

/// A money movement of a payout.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transacciones")]
pub struct Model {
    /// Movement id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Payout id.
    pub pago_id: Uuid,
    /// Commission id, for `COMISION` rows.
    pub comision_id: Option<Uuid>,
    /// Kind code.
    pub tipo: String,
    /// Amount in minor units.
    pub monto_minor: i64,
    /// Currency code.
    pub moneda: String,
    /// Description.
    pub descripcion: String,
    /// External reference.
    pub referencia: Option<String>,
    /// When.
    pub fecha: DateTimeUtc,
}

/// No relations declared: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
