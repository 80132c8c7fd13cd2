//! `Afiliado` and `Campania` as seen from here: keys owned by other subgraphs, extended
//! with this context's conversions and metrics, loaded for a whole batch at once.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    DomainError, PageRequest,
    auth::Alcance,
    graphql::{GraphqlResultExt, autorizacion::alcance},
};
use uuid::Uuid;

use super::{
    loader::{
        ClaveMetricas, ClavePorEntidad, LoteEntidades, MetricasLoader, PorEntidadLoader, ahora,
    },
    types::{ConversionGql, FiltroConversionesEntidadInput, MetricasGql},
};
use crate::application::ConversionService;
use crate::domain::{Dimension, FiltroConversiones, Periodo};

async fn conversiones(
    ctx: &Context<'_>,
    dimension: Dimension,
    id: Uuid,
    filtro: Option<FiltroConversionesEntidadInput>,
    limite: i64,
) -> Result<Vec<ConversionGql>> {
    let filtro = filtro
        .unwrap_or_default()
        .into_domain(dimension, limite)
        .gql()?;
    let service = ctx.data::<Arc<ConversionService>>()?;
    match (alcance(ctx)?, dimension) {
        (Alcance::Plataforma, _) => {}
        (propio @ Alcance::Afiliado(_), Dimension::Afiliado) => propio.exigir(id).gql()?,
        // A partner user sees its own conversions of a campaign: one query of its own
        // (not the campaign's batch, which holds every partner's).
        (Alcance::Afiliado(propio), Dimension::Campania) => {
            let pagina = PageRequest::new(1, filtro.limite as i64).gql()?;
            let propias = FiltroConversiones {
                afiliado_id: Some(propio),
                campania_id: Some(id),
                canal: filtro.canal,
                estado: filtro.estado,
                desde: filtro.desde,
                hasta: filtro.hasta,
            };
            let page = service.listar(&propias, pagina).await.gql()?;
            return Ok(page.items.into_iter().map(Into::into).collect());
        }
    }
    let found = match ctx
        .data::<LoteEntidades>()?
        .conversiones(service, &filtro, id)
        .await
    {
        Some(found) => Some(found.gql()?),
        None => ctx
            .data::<PorEntidadLoader>()?
            .load_one(ClavePorEntidad { id, filtro })
            .await
            .gql()?,
    };
    Ok(found
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect())
}

async fn metricas(
    ctx: &Context<'_>,
    dimension: Dimension,
    id: Uuid,
    periodo: &str,
) -> Result<MetricasGql> {
    match (alcance(ctx)?, dimension) {
        (Alcance::Plataforma, _) => {}
        (propio @ Alcance::Afiliado(_), Dimension::Afiliado) => propio.exigir(id).gql()?,
        // A campaign's metrics add up every partner's activity.
        (Alcance::Afiliado(_), Dimension::Campania) => {
            return Err(DomainError::Forbidden(
                "Las métricas de una campaña no están disponibles para un afiliado; use las del afiliado"
                    .into(),
            ))
            .gql();
        }
    }
    let ventana = Periodo::parse("periodo", periodo)
        .gql()?
        .ventana(ahora(ctx)?);
    let service = ctx.data::<Arc<ConversionService>>()?;
    let metricas = match ctx
        .data::<LoteEntidades>()?
        .metricas(service, dimension, ventana, id)
        .await
    {
        Some(found) => found.gql()?,
        None => ctx
            .data::<MetricasLoader>()?
            .load_one(ClaveMetricas {
                dimension,
                id,
                ventana,
            })
            .await
            .gql()?,
    }
    .ok_or("métricas no disponibles")?;
    Ok(MetricasGql::new(metricas, ventana))
}

/// A partner (owned by `afiliados`), with its conversions and metrics.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AfiliadoRef(pub Uuid);

#[Object(name = "Afiliado")]
impl AfiliadoRef {
    /// Partner id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// The partner's latest conversions (at most `limite`, 1–100), filtered.
    async fn conversiones(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroConversionesEntidadInput>,
        #[graphql(default = 20)] limite: i64,
    ) -> Result<Vec<ConversionGql>> {
        conversiones(ctx, Dimension::Afiliado, self.0, filtro, limite).await
    }

    /// The partner's tracking and conversion metrics over `periodo` ("30d", "24h").
    async fn metricas(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Periodo::DEFAULT.to_owned()")] periodo: String,
    ) -> Result<MetricasGql> {
        metricas(ctx, Dimension::Afiliado, self.0, &periodo).await
    }
}

/// A campaign (owned by `campanias`), with its conversions and metrics.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CampaniaRef(pub Uuid);

#[Object(name = "Campania")]
impl CampaniaRef {
    /// Campaign id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// The campaign's latest conversions (at most `limite`, 1–100), filtered.
    async fn conversiones(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroConversionesEntidadInput>,
        #[graphql(default = 20)] limite: i64,
    ) -> Result<Vec<ConversionGql>> {
        conversiones(ctx, Dimension::Campania, self.0, filtro, limite).await
    }

    /// The campaign's tracking and conversion metrics over `periodo` ("30d", "24h").
    async fn metricas(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Periodo::DEFAULT.to_owned()")] periodo: String,
    ) -> Result<MetricasGql> {
        metricas(ctx, Dimension::Campania, self.0, &periodo).await
    }
}
