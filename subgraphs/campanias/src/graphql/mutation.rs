use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use subgraph_kit::graphql::{GraphqlResultExt, autorizacion::alcance, parse_id};

use super::types::{
    ActivarCampaniaInput, ActivarCampaniaPayload, ActualizarPresupuestoInput,
    ActualizarPresupuestoPayload, CompletarCampaniaInput, CompletarCampaniaPayload,
    CrearCampaniaInput, CrearCampaniaPayload, PausarCampaniaInput, PausarCampaniaPayload,
};
use crate::application::CampaniaService;
use crate::domain::{Campania, ComandoCampania};

/// Mutations of the `campanias` subgraph.
pub struct MutationRoot;

async fn ejecutar(
    ctx: &Context<'_>,
    id: &ID,
    comando: ComandoCampania,
    version_esperada: Option<i64>,
) -> Result<Campania> {
    alcance(ctx)?.exigir_plataforma().gql()?;
    let id = parse_id("id", id).gql()?;
    let service = ctx.data::<Arc<CampaniaService>>()?;
    service
        .ejecutar(id, comando, version_esperada, Utc::now())
        .await
        .gql()
}

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Creates a campaign (CREADA) with its budget; `fechaFin` must follow `fechaInicio`.
    #[graphql(requires_scopes = "escritura")]
    async fn crear_campania(
        &self,
        ctx: &Context<'_>,
        input: CrearCampaniaInput,
    ) -> Result<CrearCampaniaPayload> {
        alcance(ctx)?.exigir_plataforma().gql()?;
        let comando = input.to_domain().gql()?;
        let service = ctx.data::<Arc<CampaniaService>>()?;
        Ok(service.crear(comando, Utc::now()).await.gql()?.into())
    }

    /// CREADA → ACTIVA, or PAUSADA → ACTIVA (resumes); anything else is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn activar_campania(
        &self,
        ctx: &Context<'_>,
        input: ActivarCampaniaInput,
    ) -> Result<ActivarCampaniaPayload> {
        Ok(ejecutar(
            ctx,
            &input.id,
            ComandoCampania::Activar,
            input.version_esperada,
        )
        .await?
        .into())
    }

    /// ACTIVA → PAUSADA; anything else is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn pausar_campania(
        &self,
        ctx: &Context<'_>,
        input: PausarCampaniaInput,
    ) -> Result<PausarCampaniaPayload> {
        Ok(ejecutar(
            ctx,
            &input.id,
            ComandoCampania::Pausar,
            input.version_esperada,
        )
        .await?
        .into())
    }

    /// ACTIVA → COMPLETADA (final); anything else is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn completar_campania(
        &self,
        ctx: &Context<'_>,
        input: CompletarCampaniaInput,
    ) -> Result<CompletarCampaniaPayload> {
        Ok(ejecutar(
            ctx,
            &input.id,
            ComandoCampania::Completar,
            input.version_esperada,
        )
        .await?
        .into())
    }

    /// Changes the budget: same currency, never below `gastoActual`.
    #[graphql(requires_scopes = "escritura")]
    async fn actualizar_presupuesto(
        &self,
        ctx: &Context<'_>,
        input: ActualizarPresupuestoInput,
    ) -> Result<ActualizarPresupuestoPayload> {
        let presupuesto = input.presupuesto.to_domain("presupuesto").gql()?;
        Ok(ejecutar(
            ctx,
            &input.id,
            ComandoCampania::ActualizarPresupuesto(presupuesto),
            input.version_esperada,
        )
        .await?
        .into())
    }
}
