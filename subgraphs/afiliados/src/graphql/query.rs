use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    DomainError,
    graphql::{
        GraphqlResultExt, Paginacion,
        autorizacion::{alcance, busqueda_permitida},
        load_one, parse_id, to_graphql_error,
    },
    search::Busqueda,
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
        let pagina = Paginacion::to_domain(paginacion).gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        let page = service.listar(&filtro, pagina).await.gql()?;
        let paginacion = (&page).into();
        Ok(AfiliadosPagina {
            items: page.items.into_iter().map(Into::into).collect(),
            paginacion,
        })
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
        let busqueda = busqueda_permitida(ctx, Busqueda::new(&q, limite).gql()?);
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service
            .buscar(&busqueda)
            .await
            .gql()?
            .into_iter()
            .filter(|(afiliado, _)| alcance.permite(afiliado.id))
            .map(|(afiliado, relevancia)| ResultadoBusquedaAfiliado {
                afiliado: afiliado.into(),
                relevancia,
            })
            .collect())
    }

    /// Federation entity resolver: `Afiliado @key(fields: "id")`, batched per request
    /// (another partner than a partner user's own resolves to null).
    #[graphql(entity)]
    async fn afiliado_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AfiliadoGql>> {
        let uuid = match parse_id("id", &id) {
            Ok(uuid) => uuid,
            Err(error) => {
                // An unparsable key resolves to null with an error, not a failed batch.
                ctx.add_error(to_graphql_error(error).into_server_error(ctx.item.pos));
                return Ok(None);
            }
        };
        if !alcance(ctx)?.permite(uuid) {
            return Ok(None);
        }
        let loader = ctx.data::<AfiliadoLoader>()?;
        Ok(load_one(loader, uuid).await.gql()?.map(Into::into))
    }
}
