use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{
    GraphqlResultExt, Paginacion,
    autorizacion::alcance,
    roots::{list_page, load_entity, ranked_search, visible_or_not_found},
};

use super::{
    contadores::ContadoresDashboard,
    entidades::{AfiliadoRef, CampaniaRef},
    loader::{ConversionLoader, ahora},
    types::{
        ConversionGql, ConversionesPagina, FiltroConversionesInput, MetricasGql,
        ResultadoBusquedaConversion, parse_uuid,
    },
};
use crate::application::ConversionService;
use crate::domain::{Canal, Periodo};

/// Queries of the `conversiones` subgraph.
pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// The dashboard's counters of every context (the gateway joins each context's part;
    /// a partner user's count only its own rows).
    #[graphql(requires_scopes = "lectura")]
    async fn contadores_dashboard(&self) -> ContadoresDashboard {
        ContadoresDashboard(ID(subgraph_kit::graphql::CONTADORES_ID.to_owned()))
    }

    /// Federation entity resolver: this context's part of the dashboard's counters,
    /// `ContadoresDashboard @key(fields: "id")`.
    #[graphql(entity)]
    async fn contadores_dashboard_por_id(&self, id: ID) -> Result<ContadoresDashboard> {
        Ok(ContadoresDashboard(subgraph_kit::graphql::contadores_id(
            &id,
        )?))
    }

    /// The conversion with this id (`NOT_FOUND` if none, or if it is another partner's
    /// and a partner user asks).
    #[graphql(requires_scopes = "lectura")]
    async fn conversion(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ConversionGql>> {
        let alcance = alcance(ctx)?;
        let id = parse_uuid("id", &id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let conversion = service.obtener(id).await.gql()?;
        let visible = alcance.permite(conversion.afiliado_id);
        Ok(Some(
            visible_or_not_found(conversion, visible, "Conversión", id)?.into(),
        ))
    }

    /// Conversions, filtered and paginated, latest first (`perPage` at most 100); a
    /// partner user's only its own.
    #[graphql(requires_scopes = "lectura")]
    async fn conversiones(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroConversionesInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<ConversionesPagina> {
        let mut filtro = filtro.unwrap_or_default().into_domain().gql()?;
        filtro.afiliado_id = alcance(ctx)?.filtro(filtro.afiliado_id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let (items, paginacion) =
            list_page(paginacion, |p| service.listar(&filtro, p), Into::into).await?;
        Ok(ConversionesPagina { items, paginacion })
    }

    /// Tracking and conversion metrics of the last `periodo` ("30d", "24h"), optionally of
    /// one channel; aggregated in the database (a partner user's: its own).
    #[graphql(requires_scopes = "lectura")]
    async fn metricas_conversiones(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Periodo::DEFAULT.to_owned()")] periodo: String,
        canal: Option<String>,
    ) -> Result<MetricasGql> {
        let ventana = Periodo::parse("periodo", &periodo)
            .gql()?
            .ventana(ahora(ctx)?);
        let canal = canal.map(|c| Canal::parse("canal", &c)).transpose().gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let metricas = match alcance(ctx)?.afiliado() {
            Some(propio) => service.metricas_de_afiliado(propio, ventana, canal).await,
            None => service.metricas(ventana, canal).await,
        }
        .gql()?;
        Ok(MetricasGql::new(metricas, ventana))
    }

    /// Conversions whose partner reference (`referenciaExterna`) matches `q` (case
    /// ignored), best first, at most `limite` (a partner user's: only its own).
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_conversiones(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaConversion>> {
        let alcance = alcance(ctx)?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        ranked_search(
            &q,
            limite,
            std::convert::identity,
            |b| async move { service.buscar(&b).await },
            |conversion| alcance.permite(conversion.afiliado_id),
            |(conversion, score)| ResultadoBusquedaConversion {
                relevancia: subgraph_kit::db::as_fraction(score),
                conversion: conversion.into(),
            },
        )
        .await
    }

    /// Federation entity resolver: `Conversion @key(fields: "id")`, batched per request
    /// (another partner's resolves to null for a partner user).
    #[graphql(entity)]
    async fn conversion_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ConversionGql>> {
        let alcance = alcance(ctx)?;
        let loader = ctx.data::<ConversionLoader>()?;
        load_entity(ctx, parse_uuid("id", &id), loader, |c| {
            alcance.permite(c.afiliado_id)
        })
        .await
    }

    /// Federation entity resolver: a partner known by id (its data lives in `afiliados`).
    #[graphql(entity)]
    async fn afiliado_por_id(&self, id: ID) -> Result<AfiliadoRef> {
        Ok(AfiliadoRef(parse_uuid("id", &id).gql()?))
    }

    /// Federation entity resolver: a campaign known by id (its data lives in `campanias`).
    #[graphql(entity)]
    async fn campania_por_id(&self, id: ID) -> Result<CampaniaRef> {
        Ok(CampaniaRef(parse_uuid("id", &id).gql()?))
    }
}
