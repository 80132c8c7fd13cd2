//! The `afiliados_proyeccion` table.

use sea_orm::entity::prelude::*;

/// A partner as `afiliados` last announced it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "afiliados_proyeccion")]
pub struct Model {
    /// Partner id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Tier code.
    pub tipo: String,
    /// State code.
    pub estado: String,
    /// Basic rate, decimal text.
    pub comision_base: String,
    /// Premium rate, decimal text.
    pub comision_premium: String,
    /// Payout minimum in minor units.
    pub minimo_minor: i64,
    /// Its currency code.
    pub minimo_moneda: String,
    /// The partner's version in `afiliados`.
    pub version: i64,
    /// When it was last updated.
    pub actualizado_en: DateTimeUtc,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
