//! This context's part of the dashboard's counters (`ContadoresDashboard`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::contar;

use crate::application::CampaniaService;
use crate::domain::{EstadoCampania, FiltroCampanias};

/// The dashboard's counters, as this subgraph knows them.
pub(crate) struct ContadoresDashboard(pub ID);

impl ContadoresDashboard {
    async fn contar(ctx: &Context<'_>, estado: Option<EstadoCampania>) -> Result<u64> {
        let service = ctx.data::<Arc<CampaniaService>>()?;
        let filtro = FiltroCampanias {
            estado,
            ..FiltroCampanias::default()
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

    /// Campaigns, whatever their state.
    async fn total_campanias(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, None).await
    }

    /// Campaigns in state ACTIVA.
    async fn campanias_activas(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, Some(EstadoCampania::Activa)).await
    }
}
