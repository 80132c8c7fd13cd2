//! The `comisiones` table.

use sea_orm::entity::prelude::*;

/// A row of `comisiones`. Money in minor units; the rate as decimal text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comisiones")]
pub struct Model {
    /// Commission id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The conversion (unique).
    pub conversion_id: Uuid,
    /// Partner id.
    pub afiliado_id: Uuid,
    /// Campaign id.
    pub campania_id: Uuid,
    /// Advertiser id, once known.
    pub cliente_id: Option<Uuid>,
    /// Conversion kind code.
    pub tipo_conversion: String,
    /// Base in minor units.
    pub monto_base_minor: i64,
    /// Currency code.
    pub moneda: String,
    /// Applied rate, decimal text.
    pub porcentaje: Option<String>,
    /// Amount in minor units.
    pub monto_minor: Option<i64>,
    /// State code.
    pub estado: String,
    /// Why it was refused.
    pub motivo_rechazo: Option<String>,
    /// The payout holding it.
    pub pago_id: Option<Uuid>,
    /// The campaign's objective bonus its rate got, decimal text.
    pub bonus_objetivos: Option<String>,
    /// Its own calculation (JSON text), for a commission created by hand.
    pub calculo_manual: Option<String>,
    /// When the conversion happened.
    pub fecha_conversion: DateTimeUtc,
    /// Creation time.
    pub fecha_creacion: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations declared: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
