use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    graphql::{GraphqlResultExt, Paginacion, load_one, parse_id, to_graphql_error},
    search::Busqueda,
};

use super::{
    contadores::ContadoresDashboard,
    loader::CampaniaLoader,
    types::{
        CampaniaGql, CampaniasPagina, ClienteGql, FiltroCampaniasInput, ResultadoBusquedaCampania,
    },
};
use crate::application::CampaniaService;

/// Queries of the `campanias` subgraph.
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

    /// The campaign with this id (`NOT_FOUND` if none).
    #[graphql(requires_scopes = "lectura")]
    async fn campania(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CampaniaGql>> {
        let id = parse_id("id", &id).gql()?;
        let service = ctx.data::<Arc<CampaniaService>>()?;
        Ok(Some(service.obtener(id).await.gql()?.into()))
    }

    /// Campaigns, filtered by state and advertiser, newest first, paginated.
    #[graphql(requires_scopes = "lectura")]
    async fn campanias(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroCampaniasInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<CampaniasPagina> {
        let filtro = filtro.unwrap_or_default().to_domain().gql()?;
        let pagina = Paginacion::to_domain(paginacion).gql()?;
        let service = ctx.data::<Arc<CampaniaService>>()?;
        let page = service.listar(&filtro, pagina).await.gql()?;
        let paginacion = (&page).into();
        Ok(CampaniasPagina {
            items: page.items.into_iter().map(Into::into).collect(),
            paginacion,
        })
    }

    /// Campaigns whose name or description matches `q`, best match first.
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_campanias(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaCampania>> {
        let busqueda = Busqueda::new(&q, limite).gql()?;
        let service = ctx.data::<Arc<CampaniaService>>()?;
        Ok(service
            .buscar(&busqueda)
            .await
            .gql()?
            .into_iter()
            .map(|(campania, relevancia)| ResultadoBusquedaCampania {
                campania: campania.into(),
                relevancia,
            })
            .collect())
    }

    /// Federation entity resolver: `Campania @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn campania_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CampaniaGql>> {
        let uuid = match parse_id("id", &id) {
            Ok(uuid) => uuid,
            Err(error) => {
                // An unparsable key resolves to null with an error, not a failed batch.
                ctx.add_error(to_graphql_error(error).into_server_error(ctx.item.pos));
                return Ok(None);
            }
        };
        let loader = ctx.data::<CampaniaLoader>()?;
        Ok(load_one(loader, uuid).await.gql()?.map(Into::into))
    }

    /// Federation entity resolver: `Cliente @key(fields: "id")`, owned by `clientes`;
    /// this subgraph adds its campaigns (loaded per batch in one statement).
    #[graphql(entity)]
    async fn cliente_por_id(&self, id: ID) -> ClienteGql {
        ClienteGql { id }
    }
}
