//! Live conversions: each conversion as it is recorded (fed by the bus's
//! `ConversionRegistrada` events, whichever replica recorded it).

use std::{sync::Arc, time::Duration};

use async_graphql::{Context, ID, Result, Subscription};
use futures::{Stream, StreamExt, future, stream};
use subgraph_kit::{
    DomainError,
    auth::LECTURA,
    graphql::{
        GraphqlResultExt,
        autorizacion::{RequiereAlcances, alcance, exigir},
        to_graphql_error,
    },
    live::LiveEvents,
};

use super::{
    contadores::ContadoresDashboard,
    types::{ConversionGql, parse_uuid},
};
use crate::application::ConversionService;

/// How long a burst of changes is gathered into one push of the dashboard's counters.
const VENTANA_CONTADORES: Duration = Duration::from_millis(250);

/// The subgraph's subscription root.
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each new conversion of a campaign (`campaniaId`) or of a partner (`afiliadoId`), or
    /// of both when both are given (scope `lectura`; a partner user hears only its own).
    #[graphql(directive = RequiereAlcances::apply(&[LECTURA]))]
    async fn conversion_registrada(
        &self,
        ctx: &Context<'_>,
        campania_id: Option<ID>,
        afiliado_id: Option<ID>,
    ) -> Result<impl Stream<Item = ConversionGql> + use<>> {
        // The directive is in the SDL (the gateway enforces it); checked here too, as no
        // extension runs for a subscription's root field.
        exigir(ctx, &[&[LECTURA]])?;
        let alcance = alcance(ctx)?;
        let afiliado_id = match &afiliado_id {
            Some(id) => Some(parse_uuid("afiliadoId", id).gql()?),
            None => None,
        };
        let afiliado_id = alcance.filtro(afiliado_id).gql()?;
        let mut filtros = Vec::new();
        if let Some(campania) = &campania_id {
            filtros.push((
                "campaniaId",
                parse_uuid("campaniaId", campania).gql()?.to_string(),
            ));
        }
        if let Some(afiliado) = afiliado_id {
            filtros.push(("afiliadoId", afiliado.to_string()));
        }
        if filtros.is_empty() {
            return Err(to_graphql_error(DomainError::invalid(
                "campaniaId",
                "Indica la campaniaId o el afiliadoId",
            )));
        }
        let service = ctx.data::<Arc<ConversionService>>()?.clone();
        let live = ctx.data::<LiveEvents>()?;
        Ok(live.load_each(
            &["ConversionRegistrada"],
            filtros,
            "conversionId",
            move |id, _| {
                let service = service.clone();
                async move { service.obtener(id).await.map(ConversionGql::from) }
            },
        ))
    }

    /// The dashboard's counters now, then again after each burst of changes anywhere in
    /// the platform (one push per burst, however many events it had). Scope `lectura`.
    #[graphql(directive = RequiereAlcances::apply(&[LECTURA]))]
    async fn contadores_dashboard(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = ContadoresDashboard> + use<>> {
        exigir(ctx, &[&[LECTURA]])?;
        let live = ctx.data::<LiveEvents>()?;
        let contadores =
            || ContadoresDashboard(ID(subgraph_kit::graphql::CONTADORES_ID.to_owned()));
        let cambios = live.bursts(|_| true, VENTANA_CONTADORES);
        Ok(stream::once(future::ready(contadores())).chain(cambios.map(move |()| contadores())))
    }
}
