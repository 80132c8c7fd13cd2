//! This context's part of the dashboard's counters (`ContadoresDashboard`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    graphql::{GraphqlResultExt, autorizacion::alcance},
    pagination::PageRequest,
};

use super::types::AgregacionesPagos;
use crate::application::PagosService;
use crate::domain::FiltroPagos;

/// The dashboard's counters, as this subgraph knows them.
pub(crate) struct ContadoresDashboard(pub ID);

impl ContadoresDashboard {
    async fn todos(ctx: &Context<'_>) -> Result<(u64, AgregacionesPagos)> {
        let service = ctx.data::<Arc<PagosService>>()?;
        let uno = PageRequest::new(1, 1).gql()?;
        // A partner user counts only its own payouts.
        let filtro = FiltroPagos {
            afiliado_id: alcance(ctx)?.afiliado(),
            ..FiltroPagos::default()
        };
        let (page, agregaciones) = service.listar_pagos(&filtro, uno).await.gql()?;
        Ok((page.total, agregaciones.into()))
    }
}

#[Object(name = "ContadoresDashboard")]
impl ContadoresDashboard {
    /// Always `dashboard`: there is one set of counters.
    async fn id(&self) -> &ID {
        &self.0
    }

    /// Payouts, whatever their state.
    async fn total_pagos(&self, ctx: &Context<'_>) -> Result<u64> {
        Ok(Self::todos(ctx).await?.0)
    }

    /// Payouts by state and the amounts paid, per currency.
    async fn agregaciones_pagos(&self, ctx: &Context<'_>) -> Result<AgregacionesPagos> {
        Ok(Self::todos(ctx).await?.1)
    }
}
