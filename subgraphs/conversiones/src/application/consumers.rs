//! Consumers that keep the local projections of partner and campaign ids.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use subgraph_kit::{DomainError, DomainResult, events::EventEnvelope, messaging::EventHandler};
use uuid::Uuid;

use crate::domain::Dimension;

const AFILIADO_REGISTRADO: &str = "AfiliadoRegistrado.v1";
const AFILIADO_ELIMINADO: &str = "AfiliadoEliminado.v1";

/// The projections of known ids, inside a consumer's transaction (the runtime's, which
/// also holds the inbox row and commits).
#[async_trait]
pub trait ProyeccionesEnTransaccion: Send + Sync {
    /// Records a partner or campaign id (idempotent).
    async fn conocer(&self, dimension: Dimension, id: Uuid, en: DateTime<Utc>) -> DomainResult<()>;

    /// Records that a partner was deleted (idempotent; whether or not its registration
    /// arrived first, it stays deleted).
    async fn afiliado_eliminado(&self, id: Uuid, en: DateTime<Utc>) -> DomainResult<()>;
}

/// Records the id of every `AfiliadoRegistrado` / `CampaniaCreada` (its `agregadoId`), so
/// conversions can refuse unknown ids without calling other subgraphs, and every
/// `AfiliadoEliminado`, so a deleted partner's conversions, tracking events and collector
/// keys are refused from then on.
pub struct ProyeccionIds {
    dimension: Dimension,
}

impl ProyeccionIds {
    /// The partner projection (`AfiliadoRegistrado.v1`, `AfiliadoEliminado.v1`).
    pub fn afiliados() -> Self {
        Self {
            dimension: Dimension::Afiliado,
        }
    }

    /// The campaign projection (`CampaniaCreada.v1`).
    pub fn campanias() -> Self {
        Self {
            dimension: Dimension::Campania,
        }
    }
}

#[async_trait]
impl EventHandler for ProyeccionIds {
    fn consumer(&self) -> &'static str {
        match self.dimension {
            Dimension::Afiliado => "conversiones.afiliados_conocidos",
            Dimension::Campania => "conversiones.campanias_conocidas",
        }
    }

    fn tipos(&self) -> &'static [&'static str] {
        match self.dimension {
            Dimension::Afiliado => &[AFILIADO_REGISTRADO, AFILIADO_ELIMINADO],
            Dimension::Campania => &["CampaniaCreada.v1"],
        }
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let id = Uuid::parse_str(&event.agregado_id).map_err(|_| {
            DomainError::internal(format!(
                "{} with a non-UUID agregadoId '{}'",
                event.tipo, event.agregado_id
            ))
        })?;
        let proyecciones: &dyn ProyeccionesEnTransaccion = txn;
        if event.tipo == AFILIADO_ELIMINADO {
            return proyecciones.afiliado_eliminado(id, event.ocurrido_en).await;
        }
        proyecciones
            .conocer(self.dimension, id, event.ocurrido_en)
            .await
    }
}
