use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    DomainError,
    graphql::{
        GraphqlResultExt, Paginacion,
        autorizacion::{alcance, busqueda_permitida},
        parse_id,
        roots::{list_page, load_entity, ranked_search},
    },
};

use super::{
    contadores::ContadoresDashboard,
    loader::AfiliadoLoader,
    types::{AfiliadoGql, AfiliadosPagina, FiltroAfiliadosInput, ResultadoBusquedaAfiliado},
};
use crate::application::AfiliadoService;

/// Queries of the `afiliados` subgraph.
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

    /// The partner with this id, in any state (`NOT_FOUND` if none; a partner user finds
    /// only itself).
    #[graphql(requires_scopes = "lectura")]
    async fn afiliado(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AfiliadoGql>> {
        let id = parse_id("id", &id).gql()?;
        // Another partner's id answers as if it did not exist: its existence is not a
        // partner user's business.
        if !alcance(ctx)?.permite(id) {
            return Err(DomainError::not_found("Afiliado", id)).gql();
        }
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(Some(service.obtener(id).await.gql()?.into()))
    }

    /// Partners, filtered, ordered and paginated (`perPage` at most 100); a partner user
    /// lists only itself.
    #[graphql(requires_scopes = "lectura")]
    async fn afiliados(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroAfiliadosInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<AfiliadosPagina> {
        let mut filtro = filtro.unwrap_or_default().to_domain().gql()?;
        filtro.id = alcance(ctx)?.afiliado();
        filtro.busqueda = filtro.busqueda.map(|b| busqueda_permitida(ctx, b));
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        let (items, paginacion) =
            list_page(paginacion, |p| service.listar(&filtro, p), Into::into).await?;
        Ok(AfiliadosPagina { items, paginacion })
    }

    /// Non-deleted partners whose name or e-mail matches `q`, best match first (e-mails only
    /// for callers who may read them; a partner user finds only itself).
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_afiliados(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaAfiliado>> {
        let alcance = alcance(ctx)?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        ranked_search(
            &q,
            limite,
            |b| busqueda_permitida(ctx, b),
            |b| async move { service.buscar(&b).await },
            |afiliado| alcance.permite(afiliado.id),
            |(afiliado, relevancia)| ResultadoBusquedaAfiliado {
                afiliado: afiliado.into(),
                relevancia,
            },
        )
        .await
    }

    /// Federation entity resolver: `Afiliado @key(fields: "id")`, batched per request
    /// (another partner than a partner user's own resolves to null).
    #[graphql(entity)]
    async fn afiliado_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AfiliadoGql>> {
        let alcance = alcance(ctx)?;
        let loader = ctx.data::<AfiliadoLoader>()?;
        load_entity(ctx, parse_id("id", &id), loader, |a| alcance.permite(a.id)).await
    }
}
