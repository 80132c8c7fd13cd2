//! The events the `pagos` context publishes (through its outbox).

use chrono::{DateTime, Utc};
use kernel::{
    Dinero, DomainError, DomainResult,
    events::{DomainEvent, EventEnvelope},
};
use serde::Serialize;
use uuid::Uuid;

use super::{CalculoManual, Comision, MetadatosAprobacion, Pago};

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
    /// `CONVERSION` (rates from the projections) or `MANUAL` (created by hand).
    pub origen: &'static str,
    /// The campaign's objective bonus the rate includes, % (decimal text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_objetivos: Option<String>,
}
evento!(ComisionCalculada, comision_id);

/// A commission was created by hand (`crearComision`), with its own calculation (the
/// seeds' `comision_creada`). Commissions of validated conversions publish no such event:
/// their `ConversionValidada` is the fact.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionCreada {
    /// The commission.
    pub comision_id: Uuid,
    /// The conversion it pays.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// `MANUAL`.
    pub origen: &'static str,
    /// Kind of the conversion.
    pub tipo_conversion: &'static str,
    /// The conversion's value, VAT included.
    pub monto_base: Dinero,
    /// `PORCENTUAL` or `FIJA`.
    pub tipo_comision: &'static str,
    /// Rate of a PORCENTUAL commission, % (decimal text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub porcentaje: Option<String>,
    /// Amount of a FIJA commission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monto_fijo: Option<Dinero>,
    /// Discounts on the sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub descuentos: Option<Dinero>,
    /// Whether discounts are taken off the base.
    pub aplicar_descuentos: bool,
    /// Whether the base keeps its VAT.
    pub incluir_iva: bool,
    /// The VAT rate taken out when not `incluirIva`, % (decimal text).
    pub tasa_iva: String,
}
evento!(ComisionCreada, comision_id);

impl ComisionCreada {
    /// The event of a commission created by hand.
    pub fn de(c: &Comision, calculo: &CalculoManual) -> Self {
        Self {
            comision_id: c.id,
            conversion_id: c.conversion_id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            origen: "MANUAL",
            tipo_conversion: c.tipo_conversion.codigo(),
            monto_base: c.monto_base,
            tipo_comision: calculo.tipo.codigo(),
            porcentaje: calculo.porcentaje.map(|p| p.to_string()),
            monto_fijo: calculo.monto_fijo,
            descuentos: calculo.descuentos,
            aplicar_descuentos: calculo.aplicar_descuentos,
            incluir_iva: calculo.incluir_iva,
            tasa_iva: calculo.tasa_iva.to_string(),
        }
    }
}

/// A calculated commission was calculated again on request (`calcularComision` with
/// `forzarRecalculo`), before its approval.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionRecalculada {
    /// The commission.
    pub comision_id: Uuid,
    /// Its conversion.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// The rate before, % (none for a FIJA commission).
    pub porcentaje_anterior: Option<String>,
    /// The amount before.
    pub monto_anterior: Dinero,
    /// The rate now, %.
    pub porcentaje: Option<String>,
    /// The campaign's objective bonus the rate now includes, %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonus_objetivos: Option<String>,
    /// The amount now.
    pub monto: Dinero,
}
evento!(ComisionRecalculada, comision_id);

impl From<&Comision> for ComisionRecalculada {
    fn from(c: &Comision) -> Self {
        Self {
            comision_id: c.id,
            conversion_id: c.conversion_id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            porcentaje_anterior: None,
            monto_anterior: c.monto_o_cero(),
            porcentaje: c.porcentaje.map(|p| p.to_string()),
            bonus_objetivos: c.bonus_objetivos.map(|b| b.to_string()),
            monto: c.monto_o_cero(),
        }
    }
}

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

/// A payout was accepted (PENDIENTE) with these commissions, less the clawbacks it
/// deducts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PagoSolicitado {
    /// The payout.
    pub pago_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle.
    pub ciclo: String,
    /// Total: its commissions less `descuentos` (never below zero).
    pub monto_total: Dinero,
    /// The commissions it pays.
    pub comisiones: Vec<Uuid>,
    /// What it deducts for clawbacks of reversed commissions.
    pub descuentos: Dinero,
    /// The reversed commissions whose clawbacks it deducts (some maybe in part).
    pub reversiones: Vec<Uuid>,
}

/// An approved or paid commission was reversed: its conversion was rejected after its
/// validation (`ConversionRechazada` of a VALIDADA conversion). When a payout paid it or
/// holds it, `reversionId` names the clawback deducted from the partner's next payouts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComisionRevertida {
    /// The commission.
    pub comision_id: Uuid,
    /// Its conversion.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Its amount.
    pub monto: Dinero,
    /// `APROBADA` or `PAGADA`.
    pub estado_anterior: &'static str,
    /// The payout that paid it or holds it.
    pub pago_origen_id: Option<Uuid>,
    /// The clawback, when a payout paid it or holds it.
    pub reversion_id: Option<Uuid>,
    /// Why.
    pub motivo: String,
}
evento!(ComisionRevertida, comision_id);
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
            origen: c.origen().codigo(),
            bonus_objetivos: c.bonus_objetivos.map(|b| b.to_string()),
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
