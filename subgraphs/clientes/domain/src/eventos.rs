//! The events the `clientes` context publishes (through its outbox).

use chrono::{DateTime, Utc};
use kernel::events::DomainEvent;
use serde::Serialize;
use uuid::Uuid;

use super::Cliente;

/// An advertiser registered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClienteRegistrado {
    /// The advertiser.
    pub cliente_id: Uuid,
    /// Its name.
    pub nombre: String,
    /// Its e-mail.
    pub email: String,
    /// When it registered.
    pub fecha_registro: DateTime<Utc>,
}

impl ClienteRegistrado {
    /// The event of a registration.
    pub fn de(c: &Cliente) -> Self {
        Self {
            cliente_id: c.id,
            nombre: c.nombre.as_str().to_owned(),
            email: c.email.as_str().to_owned(),
            fecha_registro: c.fecha_registro,
        }
    }
}

impl DomainEvent for ClienteRegistrado {
    const NOMBRE: &'static str = "ClienteRegistrado";
    const VERSION: u32 = 1;
    fn agregado_id(&self) -> String {
        self.cliente_id.to_string()
    }
}
