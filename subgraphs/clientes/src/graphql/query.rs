use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    graphql::{
        GraphqlResultExt, Paginacion, autorizacion::busqueda_permitida, load_one, parse_id,
        to_graphql_error,
    },
    search::Busqueda,
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
        let pagina = Paginacion::to_domain(paginacion).gql()?;
        let service = ctx.data::<Arc<ClienteService>>()?;
        let page = service.listar(&filtro, pagina).await.gql()?;
        let paginacion = (&page).into();
        Ok(ClientesPagina {
            items: page.items.into_iter().map(Into::into).collect(),
            paginacion,
        })
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
        let busqueda = busqueda_permitida(ctx, Busqueda::new(&q, limite).gql()?);
        let service = ctx.data::<Arc<ClienteService>>()?;
        Ok(service
            .buscar(&busqueda)
            .await
            .gql()?
            .into_iter()
            .map(|(cliente, relevancia)| ResultadoBusquedaCliente {
                cliente: cliente.into(),
                relevancia,
            })
            .collect())
    }

    /// Federation entity resolver: `Cliente @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn cliente_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ClienteGql>> {
        let uuid = match parse_id("id", &id) {
            Ok(uuid) => uuid,
            Err(error) => {
                // An unparsable key resolves to null with an error, not a failed batch.
                ctx.add_error(to_graphql_error(error).into_server_error(ctx.item.pos));
                return Ok(None);
            }
        };
        let loader = ctx.data::<ClienteLoader>()?;
        Ok(load_one(loader, uuid).await.gql()?.map(Into::into))
    }
}
