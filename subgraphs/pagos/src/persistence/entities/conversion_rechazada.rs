//! The `conversiones_rechazadas` table.

use sea_orm::entity::prelude::*;

/// A conversion `conversiones` rejected.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversiones_rechazadas")]
pub struct Model {
    /// Conversion id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub conversion_id: Uuid,
    /// The `ConversionRechazada` event.
    pub evento_id: Uuid,
    /// Why.
    pub motivo: String,
    /// When it was recorded.
    pub fecha: DateTimeUtc,
}

/// No relations declared.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
