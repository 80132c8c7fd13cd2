//! This context's part of the dashboard's counters (`ContadoresDashboard`); the query and
//! subscription roots that serve the whole entity live here too.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{autorizacion::alcance, contar};

use crate::application::ConversionService;
use crate::domain::{EstadoConversion, FiltroConversiones};

/// The dashboard's counters, as this subgraph knows them.
pub(crate) struct ContadoresDashboard(pub ID);

impl ContadoresDashboard {
    async fn contar(ctx: &Context<'_>, estado: Option<EstadoConversion>) -> Result<u64> {
        let service = ctx.data::<Arc<ConversionService>>()?;
        // A partner user counts only its own conversions.
        let filtro = FiltroConversiones {
            afiliado_id: alcance(ctx)?.afiliado(),
            estado,
            ..FiltroConversiones::default()
        };
        contar(|pagina| service.listar(&filtro, pagina)).await
    }
}

#[Object(name = "ContadoresDashboard")]
impl ContadoresDashboard {
    /// Always `dashboard`: there is one set of counters.
    async fn id(&self) -> &ID {
        &self.0
    }

    /// Conversions, whatever their state.
    async fn total_conversiones(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, None).await
    }

    /// Conversions in state REGISTRADA (waiting for validation).
    async fn conversiones_registradas(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, Some(EstadoConversion::Registrada)).await
    }
}
