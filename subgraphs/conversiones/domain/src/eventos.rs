use chrono::{DateTime, Utc};
use kernel::{Dinero, events::DomainEvent};
use serde::Serialize;
use uuid::Uuid;

use super::{Conversion, TipoConversion};

/// A conversion was recorded (`ConversionRegistrada.v1`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionRegistrada {
    /// Conversion id.
    pub conversion_id: Uuid,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Value `{valor, moneda}` (valor as a decimal string).
    pub valor: Dinero,
    /// Kind.
    pub tipo: TipoConversion,
    /// Channel code.
    pub canal: &'static str,
    /// When it happened.
    pub fecha: DateTime<Utc>,
    /// Partner's reference.
    pub referencia_externa: Option<String>,
}

/// A conversion was accepted (`ConversionValidada.v1`): what `pagos` needs for the commission.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionValidada {
    /// Conversion id.
    pub conversion_id: Uuid,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Value `{valor, moneda}`.
    pub valor: Dinero,
    /// Kind.
    pub tipo: TipoConversion,
    /// Channel code.
    pub canal: &'static str,
    /// When it happened.
    pub fecha: DateTime<Utc>,
}

/// A conversion was refused (`ConversionRechazada.v1`): while REGISTRADA
/// (`rechazarConversion`), or after its validation (`revertirConversion`; `pagos`
/// reverses its commission then, and claws back what was paid).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionRechazada {
    /// Conversion id.
    pub conversion_id: Uuid,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Why.
    pub motivo: String,
    /// When it happened.
    pub fecha: DateTime<Utc>,
    /// Its state before: `REGISTRADA`, or `VALIDADA` for a reversal.
    pub estado_anterior: &'static str,
}

impl From<&Conversion> for ConversionRegistrada {
    fn from(c: &Conversion) -> Self {
        Self {
            conversion_id: c.id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            valor: c.valor,
            tipo: c.tipo,
            canal: c.canal.codigo(),
            fecha: c.fecha,
            referencia_externa: c.referencia_externa.clone(),
        }
    }
}

impl From<&Conversion> for ConversionValidada {
    fn from(c: &Conversion) -> Self {
        Self {
            conversion_id: c.id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            valor: c.valor,
            tipo: c.tipo,
            canal: c.canal.codigo(),
            fecha: c.fecha,
        }
    }
}

impl From<&Conversion> for ConversionRechazada {
    fn from(c: &Conversion) -> Self {
        Self {
            conversion_id: c.id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            motivo: c.motivo_rechazo.clone().unwrap_or_default(),
            fecha: c.fecha,
            estado_anterior: "REGISTRADA",
        }
    }
}

macro_rules! domain_event {
    ($t:ty, $name:literal) => {
        impl DomainEvent for $t {
            const NOMBRE: &'static str = $name;
            const VERSION: u32 = 1;
            fn agregado_id(&self) -> String {
                self.conversion_id.to_string()
            }
        }
    };
}

domain_event!(ConversionRegistrada, "ConversionRegistrada");
domain_event!(ConversionValidada, "ConversionValidada");
domain_event!(ConversionRechazada, "ConversionRechazada");
