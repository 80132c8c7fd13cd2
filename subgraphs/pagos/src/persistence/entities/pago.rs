//! The `pagos` table.

use sea_orm::entity::prelude::*;

/// A row of `pagos`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pagos")]
pub struct Model {
    /// Payout id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Idempotency key (unique).
    pub idempotency_key: String,
    /// Partner id.
    pub afiliado_id: Uuid,
    /// Cycle (unique per partner).
    pub ciclo: String,
    /// Total in minor units.
    pub monto_minor: i64,
    /// Currency code.
    pub moneda: String,
    /// Payment method code.
    pub metodo_tipo: String,
    /// Account mask.
    pub metodo_mascara: String,
    /// State code.
    pub estado: String,
    /// Provider confirmation.
    pub confirmacion: Option<String>,
    /// Failure reason.
    pub motivo_fallo: Option<String>,
    /// Canonical request.
    pub solicitud: String,
    /// Attempts so far.
    pub intentos: i32,
    /// Earliest next attempt.
    pub proximo_intento: DateTimeUtc,
    /// The claim holding it.
    pub lease_token: Option<Uuid>,
    /// Until when the claim holds.
    pub lease_hasta: Option<DateTimeUtc>,
    /// Creation time.
    pub fecha_creacion: DateTimeUtc,
    /// Last change.
    pub fecha_actualizacion: DateTimeUtc,
    /// Completion time.
    pub fecha_completado: Option<DateTimeUtc>,
}

/// No relations declared: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
