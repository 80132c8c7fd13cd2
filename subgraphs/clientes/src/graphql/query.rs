use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{
    GraphqlResultExt, Paginacion,
    autorizacion::busqueda_permitida,
    parse_id,
    roots::{list_page, load_entity, ranked_search},
};

use super::{
    contadores::ContadoresDashboard,
    loader::ClienteLoader,
    types::{ClienteGql, ClientesPagina, FiltroClientesInput, ResultadoBusquedaCliente},
};
use crate::application::ClienteService;

/// Queries of the `clientes` subgraph.
pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Federation entity resolver: this context's part of the dashboard's counters,
    /// `ContadoresDashboard @key(fields: "id")`.
    #[graphql(entity)]
    async fn contadores_dashboard_por_id(&self, id: ID) -> Result<ContadoresDashboard> {
        Ok(ContadoresDashboard(subgraph_kit::graphql::contadores_id(
            &id,
        )?))
    }

    /// The client with this id (`NOT_FOUND` if none).
    #[graphql(requires_scopes = "lectura")]
    async fn cliente(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ClienteGql>> {
        let id = parse_id("id", &id).gql()?;
        let service = ctx.data::<Arc<ClienteService>>()?;
        Ok(Some(service.obtener(id).await.gql()?.into()))
    }

    /// Clients, filtered, ordered and paginated (`perPage` at most 100); `busqueda` looks
    /// at e-mails only for callers who may read them.
    #[graphql(requires_scopes = "lectura")]
    async fn clientes(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroClientesInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<ClientesPagina> {
        let mut filtro = filtro.unwrap_or_default().to_domain().gql()?;
        filtro.busqueda = filtro.busqueda.map(|b| busqueda_permitida(ctx, b));
        let service = ctx.data::<Arc<ClienteService>>()?;
        let (items, paginacion) =
            list_page(paginacion, |p| service.listar(&filtro, p), Into::into).await?;
        Ok(ClientesPagina { items, paginacion })
    }

    /// Clients whose name or e-mail matches `q`, best match first (e-mails only for callers
    /// who may read them).
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_clientes(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaCliente>> {
        let service = ctx.data::<Arc<ClienteService>>()?;
        ranked_search(
            &q,
            limite,
            |b| busqueda_permitida(ctx, b),
            |b| async move { service.buscar(&b).await },
            |_| true,
            |(cliente, relevancia)| ResultadoBusquedaCliente {
                cliente: cliente.into(),
                relevancia,
            },
        )
        .await
    }

    /// Federation entity resolver: `Cliente @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn cliente_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ClienteGql>> {
        let loader = ctx.data::<ClienteLoader>()?;
        load_entity(ctx, parse_id("id", &id), loader, |_| true).await
    }
}
