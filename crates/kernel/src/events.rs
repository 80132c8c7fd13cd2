//! The envelope every domain event travels in between contexts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A domain event as published: `tipo` is `{Entidad}{Accion}.v{N}` (`ClienteRegistrado.v1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Unique id of this event; consumers use it to apply each event once.
    pub id: Uuid,
    /// Versioned event type.
    pub tipo: String,
    /// Id of the aggregate the event belongs to.
    pub agregado_id: String,
    /// When the change happened.
    pub ocurrido_en: DateTime<Utc>,
    /// Event-specific payload.
    pub datos: serde_json::Value,
}

/// A domain event that can be put in an envelope.
pub trait DomainEvent: Serialize {
    /// Event name without version (`ClienteRegistrado`).
    const NOMBRE: &'static str;
    /// Schema version of the payload.
    const VERSION: u32;

    /// Id of the aggregate this event belongs to.
    fn agregado_id(&self) -> String;
}

/// Why an event could not be enveloped or read.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The payload could not be encoded or decoded.
    #[error("event payload of {tipo}: {source}")]
    Payload {
        /// The event type.
        tipo: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

impl EventEnvelope {
    /// Wraps an event with a fresh id (time-ordered UUIDv7) and the given time.
    pub fn wrap<E: DomainEvent>(
        event: &E,
        ocurrido_en: DateTime<Utc>,
    ) -> Result<Self, EnvelopeError> {
        let tipo = format!("{}.v{}", E::NOMBRE, E::VERSION);
        let datos = serde_json::to_value(event).map_err(|source| EnvelopeError::Payload {
            tipo: tipo.clone(),
            source,
        })?;
        Ok(Self {
            id: Uuid::now_v7(),
            tipo,
            agregado_id: event.agregado_id(),
            ocurrido_en,
            datos,
        })
    }

    /// Splits `tipo` into name and version (`("ClienteRegistrado", 1)`).
    pub fn nombre_y_version(&self) -> Option<(&str, u32)> {
        let (nombre, version) = self.tipo.rsplit_once(".v")?;
        Some((nombre, version.parse().ok()?))
    }

    /// Reads the payload as a concrete event.
    pub fn datos<E: serde::de::DeserializeOwned>(&self) -> Result<E, EnvelopeError> {
        serde_json::from_value(self.datos.clone()).map_err(|source| EnvelopeError::Payload {
            tipo: self.tipo.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct ClienteRegistrado {
        cliente_id: String,
        nombre: String,
    }

    impl DomainEvent for ClienteRegistrado {
        const NOMBRE: &'static str = "ClienteRegistrado";
        const VERSION: u32 = 1;
        fn agregado_id(&self) -> String {
            self.cliente_id.clone()
        }
    }

    #[test]
    fn envelope_round_trips_as_camel_case_json() {
        let event = ClienteRegistrado {
            cliente_id: "c-1".into(),
            nombre: "Ana".into(),
        };
        let envelope = EventEnvelope::wrap(&event, Utc::now()).unwrap();
        assert_eq!(envelope.tipo, "ClienteRegistrado.v1");
        assert_eq!(envelope.nombre_y_version(), Some(("ClienteRegistrado", 1)));
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["agregadoId"], "c-1");
        assert_eq!(json["datos"]["clienteId"], "c-1");
        assert!(json["ocurridoEn"].is_string());
        let back: EventEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.datos::<ClienteRegistrado>().unwrap(), event);
    }
}
