//! The `campanias` table: the read projection of the event store.

use sea_orm::entity::prelude::*;

/// A campaign as last projected. Money in minor units, percentages in ten-thousandths.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campanias")]
pub struct Model {
    /// Campaign id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The advertiser.
    pub cliente_id: Uuid,
    /// Name.
    pub nombre: String,
    /// `subgraph_kit::search::normalize(nombre)`.
    pub nombre_busqueda: String,
    /// Description.
    pub descripcion: String,
    /// `subgraph_kit::search::normalize(descripcion)`.
    pub descripcion_busqueda: String,
    /// Kind code.
    pub tipo: String,
    /// State code.
    pub estado: String,
    /// Channel codes, JSON array.
    pub canales: String,
    /// Targeting, JSON.
    pub segmentacion: String,
    /// Rate per conversion × 10,000.
    pub por_conversion_e4: i64,
    /// Rate per sale × 10,000.
    pub por_venta_e4: i64,
    /// Target bonus × 10,000.
    pub bonus_objetivos_e4: i64,
    /// The objective, conversions per partner (none: no bonus).
    pub objetivo_conversiones: Option<i64>,
    /// Start.
    pub fecha_inicio: DateTimeUtc,
    /// End.
    pub fecha_fin: DateTimeUtc,
    /// Currency of budget and expense.
    pub moneda: String,
    /// Budget in minor units.
    pub presupuesto_minor: i64,
    /// Expense in minor units.
    pub gasto_minor: i64,
    /// Creation time.
    pub fecha_creacion: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Stream version projected.
    pub version: i64,
}

/// No relations: other contexts refer to campaigns by id only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
