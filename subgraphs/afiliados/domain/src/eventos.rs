//! The events the `afiliados` context publishes (through its outbox).

use chrono::{DateTime, Utc};
use kernel::{
    DomainError, DomainResult,
    events::{DomainEvent, EventEnvelope},
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Afiliado, EstadoAfiliado};

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

/// A partner was deleted (soft, final): `AfiliadoEliminado.v1`. It is the partner's last
/// change, so it carries what `AfiliadoActualizado` carries (its `version` and state, now
/// `ELIMINADO`): a consumer keeping a versioned projection applies it like any update.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AfiliadoEliminado {
    /// The partner.
    pub afiliado_id: Uuid,
    /// Its version after the deletion.
    pub version: i64,
    /// When it was deleted.
    pub fecha_eliminacion: DateTime<Utc>,
    /// Tier, state (`ELIMINADO`) and payout settings.
    #[serde(flatten)]
    pub estado: Value,
}

impl AfiliadoEliminado {
    /// The event of a deletion.
    pub fn de(a: &Afiliado) -> Self {
        Self {
            afiliado_id: a.id,
            version: a.version,
            fecha_eliminacion: a.fecha_actualizacion,
            estado: estado(a),
        }
    }
}

impl DomainEvent for AfiliadoEliminado {
    const NOMBRE: &'static str = "AfiliadoEliminado";
    const VERSION: u32 = 1;
    fn agregado_id(&self) -> String {
        self.afiliado_id.to_string()
    }
}

/// The event of a saved change: `AfiliadoEliminado` for the deletion (the only change
/// that leaves a partner ELIMINADO, which admits no other), `AfiliadoActualizado` for
/// every other one.
pub fn evento_de_cambio(a: &Afiliado) -> DomainResult<EventEnvelope> {
    let envelope = if a.estado == EstadoAfiliado::Eliminado {
        EventEnvelope::wrap(&AfiliadoEliminado::de(a), a.fecha_actualizacion)
    } else {
        EventEnvelope::wrap(&AfiliadoActualizado::de(a), a.fecha_actualizacion)
    };
    envelope.map_err(DomainError::internal)
}
