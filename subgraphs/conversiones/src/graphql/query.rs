use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    DomainError,
    graphql::{GraphqlResultExt, Paginacion, autorizacion::alcance, load_one, to_graphql_error},
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
        if !alcance.permite(conversion.afiliado_id) {
            return Err(DomainError::not_found("Conversión", id)).gql();
        }
        Ok(Some(conversion.into()))
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
        let pagina = Paginacion::to_domain(paginacion).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let page = service.listar(&filtro, pagina).await.gql()?;
        let paginacion = (&page).into();
        Ok(ConversionesPagina {
            items: page.items.into_iter().map(Into::into).collect(),
            paginacion,
        })
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
        let busqueda = subgraph_kit::search::Busqueda::new(&q, limite).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .buscar(&busqueda)
            .await
            .gql()?
            .into_iter()
            .filter(|(conversion, _)| alcance.permite(conversion.afiliado_id))
            .map(|(conversion, score)| ResultadoBusquedaConversion {
                relevancia: subgraph_kit::db::as_fraction(score),
                conversion: conversion.into(),
            })
            .collect())
    }

    /// Federation entity resolver: `Conversion @key(fields: "id")`, batched per request
    /// (another partner's resolves to null for a partner user).
    #[graphql(entity)]
    async fn conversion_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ConversionGql>> {
        let alcance = alcance(ctx)?;
        let uuid = match parse_uuid("id", &id) {
            Ok(uuid) => uuid,
            Err(error) => {
                ctx.add_error(to_graphql_error(error).into_server_error(ctx.item.pos));
                return Ok(None);
            }
        };
        let loader = ctx.data::<ConversionLoader>()?;
        Ok(load_one(loader, uuid)
            .await
            .gql()?
            .filter(|c| alcance.permite(c.afiliado_id))
            .map(Into::into))
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
