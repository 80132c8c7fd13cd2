//! The events the `pagos` context publishes (through its outbox).

use chrono::{DateTime, Utc};
use kernel::{
    Dinero, DomainError, DomainResult,
    events::{DomainEvent, EventEnvelope},
};
use serde::Serialize;
use uuid::Uuid;

use super::{Comision, MetadatosAprobacion, Pago};

/// Envelope of an event of this context.
pub fn envelope<E: DomainEvent>(event: &E, ahora: DateTime<Utc>) -> DomainResult<EventEnvelope> {
    EventEnvelope::wrap(event, ahora).map_err(DomainError::internal)
}

macro_rules! evento {
    ($name:ident, $agregado:ident) => {
        impl DomainEvent for $name {
            const NOMBRE: &'static str = stringify!($name);
            const VERSION: u32 = 1;
            fn agregado_id(&self) -> String {
                self.$agregado.to_string()
            }
        }
    };
}

/// A commission's rate was applied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionCalculada {
    /// The commission.
    pub comision_id: Uuid,
    /// Its conversion.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// The campaign's advertiser.
    pub cliente_id: Option<Uuid>,
    /// The conversion's value.
    pub monto_base: Dinero,
    /// Applied rate, % (decimal text).
    pub porcentaje: String,
    /// Earned amount.
    pub monto: Dinero,
}
evento!(ComisionCalculada, comision_id);

/// A commission was approved: the campaign's expense grows (`campanias.gasto`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionAprobada {
    /// The commission.
    pub comision_id: Uuid,
    /// The campaign paying it.
    pub campania_id: Uuid,
    /// The partner earning it.
    pub afiliado_id: Uuid,
    /// Amount.
    pub monto: Dinero,
    /// The reviewer's comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comentarios: Option<String>,
    /// How the approval was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadatos: Option<MetadatosAprobacion>,
}
evento!(ComisionAprobada, comision_id);

/// A commission was refused.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionRechazada {
    /// The commission.
    pub comision_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Why.
    pub motivo: String,
    /// The reviewer's comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comentarios: Option<String>,
}
evento!(ComisionRechazada, comision_id);

/// A payout was accepted (PENDIENTE) with these commissions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagoSolicitado {
    /// The payout.
    pub pago_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle.
    pub ciclo: String,
    /// Total.
    pub monto_total: Dinero,
    /// The commissions it pays.
    pub comisiones: Vec<Uuid>,
}
evento!(PagoSolicitado, pago_id);

/// A payout was paid; its commissions are PAGADA.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagoExitoso {
    /// The payout.
    pub pago_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle.
    pub ciclo: String,
    /// Total.
    pub monto_total: Dinero,
    /// The provider's confirmation.
    pub confirmacion: String,
}
evento!(PagoExitoso, pago_id);

/// A payout failed for good; its commissions are payable again.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagoFallido {
    /// The payout.
    pub pago_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle.
    pub ciclo: String,
    /// Total.
    pub monto_total: Dinero,
    /// Why.
    pub motivo: String,
}
evento!(PagoFallido, pago_id);

impl From<&Comision> for ComisionCalculada {
    fn from(c: &Comision) -> Self {
        Self {
            comision_id: c.id,
            conversion_id: c.conversion_id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            cliente_id: c.cliente_id,
            monto_base: c.monto_base,
            porcentaje: c.porcentaje.unwrap_or_default().to_string(),
            monto: c.monto_o_cero(),
        }
    }
}

impl From<&Comision> for ComisionAprobada {
    fn from(c: &Comision) -> Self {
        Self {
            comision_id: c.id,
            campania_id: c.campania_id,
            afiliado_id: c.afiliado_id,
            monto: c.monto_o_cero(),
            comentarios: None,
            metadatos: None,
        }
    }
}

impl From<&Comision> for ComisionRechazada {
    fn from(c: &Comision) -> Self {
        Self {
            comision_id: c.id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            motivo: c.motivo_rechazo.clone().unwrap_or_default(),
            comentarios: None,
        }
    }
}

impl PagoExitoso {
    /// The event of a paid payout.
    pub fn de(p: &Pago, confirmacion: &str) -> Self {
        Self {
            pago_id: p.id,
            afiliado_id: p.afiliado_id,
            ciclo: p.ciclo.as_str().to_owned(),
            monto_total: p.monto_total,
            confirmacion: confirmacion.to_owned(),
        }
    }
}

impl PagoFallido {
    /// The event of a failed payout.
    pub fn de(p: &Pago, motivo: &str) -> Self {
        Self {
            pago_id: p.id,
            afiliado_id: p.afiliado_id,
            ciclo: p.ciclo.as_str().to_owned(),
            monto_total: p.monto_total,
            motivo: motivo.to_owned(),
        }
    }
}
