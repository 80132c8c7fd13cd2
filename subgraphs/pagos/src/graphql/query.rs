use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::graphql::{
    GraphqlResultExt, Paginacion,
    autorizacion::alcance,
    roots::{entity_key, list_page, page_items, ranked_search, visible_or_not_found},
};

use super::{
    campos::{ComisionPorId, PagoPorId},
    carga::cargar,
    contadores::ContadoresDashboard,
    entidades::{AfiliadoRef, CampaniaRef, ClienteRef, ConversionRef},
    types::{
        ComisionGql, ComisionesPagina, ExportacionComisiones, FiltroComisionesInput,
        FiltroPagosInput, FiltroReporteInput, FormatoExportacionGql, PagoGql, PagosPagina,
        ReportePagosGql, ResultadoBusquedaPago, VersionReporteGql, parse_uuid,
    },
};
use crate::application::PagosService;
use crate::domain::exportar;

/// Rows an export may hold.
const MAX_EXPORTACION: u64 = 100_000;

/// Queries of the `pagos` subgraph.
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

    /// The payout with this id (`NOT_FOUND` if none, or another partner's for a partner
    /// user).
    #[graphql(requires_scopes = "lectura")]
    async fn pago(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PagoGql>> {
        let alcance = alcance(ctx)?;
        let id = parse_uuid("id", &id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let pago = service.obtener_pago(id).await.gql()?;
        let visible = alcance.permite(pago.afiliado_id);
        Ok(Some(PagoGql(visible_or_not_found(
            pago, visible, "Pago", id,
        )?)))
    }

    /// Payouts, filtered and paginated, latest first, with the aggregates of the filter
    /// (a partner user's: only its own).
    #[graphql(requires_scopes = "lectura")]
    async fn pagos(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroPagosInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<PagosPagina> {
        let mut filtro = filtro.unwrap_or_default().into_domain().gql()?;
        filtro.afiliado_id = alcance(ctx)?.filtro(filtro.afiliado_id).gql()?;
        let pagina = Paginacion::to_domain(paginacion).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let (page, agregaciones) = service.listar_pagos(&filtro, pagina).await.gql()?;
        let (items, paginacion) = page_items(page, PagoGql);
        Ok(PagosPagina {
            items,
            paginacion,
            agregaciones: agregaciones.into(),
        })
    }

    /// The commission with this id (`NOT_FOUND` if none, or another partner's for a
    /// partner user).
    #[graphql(requires_scopes = "lectura")]
    async fn comision(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ComisionGql>> {
        let alcance = alcance(ctx)?;
        let id = parse_uuid("id", &id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let comision = service.obtener_comision(id).await.gql()?;
        let visible = alcance.permite(comision.afiliado_id);
        Ok(Some(ComisionGql(visible_or_not_found(
            comision,
            visible,
            "Comisión",
            id,
        )?)))
    }

    /// Commissions, filtered and paginated, latest first (a partner user's: only its own).
    #[graphql(requires_scopes = "lectura")]
    async fn comisiones(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroComisionesInput>,
        paginacion: Option<Paginacion>,
    ) -> Result<ComisionesPagina> {
        let mut filtro = filtro.unwrap_or_default().into_domain().gql()?;
        filtro.afiliado_id = alcance(ctx)?.filtro(filtro.afiliado_id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let listar = |p| service.listar_comisiones(&filtro, p);
        let (items, paginacion) = list_page(paginacion, listar, ComisionGql).await?;
        Ok(ComisionesPagina { items, paginacion })
    }

    /// The commissions of a filter as one JSON or CSV document (at most 100,000 rows,
    /// latest first): the seeds' `/comisiones/reportes` (a partner user's: only its own).
    #[graphql(requires_scopes = "lectura")]
    async fn exportar_comisiones(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroComisionesInput>,
        formato: FormatoExportacionGql,
    ) -> Result<ExportacionComisiones> {
        let mut filtro = filtro.unwrap_or_default().into_domain().gql()?;
        filtro.afiliado_id = alcance(ctx)?.filtro(filtro.afiliado_id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let comisiones = service
            .repo()
            .exportar_comisiones(&filtro, MAX_EXPORTACION)
            .await
            .gql()?;
        let contenido = exportar(&comisiones, formato.into()).gql()?;
        let (extension, tipo) = match formato {
            FormatoExportacionGql::Json => ("json", "application/json"),
            FormatoExportacionGql::Csv => ("csv", "text/csv; charset=utf-8"),
        };
        Ok(ExportacionComisiones {
            formato,
            nombre_archivo: format!(
                "comisiones-{}.{extension}",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ),
            tipo_contenido: tipo.to_owned(),
            filas: comisiones.len() as u64,
            contenido,
        })
    }

    /// The payout report in the version active now (see `versionReporte`; a partner
    /// user's covers only its own payouts).
    #[graphql(requires_scopes = "lectura")]
    async fn reporte_pagos(
        &self,
        ctx: &Context<'_>,
        filtro: Option<FiltroReporteInput>,
    ) -> Result<ReportePagosGql> {
        let mut filtro = filtro.unwrap_or_default().into_domain().gql()?;
        filtro.afiliado_id = alcance(ctx)?.filtro(filtro.afiliado_id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        Ok(service.reporte(filtro).await.gql()?.into())
    }

    /// Payouts whose cycle, idempotency key or provider confirmation matches `q` (case
    /// ignored), best first, at most `limite` (a partner user's: only its own).
    #[graphql(requires_scopes = "lectura")]
    async fn buscar_pagos(
        &self,
        ctx: &Context<'_>,
        q: String,
        #[graphql(default = 10)] limite: i64,
    ) -> Result<Vec<ResultadoBusquedaPago>> {
        let alcance = alcance(ctx)?;
        let service = ctx.data::<Arc<PagosService>>()?;
        ranked_search(
            &q,
            limite,
            std::convert::identity,
            |b| async move { service.repo().buscar_pagos(&b).await },
            |pago| alcance.permite(pago.afiliado_id),
            |(pago, score)| ResultadoBusquedaPago {
                relevancia: subgraph_kit::db::as_fraction(score),
                pago: PagoGql(pago),
            },
        )
        .await
    }

    /// The active version of `reportePagos`.
    #[graphql(requires_scopes = "lectura")]
    async fn version_reporte(&self, ctx: &Context<'_>) -> Result<VersionReporteGql> {
        let service = ctx.data::<Arc<PagosService>>()?;
        Ok(service.version_reporte().await.gql()?.into())
    }

    /// Federation entity resolver: `Pago @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn pago_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PagoGql>> {
        let Some(id) = entity_key(ctx, parse_uuid("id", &id)) else {
            return Ok(None);
        };
        let alcance = alcance(ctx)?;
        Ok(cargar::<PagoPorId>(ctx, "Pago", (), id)
            .await?
            .filter(|p| alcance.permite(p.afiliado_id))
            .map(PagoGql))
    }

    /// Federation entity resolver: `Comision @key(fields: "id")`, batched per request.
    #[graphql(entity)]
    async fn comision_por_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ComisionGql>> {
        let Some(id) = entity_key(ctx, parse_uuid("id", &id)) else {
            return Ok(None);
        };
        let alcance = alcance(ctx)?;
        Ok(cargar::<ComisionPorId>(ctx, "Comision", (), id)
            .await?
            .filter(|c| alcance.permite(c.afiliado_id))
            .map(ComisionGql))
    }

    /// Federation entity resolver: a partner known by id (its data lives in `afiliados`).
    #[graphql(entity)]
    async fn afiliado_por_id(&self, id: ID) -> Result<AfiliadoRef> {
        Ok(AfiliadoRef(parse_uuid("id", &id).gql()?))
    }

    /// Federation entity resolver: an advertiser known by id (its data lives in `clientes`).
    #[graphql(entity)]
    async fn cliente_por_id(&self, id: ID) -> Result<ClienteRef> {
        Ok(ClienteRef(parse_uuid("id", &id).gql()?))
    }

    /// Federation entity resolver: a campaign known by id (its data lives in `campanias`).
    #[graphql(entity)]
    async fn campania_por_id(&self, id: ID) -> Result<CampaniaRef> {
        Ok(CampaniaRef(parse_uuid("id", &id).gql()?))
    }

    /// Federation entity resolver: a conversion known by id (its data lives in `conversiones`).
    #[graphql(entity)]
    async fn conversion_por_id(&self, id: ID) -> Result<ConversionRef> {
        Ok(ConversionRef(parse_uuid("id", &id).gql()?))
    }
}
