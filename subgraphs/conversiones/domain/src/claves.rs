//! The collector's per-partner API keys: a partner's tracking tag or SDK presents its key
//! instead of a user's token. The key is shown once, when issued; only its digest is kept
//! (see [`kernel::auth::clave_api`]), and issuing a new one replaces the previous one.

use chrono::{DateTime, Utc};
use kernel::events::DomainEvent;
use serde::Serialize;
use uuid::Uuid;

/// A partner's current collector key, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaveApi {
    /// Whose key it is (one current key per partner).
    pub afiliado_id: Uuid,
    /// SHA-256 of the key; the key itself is never stored.
    pub digest: String,
    /// Its first characters, to tell keys apart.
    pub prefijo: String,
    /// When it was issued.
    pub emitida_en: DateTime<Utc>,
}

/// A key was issued for a partner, replacing any previous one (`ClaveApiEmitida.v1`).
/// Carries neither the key nor its digest.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaveApiEmitida {
    /// The partner.
    pub afiliado_id: Uuid,
    /// The key's visible prefix.
    pub prefijo: String,
    /// When.
    pub emitida_en: DateTime<Utc>,
}

impl From<&ClaveApi> for ClaveApiEmitida {
    fn from(c: &ClaveApi) -> Self {
        Self {
            afiliado_id: c.afiliado_id,
            prefijo: c.prefijo.clone(),
            emitida_en: c.emitida_en,
        }
    }
}

impl DomainEvent for ClaveApiEmitida {
    const NOMBRE: &'static str = "ClaveApiEmitida";
    const VERSION: u32 = 1;
    fn agregado_id(&self) -> String {
        self.afiliado_id.to_string()
    }
}
