//! This context's part of the dashboard's counters (`ContadoresDashboard`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{autorizacion::alcance, contar};

use crate::application::AfiliadoService;
use crate::domain::{EstadoAfiliado, FiltroAfiliados};

/// The dashboard's counters, as this subgraph knows them.
pub(crate) struct ContadoresDashboard(pub ID);

impl ContadoresDashboard {
    async fn contar(ctx: &Context<'_>, estado: Option<EstadoAfiliado>) -> Result<u64> {
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        // A partner user counts only itself.
        let filtro = FiltroAfiliados {
            id: alcance(ctx)?.afiliado(),
            estado,
            ..FiltroAfiliados::default()
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

    /// Partners, whatever their state.
    async fn total_afiliados(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, None).await
    }

    /// Partners in state ACTIVO.
    async fn afiliados_activos(&self, ctx: &Context<'_>) -> Result<u64> {
        Self::contar(ctx, Some(EstadoAfiliado::Activo)).await
    }
}
