use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{
    GraphqlResultExt, Paginacion, parse_id,
    roots::{list_page, load_entity, ranked_search},
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
        let service = ctx.data::<Arc<CampaniaService>>()?;
        let (items, paginacion) =
            list_page(paginacion, |p| service.listar(&filtro, p), Into::into).await?;
        Ok(CampaniasPagina { items, paginacion })
    }

    /// Campaigns whose name or description matches `q`, best match first.
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_campanias(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaCampania>> {
        let service = ctx.data::<Arc<CampaniaService>>()?;
        ranked_search(
            &q,
            limite,
            std::convert::identity,
            |b| async move { service.buscar(&b).await },
            |_| true,
            |(campania, relevancia)| ResultadoBusquedaCampania {
                campania: campania.into(),
                relevancia,
            },
        )
        .await
    }

    /// Federation entity resolver: `Campania @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn campania_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CampaniaGql>> {
        let loader = ctx.data::<CampaniaLoader>()?;
        load_entity(ctx, parse_id("id", &id), loader, |_| true).await
    }

    /// Federation entity resolver: `Cliente @key(fields: "id")`, owned by `clientes`;
    /// this subgraph adds its campaigns (loaded per batch in one statement).
    #[graphql(entity)]
    async fn cliente_por_id(&self, id: ID) -> ClienteGql {
        ClienteGql { id }
    }
}
