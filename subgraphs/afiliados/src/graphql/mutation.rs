use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::Utc;
use subgraph_kit::graphql::{GraphqlResultExt, autorizacion::alcance, parse_id};

use super::types::{
    ActualizarAfiliadoInput, ActualizarAfiliadoPayload, EliminarAfiliadoInput,
    EliminarAfiliadoPayload, ReactivarAfiliadoInput, ReactivarAfiliadoPayload,
    RegistrarAfiliadoInput, RegistrarAfiliadoPayload, SuspenderAfiliadoInput,
    SuspenderAfiliadoPayload,
};
use crate::application::AfiliadoService;

/// Mutations of the `afiliados` subgraph.
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Registers a partner (ACTIVO); a taken e-mail is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn registrar_afiliado(
        &self,
        ctx: &Context<'_>,
        input: RegistrarAfiliadoInput,
    ) -> Result<RegistrarAfiliadoPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let comando = input.to_domain().gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service.registrar(comando, Utc::now()).await.gql()?.into())
    }

    /// Changes a partner's data; a concurrent change is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn actualizar_afiliado(
        &self,
        ctx: &Context<'_>,
        input: ActualizarAfiliadoInput,
    ) -> Result<ActualizarAfiliadoPayload> {
        let id = parse_id("id", &input.id).gql()?;
        alcance(ctx)?.exigir(id).gql()?;
        let comando = input.to_domain().gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service
            .actualizar(id, comando, Utc::now())
            .await
            .gql()?
            .into())
    }

    /// ACTIVO → SUSPENDIDO (scopes `escritura` and `admin`).
    #[graphql(requires_scopes = "escritura admin")]
    async fn suspender_afiliado(
        &self,
        ctx: &Context<'_>,
        input: SuspenderAfiliadoInput,
    ) -> Result<SuspenderAfiliadoPayload> {
        let id = parse_id("id", &input.id).gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service.suspender(id, Utc::now()).await.gql()?.into())
    }

    /// SUSPENDIDO → ACTIVO (scopes `escritura` and `admin`).
    #[graphql(requires_scopes = "escritura admin")]
    async fn reactivar_afiliado(
        &self,
        ctx: &Context<'_>,
        input: ReactivarAfiliadoInput,
    ) -> Result<ReactivarAfiliadoPayload> {
        let id = parse_id("id", &input.id).gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service.reactivar(id, Utc::now()).await.gql()?.into())
    }

    /// Soft delete: the partner stays readable as ELIMINADO and cannot change again;
    /// publishes `AfiliadoEliminado` (scopes `escritura` and `admin`).
    #[graphql(requires_scopes = "escritura admin")]
    async fn eliminar_afiliado(
        &self,
        ctx: &Context<'_>,
        input: EliminarAfiliadoInput,
    ) -> Result<EliminarAfiliadoPayload> {
        let id = parse_id("id", &input.id).gql()?;
        let service = ctx.data::<Arc<AfiliadoService>>()?;
        Ok(service.eliminar(id, Utc::now()).await.gql()?.into())
    }
}
