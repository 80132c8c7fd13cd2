use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::Utc;
use kernel::graphql::GraphqlResultExt;

use super::types::{
    RechazarConversionInput, RechazarConversionPayload, RegistrarConversionInput,
    RegistrarConversionPayload, RegistrarEventoInput, RegistrarEventoPayload,
    ValidarConversionInput, ValidarConversionPayload, parse_uuid,
};
use crate::domain::ConversionService;

/// Mutations of the `conversiones` subgraph.
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// The event collector: records a click, impression or conversion ping. Rate-limited
    /// per partner (`RATE_LIMITED` over the limit, nothing stored).
    async fn registrar_evento(
        &self,
        ctx: &Context<'_>,
        input: RegistrarEventoInput,
    ) -> Result<RegistrarEventoPayload> {
        let comando = input.into_domain().gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        let evento = service.registrar_evento(comando, Utc::now()).await.gql()?;
        Ok(RegistrarEventoPayload {
            evento: evento.into(),
        })
    }

    /// Registers a conversion (REGISTRADA). The same `referenciaExterna` of a partner again
    /// returns the existing conversion; reused with other data it is `CONFLICT`.
    async fn registrar_conversion(
        &self,
        ctx: &Context<'_>,
        input: RegistrarConversionInput,
    ) -> Result<RegistrarConversionPayload> {
        let comando = input.into_domain().gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .registrar_conversion(comando, Utc::now())
            .await
            .gql()?
            .into())
    }

    /// REGISTRADA → VALIDADA; emits `ConversionValidada` (pagos creates the commission).
    async fn validar_conversion(
        &self,
        ctx: &Context<'_>,
        input: ValidarConversionInput,
    ) -> Result<ValidarConversionPayload> {
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service.validar(id, Utc::now()).await.gql()?.into())
    }

    /// REGISTRADA → RECHAZADA with a reason; emits `ConversionRechazada`.
    async fn rechazar_conversion(
        &self,
        ctx: &Context<'_>,
        input: RechazarConversionInput,
    ) -> Result<RechazarConversionPayload> {
        let id = parse_uuid("id", &input.id).gql()?;
        let service = ctx.data::<Arc<ConversionService>>()?;
        Ok(service
            .rechazar(id, &input.motivo, Utc::now())
            .await
            .gql()?
            .into())
    }
}
