//! The events the `afiliados` context publishes (through its outbox).

use kernel::events::DomainEvent;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Afiliado;

/// The partner's state other contexts need: tier, state and payout settings.
fn estado(a: &Afiliado) -> Value {
    let config = &a.configuracion_comisiones;
    json!({
        "tipo": a.tipo.codigo(),
        "estado": a.estado.codigo(),
        "comisionBase": config.comision_base.value().to_string(),
        "comisionPremium": config.comision_premium.value().to_string(),
        "minimoPago": {
            "valor": config.minimo_pago.valor().to_string(),
            "moneda": config.minimo_pago.moneda().codigo(),
        },
    })
}

/// A partner joined.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AfiliadoRegistrado {
    /// The partner.
    pub afiliado_id: Uuid,
    /// Its name.
    pub nombre: String,
    /// Tier, state and payout settings.
    #[serde(flatten)]
    pub estado: Value,
}

impl AfiliadoRegistrado {
    /// The event of a registration.
    pub fn de(a: &Afiliado) -> Self {
        Self {
            afiliado_id: a.id,
            nombre: a.nombre.as_str().to_owned(),
            estado: estado(a),
        }
    }
}

impl DomainEvent for AfiliadoRegistrado {
    const NOMBRE: &'static str = "AfiliadoRegistrado";
    const VERSION: u32 = 1;
    fn agregado_id(&self) -> String {
        self.afiliado_id.to_string()
    }
}

/// A partner changed (data, tier, state or settings); `version` orders the changes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AfiliadoActualizado {
    /// The partner.
    pub afiliado_id: Uuid,
    /// Its version after the change (consumers ignore older ones).
    pub version: i64,
    /// Tier, state and payout settings.
    #[serde(flatten)]
    pub estado: Value,
}

impl AfiliadoActualizado {
    /// The event of a change.
    pub fn de(a: &Afiliado) -> Self {
        Self {
            afiliado_id: a.id,
            version: a.version,
            estado: estado(a),
        }
    }
}

impl DomainEvent for AfiliadoActualizado {
    const NOMBRE: &'static str = "AfiliadoActualizado";
    const VERSION: u32 = 1;
    fn agregado_id(&self) -> String {
        self.afiliado_id.to_string()
    }
}
