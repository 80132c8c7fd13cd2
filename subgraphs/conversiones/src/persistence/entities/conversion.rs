//! The `conversiones` table.

use sea_orm::entity::prelude::*;

/// A row of `conversiones`. Money in minor units; JSON documents as text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversiones")]
pub struct Model {
    /// Conversion id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Partner id.
    pub afiliado_id: Uuid,
    /// Campaign id.
    pub campania_id: Uuid,
    /// Kind code.
    pub tipo: String,
    /// Value in minor units.
    pub valor_minor: i64,
    /// Currency code.
    pub moneda: String,
    /// Channel code.
    pub canal: String,
    /// Buyer data, JSON.
    pub datos_cliente: String,
    /// Product lines, JSON.
    pub productos: String,
    /// Metadata, JSON object.
    pub metadatos: String,
    /// State code.
    pub estado: String,
    /// Why it was rejected.
    pub motivo_rechazo: Option<String>,
    /// When it happened.
    pub fecha: DateTimeUtc,
    /// Partner's reference, unique per partner.
    pub referencia_externa: Option<String>,
    /// Canonical request text.
    pub solicitud: String,
    /// When it was recorded.
    pub fecha_registro: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations: partners and campaigns belong to other contexts.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
