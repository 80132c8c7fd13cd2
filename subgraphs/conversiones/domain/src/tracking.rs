use chrono::{DateTime, Utc};
use kernel::Dinero;
use uuid::Uuid;

use super::{Canal, Metadatos};

/// Kind of tracking event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TipoEvento {
    /// A click on a partner link.
    Click,
    /// An ad impression.
    Impresion,
    /// A conversion ping from a tag or SDK.
    Conversion,
}

impl TipoEvento {
    /// Stored code.
    pub fn codigo(self) -> &'static str {
        match self {
            TipoEvento::Click => "CLICK",
            TipoEvento::Impresion => "IMPRESION",
            TipoEvento::Conversion => "CONVERSION",
        }
    }

    /// From a stored code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [Self::Click, Self::Impresion, Self::Conversion]
            .into_iter()
            .find(|t| t.codigo() == codigo)
    }
}

/// Where a tracking event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fuente {
    /// JavaScript tag on a web page.
    WebTag,
    /// Mobile SDK.
    MobileSdk,
    /// Server-to-server API.
    Api,
}

impl Fuente {
    /// Stored code.
    pub fn codigo(self) -> &'static str {
        match self {
            Fuente::WebTag => "WEB_TAG",
            Fuente::MobileSdk => "MOBILE_SDK",
            Fuente::Api => "API",
        }
    }

    /// From a stored code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [Self::WebTag, Self::MobileSdk, Self::Api]
            .into_iter()
            .find(|f| f.codigo() == codigo)
    }

    /// The channel assumed when the client names none.
    pub fn canal_por_defecto(self) -> Canal {
        match self {
            Fuente::WebTag => Canal::Web,
            Fuente::MobileSdk => Canal::Mobile,
            Fuente::Api => Canal::Api,
        }
    }
}

/// The collector's command, validated by the adapter.
#[derive(Clone, Debug)]
pub struct RegistrarEvento {
    /// Kind.
    pub tipo: TipoEvento,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Source.
    pub fuente: Fuente,
    /// Channel (defaults from the source).
    pub canal: Option<Canal>,
    /// Value of a CONVERSION ping.
    pub valor: Option<Dinero>,
    /// Metadata.
    pub metadatos: Metadatos,
    /// When it happened; `None` means "now".
    pub timestamp: Option<DateTime<Utc>>,
}

/// A recorded tracking event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventoTracking {
    /// Id (UUIDv7, time-ordered).
    pub id: Uuid,
    /// Kind.
    pub tipo: TipoEvento,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Source.
    pub fuente: Fuente,
    /// Channel.
    pub canal: Canal,
    /// Value of a CONVERSION ping.
    pub valor: Option<Dinero>,
    /// Metadata.
    pub metadatos: Metadatos,
    /// When it happened.
    pub ocurrido_en: DateTime<Utc>,
    /// When the collector received it.
    pub recibido_en: DateTime<Utc>,
}
