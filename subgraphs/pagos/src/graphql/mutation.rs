use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::Utc;
use subgraph_kit::{
    graphql::{GraphqlResultExt, autorizacion::alcance},
    server::Caller,
};

use super::types::{
    AprobarComisionInput, AprobarComisionPayload, CalcularComisionInput, CalcularComisionPayload,
    CambiarVersionReporteInput, CambiarVersionReportePayload, ComisionGql, CrearComisionInput,
    CrearComisionPayload, PagarInput, PagarPayload, PagoGql, RechazarComisionInput,
    RechazarComisionPayload, parse_uuid,
};
use crate::{application::PagosService, domain::Revision};

/// The caller's name for audit trails: the JWT `sub` the gateway vouched for.
fn actor<'a>(ctx: &'a Context<'_>) -> &'a str {
    ctx.data_opt::<Caller>()
        .map(Caller::actor)
        .unwrap_or("anonimo")
}

/// Mutations of the `pagos` subgraph.
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Requests a payout of the partner's approved commissions (the seeds' 202): returns at
    /// once in PENDIENTE; a worker charges it. The same `idempotencyKey`, or the same
    /// partner and cycle, returns the existing payout; a reused key with other data is
    /// `CONFLICT`. Scopes `escritura` and `admin`: it moves money.
    #[graphql(requires_scopes = "escritura admin")]
    async fn pagar(&self, ctx: &Context<'_>, input: PagarInput) -> Result<PagarPayload> {
        let alcance = alcance(ctx)?;
        let solicitud = input.into_domain().gql()?;
        alcance.exigir(solicitud.afiliado_id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let pago = service
            .pagar(solicitud, actor(ctx), Utc::now())
            .await
            .gql()?;
        Ok(PagarPayload {
            pago: PagoGql(pago),
        })
    }

    /// CALCULADA → APROBADA with the reviewer's comments and how it was decided (the
    /// seeds' `comentarios` and `metadatos_aprobacion`), kept in the commission's audit
    /// trail with the caller; emits `ComisionAprobada` (the campaign's expense grows).
    /// Scopes `escritura` and `admin`.
    #[graphql(requires_scopes = "escritura admin")]
    async fn aprobar_comision(
        &self,
        ctx: &Context<'_>,
        input: AprobarComisionInput,
    ) -> Result<AprobarComisionPayload> {
        // Never the earning partner's own decision.
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let revision = input.revision().gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let comision = service
            .aprobar_comision(id, revision, actor(ctx), Utc::now())
            .await
            .gql()?;
        Ok(AprobarComisionPayload {
            comision: ComisionGql(comision),
        })
    }

    /// PENDIENTE or CALCULADA → RECHAZADA with a reason and the reviewer's comments,
    /// kept in the commission's audit trail with the caller; emits `ComisionRechazada`.
    /// Scopes `escritura` and `admin`.
    #[graphql(requires_scopes = "escritura admin")]
    async fn rechazar_comision(
        &self,
        ctx: &Context<'_>,
        input: RechazarComisionInput,
    ) -> Result<RechazarComisionPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let revision = Revision::new(input.comentarios.as_deref(), None, None).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let comision = service
            .rechazar_comision(id, &input.motivo, revision, actor(ctx), Utc::now())
            .await
            .gql()?;
        Ok(RechazarComisionPayload {
            comision: ComisionGql(comision),
        })
    }

    /// Creates a commission by hand (the seeds' `POST /comisiones`): type, rate or fixed
    /// amount, discounts and VAT (see `CrearComisionInput`); it is CALCULADA at once and
    /// emits `ComisionCreada` and `ComisionCalculada`, with the caller in its audit
    /// trail. One commission per conversion: the same request again returns it, another
    /// one for the conversion is `CONFLICT`. Scopes `escritura` and `admin`.
    #[graphql(requires_scopes = "escritura admin")]
    async fn crear_comision(
        &self,
        ctx: &Context<'_>,
        input: CrearComisionInput,
    ) -> Result<CrearComisionPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let solicitud = input.into_domain().gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let comision = service
            .crear_comision(solicitud, actor(ctx), Utc::now())
            .await
            .gql()?;
        Ok(CrearComisionPayload {
            comision: ComisionGql(comision),
        })
    }

    /// Calculates a commission (the seeds' `/calcular`): a PENDIENTE one now (its rates
    /// must be known), a CALCULADA one again only with `forzarRecalculo` (from the
    /// current rates, or its own calculation if made by hand: `ComisionRecalculada` with
    /// the amounts before and after); approved, refused or paid ones are `CONFLICT`.
    /// Scopes `escritura` and `admin`.
    #[graphql(requires_scopes = "escritura admin")]
    async fn calcular_comision(
        &self,
        ctx: &Context<'_>,
        input: CalcularComisionInput,
    ) -> Result<CalcularComisionPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let (comision, calculada) = service
            .calcular_comision(id, input.forzar_recalculo, actor(ctx), Utc::now())
            .await
            .gql()?;
        Ok(CalcularComisionPayload {
            comision: ComisionGql(comision),
            calculada,
        })
    }

    /// Switches the version of `reportePagos` for every replica at once, without a
    /// restart (scopes `escritura` and `admin`).
    #[graphql(requires_scopes = "escritura admin")]
    async fn cambiar_version_reporte(
        &self,
        ctx: &Context<'_>,
        input: CambiarVersionReporteInput,
    ) -> Result<CambiarVersionReportePayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let service = ctx.data::<Arc<PagosService>>()?;
        let version = service
            .cambiar_version_reporte(input.version.into())
            .await
            .gql()?;
        Ok(CambiarVersionReportePayload {
            version: version.into(),
        })
    }
}
