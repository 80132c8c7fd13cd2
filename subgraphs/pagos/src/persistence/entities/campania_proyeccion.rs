//! The `campanias_proyeccion` table.

use sea_orm::entity::prelude::*;

/// A campaign as `campanias` announced it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campanias_proyeccion")]
pub struct Model {
    /// Campaign id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Advertiser id.
    pub cliente_id: Uuid,
    /// Rate per sign-up or lead, decimal text.
    pub por_conversion: String,
    /// Rate per sale, decimal text.
    pub por_venta: String,
    /// Objective bonus, decimal text (none: announced before it existed).
    pub bonus_objetivos: Option<String>,
    /// The objective, conversions per partner (none: no bonus).
    pub objetivo_conversiones: Option<i64>,
    /// When it was recorded.
    pub actualizado_en: DateTimeUtc,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
