//! The `afiliados` table.

use sea_orm::entity::prelude::*;

/// A row of `afiliados`. Money in minor units, percentages in ten-thousandths.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "afiliados")]
pub struct Model {
    /// Partner id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name as given.
    pub nombre: String,
    /// `subgraph_kit::search::normalize(nombre)`.
    pub nombre_busqueda: String,
    /// Lower-case e-mail, unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Phone.
    pub telefono: String,
    /// Document kind code.
    pub documento_tipo: String,
    /// Document number.
    pub documento_numero: String,
    /// Tier code.
    pub tipo: String,
    /// State code.
    pub estado: String,
    /// Bank name.
    pub banco: String,
    /// Account kind code.
    pub tipo_cuenta: String,
    /// Full account number; never returned unmasked.
    pub numero_cuenta: String,
    /// Base rate × 10,000.
    pub comision_base_e4: i64,
    /// Premium rate × 10,000.
    pub comision_premium_e4: i64,
    /// Minimum payout in minor units.
    pub minimo_pago_minor: i64,
    /// Currency of the minimum payout.
    pub minimo_pago_moneda: String,
    /// Registration time.
    pub fecha_registro: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations: other contexts refer to partners by id only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
