use chrono::{DateTime, Utc};
use kernel::Dinero;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Canal, ConfiguracionComisiones, Segmentacion, TipoCampania};

/// Why an approved commission was not added to a campaign's expense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MotivoSobregiro {
    /// Adding it would take the expense beyond the budget.
    PresupuestoExcedido,
    /// It is in another currency than the budget.
    MonedaDistinta,
}

impl MotivoSobregiro {
    /// Stable code.
    pub fn codigo(self) -> &'static str {
        match self {
            MotivoSobregiro::PresupuestoExcedido => "PRESUPUESTO_EXCEDIDO",
            MotivoSobregiro::MonedaDistinta => "MONEDA_DISTINTA",
        }
    }
}

/// What happened to a campaign. Serialised as `{ "tipo": "CampaniaCreada.v1", "datos": {…} }`;
/// the `tipo` names are the stored and published contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", content = "datos", rename_all_fields = "camelCase")]
pub enum EventoCampania {
    /// The campaign was created (CREADA).
    #[serde(rename = "CampaniaCreada.v1")]
    Creada {
        /// The advertiser.
        cliente_id: Uuid,
        /// Name.
        nombre: String,
        /// Description.
        descripcion: String,
        /// Kind.
        tipo: TipoCampania,
        /// Channels.
        canales: Vec<Canal>,
        /// Targeting.
        segmentacion: Segmentacion,
        /// Commission rates.
        configuracion_comisiones: ConfiguracionComisiones,
        /// Start.
        fecha_inicio: DateTime<Utc>,
        /// End.
        fecha_fin: DateTime<Utc>,
        /// Budget.
        presupuesto: Dinero,
    },
    /// CREADA → ACTIVA.
    #[serde(rename = "CampaniaActivada.v1")]
    Activada {},
    /// ACTIVA → PAUSADA.
    #[serde(rename = "CampaniaPausada.v1")]
    Pausada {},
    /// PAUSADA → ACTIVA.
    #[serde(rename = "CampaniaReanudada.v1")]
    Reanudada {},
    /// ACTIVA → COMPLETADA (final).
    #[serde(rename = "CampaniaCompletada.v1")]
    Completada {},
    /// The budget changed.
    #[serde(rename = "PresupuestoActualizado.v1")]
    PresupuestoActualizado {
        /// Budget before.
        anterior: Dinero,
        /// Budget after.
        nuevo: Dinero,
    },
    /// An approved commission was added to the expense.
    #[serde(rename = "GastoRegistrado.v1")]
    GastoRegistrado {
        /// The commission (applied at most once).
        comision_id: Uuid,
        /// The partner it pays.
        afiliado_id: Uuid,
        /// Amount added.
        monto: Dinero,
        /// Expense after adding it.
        gasto_actual: Dinero,
    },
    /// An approved commission could not be added; recorded, never silently applied.
    #[serde(rename = "SobregiroRegistrado.v1")]
    SobregiroRegistrado {
        /// The commission.
        comision_id: Uuid,
        /// The partner it pays.
        afiliado_id: Uuid,
        /// Amount that was refused.
        monto: Dinero,
        /// Budget still available at the time.
        disponible: Dinero,
        /// Why it was refused.
        motivo: MotivoSobregiro,
    },
    /// A registered expense was taken back: its commission was reversed (a clawback in
    /// `pagos`). Only a `GastoRegistrado` is ever reverted, at most once.
    #[serde(rename = "GastoRevertido.v1")]
    GastoRevertido {
        /// The commission whose expense is taken back (reverted at most once).
        comision_id: Uuid,
        /// The partner it paid.
        afiliado_id: Uuid,
        /// Amount subtracted: exactly the registered expense.
        monto: Dinero,
        /// Expense after subtracting it.
        gasto_actual: Dinero,
        /// Why the commission was reversed (as `pagos` gave it; may be empty).
        motivo: String,
    },
}

impl EventoCampania {
    /// The partner an event concerns (the commissions it records), if any.
    pub fn afiliado_id(&self) -> Option<Uuid> {
        match self {
            EventoCampania::GastoRegistrado { afiliado_id, .. }
            | EventoCampania::SobregiroRegistrado { afiliado_id, .. }
            | EventoCampania::GastoRevertido { afiliado_id, .. } => Some(*afiliado_id),
            _ => None,
        }
    }

    /// Versioned type (`CampaniaCreada.v1`) and JSON payload, as stored and published.
    pub fn tipo_y_datos(&self) -> (String, serde_json::Value) {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut campos)) => {
                let tipo = match campos.remove("tipo") {
                    Some(serde_json::Value::String(tipo)) => tipo,
                    _ => String::new(),
                };
                let datos = campos
                    .remove("datos")
                    .unwrap_or_else(|| serde_json::json!({}));
                (tipo, datos)
            }
            // Plain data with string keys: serialisation cannot fail or change shape.
            _ => (String::new(), serde_json::json!({})),
        }
    }

    /// Reads a stored event back; `None` for an unknown type or payload.
    pub fn desde(tipo: &str, datos: serde_json::Value) -> Option<Self> {
        serde_json::from_value(serde_json::json!({ "tipo": tipo, "datos": datos })).ok()
    }

    /// The commission an expense event (registered or refused) is about: at most one
    /// such event per commission.
    pub fn comision_id(&self) -> Option<Uuid> {
        match self {
            EventoCampania::GastoRegistrado { comision_id, .. }
            | EventoCampania::SobregiroRegistrado { comision_id, .. } => Some(*comision_id),
            _ => None,
        }
    }

    /// The commission a reversal event is about: at most one per commission, kept apart
    /// from [`EventoCampania::comision_id`] because the expense it reverts holds that key.
    pub fn comision_revertida_id(&self) -> Option<Uuid> {
        match self {
            EventoCampania::GastoRevertido { comision_id, .. } => Some(*comision_id),
            _ => None,
        }
    }
}

/// An event as stored: its id, its place in the campaign's stream and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventoRegistrado {
    /// Unique id (also the published envelope's id).
    pub id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Position in the stream, from 1.
    pub version: i64,
    /// When it happened.
    pub ocurrido_en: DateTime<Utc>,
    /// What happened.
    pub evento: EventoCampania,
}

#[cfg(test)]
mod tests {
    use kernel::Moneda;
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn events_round_trip_through_type_and_payload() {
        let evento = EventoCampania::GastoRegistrado {
            comision_id: Uuid::new_v4(),
            afiliado_id: Uuid::new_v4(),
            monto: Dinero::new(dec!(10.5), Moneda::Usd).unwrap(),
            gasto_actual: Dinero::new(dec!(110.5), Moneda::Usd).unwrap(),
        };
        let (tipo, datos) = evento.tipo_y_datos();
        assert_eq!(tipo, "GastoRegistrado.v1");
        assert_eq!(datos["monto"]["valor"], "10.50");
        assert!(datos["comisionId"].is_string());
        assert_eq!(EventoCampania::desde(&tipo, datos), Some(evento));
        let revertido = EventoCampania::GastoRevertido {
            comision_id: Uuid::new_v4(),
            afiliado_id: Uuid::new_v4(),
            monto: Dinero::new(dec!(10.5), Moneda::Usd).unwrap(),
            gasto_actual: Dinero::new(dec!(100), Moneda::Usd).unwrap(),
            motivo: "Contracargo".into(),
        };
        let (tipo, datos) = revertido.tipo_y_datos();
        assert_eq!(tipo, "GastoRevertido.v1");
        assert_eq!(datos["gastoActual"]["valor"], "100.00");
        assert_eq!(revertido.comision_id(), None, "the expense holds that key");
        assert!(revertido.comision_revertida_id().is_some());
        assert_eq!(EventoCampania::desde(&tipo, datos), Some(revertido));
        let (tipo, datos) = EventoCampania::Activada {}.tipo_y_datos();
        assert_eq!(tipo, "CampaniaActivada.v1");
        assert_eq!(
            EventoCampania::desde(&tipo, datos),
            Some(EventoCampania::Activada {})
        );
        assert_eq!(
            EventoCampania::desde("Otro.v1", serde_json::json!({})),
            None
        );
    }
}
