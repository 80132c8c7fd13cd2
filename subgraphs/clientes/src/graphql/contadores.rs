//! This context's part of the dashboard's counters (`ContadoresDashboard`).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::contar;

use crate::application::ClienteService;
use crate::domain::FiltroClientes;

/// The dashboard's counters, as this subgraph knows them.
pub(crate) struct ContadoresDashboard(pub ID);

#[Object(name = "ContadoresDashboard")]
impl ContadoresDashboard {
    /// Always `dashboard`: there is one set of counters.
    async fn id(&self) -> &ID {
        &self.0
    }

    /// Registered clients.
    async fn total_clientes(&self, ctx: &Context<'_>) -> Result<u64> {
        let service = ctx.data::<Arc<ClienteService>>()?;
        let todos = FiltroClientes::default();
        contar(|pagina| service.listar(&todos, pagina)).await
    }
}
