//! The `eventos_tracking` table.

use sea_orm::entity::prelude::*;

/// A row of `eventos_tracking`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "eventos_tracking")]
pub struct Model {
    /// Event id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Kind code.
    pub tipo: String,
    /// Partner id.
    pub afiliado_id: Uuid,
    /// Campaign id.
    pub campania_id: Uuid,
    /// Source code.
    pub fuente: String,
    /// Channel code.
    pub canal: String,
    /// Value of a CONVERSION ping, minor units.
    pub valor_minor: Option<i64>,
    /// Its currency.
    pub moneda: Option<String>,
    /// Metadata, JSON object.
    pub metadatos: String,
    /// When it happened.
    pub ocurrido_en: DateTimeUtc,
    /// When it was received.
    pub recibido_en: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
