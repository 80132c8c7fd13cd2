use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use subgraph_kit::{
    DomainError,
    auth::{ESCRITURA, clave_api::ClavePresentada},
    graphql::{
        GraphqlResultExt,
        autorizacion::{alcance, exigir},
    },
};
use uuid::Uuid;

use super::types::{
    EmitirClaveApiInput, EmitirClaveApiPayload, RechazarConversionInput, RechazarConversionPayload,
    RegistrarConversionInput, RegistrarConversionPayload, RegistrarEventoInput,
    RegistrarEventoPayload, RevertirConversionInput, RevertirConversionPayload,
    ValidarConversionInput, ValidarConversionPayload, parse_uuid,
};
use crate::application::ConversionService;

/// Mutations of the `conversiones` subgraph.
pub struct MutationRoot;

/// Who may feed the collector for `afiliado_id`: the partner's current API key (its
/// tag or SDK, no user token), or else a user token with `escritura` (restricted to its
/// own partner for a partner user). A presented key decides alone: a wrong key is never
/// rescued by a token.
async fn autorizar_colector(
    ctx: &Context<'_>,
    service: &ConversionService,
    afiliado_id: Uuid,
) -> Result<()> {
    let Some(clave) = ctx.data_opt::<ClavePresentada>() else {
        exigir(ctx, &[&[ESCRITURA]])?;
        return alcance(ctx)?.exigir(afiliado_id).gql();
    };
    match service.afiliado_de_clave(&clave.0).await.gql()? {
        Some(dueno) if dueno == afiliado_id => Ok(()),
        Some(_) => Err(DomainError::Forbidden(
            "La clave API pertenece a otro afiliado".into(),
        ))
        .gql(),
        None => Err(DomainError::Unauthenticated(
            "Clave API inválida o reemplazada".into(),
        ))
        .gql(),
    }
}

#[Object(name = "Mutation")]
impl MutationRoot {
    /// The event collector: records a click, impression or conversion ping. Rate-limited
    /// per partner (`RATE_LIMITED` over the limit, nothing stored). Authorized by the
    /// partner's API key (header `x-api-key`, see `emitirClaveApi`) or a user token with
    /// `escritura`; the gateway lets it through without a token for that reason.
    async fn registrar_evento(
        &self,
        ctx: &Context<'_>,
        input: RegistrarEventoInput,
    ) -> Result<RegistrarEventoPayload> {
        // Nothing about the input is answered before the caller is known to be one of
        // the two kinds allowed.
        if ctx.data_opt::<ClavePresentada>().is_none() {
            exigir(ctx, &[&[ESCRITURA]])?;
        }
        let comando = input.into_domain().gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        autorizar_colector(ctx, service, comando.afiliado_id).await?;
        let evento = service.registrar_evento(comando, Utc::now()).await.gql()?;
        Ok(RegistrarEventoPayload {
            evento: evento.into(),
        })
    }

    /// Registers a conversion (REGISTRADA). The same `referenciaExterna` of a partner again
    /// returns the existing conversion; reused with other data it is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn registrar_conversion(
        &self,
        ctx: &Context<'_>,
        input: RegistrarConversionInput,
    ) -> Result<RegistrarConversionPayload> {
        let alcance = alcance(ctx)?;
        let comando = input.into_domain().gql()?;
        alcance.exigir(comando.afiliado_id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .registrar_conversion(comando, Utc::now())
            .await
            .gql()?
            .into())
    }

    /// REGISTRADA → VALIDADA; emits `ConversionValidada` (pagos creates the commission).
    #[graphql(requires_scopes = "escritura")]
    async fn validar_conversion(
        &self,
        ctx: &Context<'_>,
        input: ValidarConversionInput,
    ) -> Result<ValidarConversionPayload> {
        // Reviewing conversions is the platform's job, never the earning partner's.
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service.validar(id, Utc::now()).await.gql()?.into())
    }

    /// REGISTRADA → RECHAZADA with a reason; emits `ConversionRechazada`.
    #[graphql(requires_scopes = "escritura")]
    async fn rechazar_conversion(
        &self,
        ctx: &Context<'_>,
        input: RechazarConversionInput,
    ) -> Result<RechazarConversionPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .rechazar(id, &input.motivo, Utc::now())
            .await
            .gql()?
            .into())
    }

    /// VALIDADA → RECHAZADA with a reason: a validated conversion found invalid later (a
    /// chargeback, fraud). Emits `ConversionRechazada` (`estadoAnterior` VALIDADA);
    /// `pagos` reverses its commission and, if it was paid, claws it back from the
    /// partner's next payout. Scopes `escritura` and `admin`: it moves money.
    #[graphql(requires_scopes = "escritura admin")]
    async fn revertir_conversion(
        &self,
        ctx: &Context<'_>,
        input: RevertirConversionInput,
    ) -> Result<RevertirConversionPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .revertir(id, &input.motivo, Utc::now())
            .await
            .gql()?
            .into())
    }

    /// Issues the partner's collector API key (scopes `escritura` and `admin`): the key
    /// is in this answer only (stored as a digest), and replaces the partner's previous
    /// key at once.
    #[graphql(requires_scopes = "escritura admin")]
    async fn emitir_clave_api(
        &self,
        ctx: &Context<'_>,
        input: EmitirClaveApiInput,
    ) -> Result<EmitirClaveApiPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let afiliado_id = parse_uuid("afiliadoId", &input.afiliado_id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let (clave, emitida) = service
            .emitir_clave_api(afiliado_id, Utc::now())
            .await
            .gql()?;
        Ok(EmitirClaveApiPayload {
            clave,
            prefijo: emitida.prefijo,
            afiliado_id: ID(emitida.afiliado_id.to_string()),
            emitida_en: emitida.emitida_en,
        })
    }
}
