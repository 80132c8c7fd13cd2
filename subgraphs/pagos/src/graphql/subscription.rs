//! Live payouts: each state change of a payout, pushed as it happens (fed by the bus's
//! `Pago*` events, whichever replica made the change).

use std::sync::Arc;

use async_graphql::{Context, ID, Result, Subscription};
use futures::Stream;
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

use super::types::{PagoGql, parse_uuid};
use crate::application::PagosService;

/// Events that change a payout's state.
const EVENTOS_PAGO: &[&str] = &["PagoSolicitado", "PagoExitoso", "PagoFallido"];

/// The subgraph's subscription root.
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// The payout at each change of its state (requested, paid, failed): one payout by
    /// `id`, or every payout of a partner by `afiliadoId` (scope `lectura`; a partner
    /// user hears only its own payouts).
    #[graphql(directive = RequiereAlcances::apply(&[LECTURA]))]
    async fn pago_actualizado(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        afiliado_id: Option<ID>,
    ) -> Result<impl Stream<Item = PagoGql> + use<>> {
        // The directive is in the SDL (the gateway enforces it); checked here too, as no
        // extension runs for a subscription's root field.
        exigir(ctx, &[&[LECTURA]])?;
        let alcance = alcance(ctx)?;
        let afiliado_id = match &afiliado_id {
            Some(id) => Some(parse_uuid("afiliadoId", id).gql()?),
            None => None,
        };
        // Payout events carry their partner: a partner user's filter always names itself.
        let afiliado_id = alcance.filtro(afiliado_id).gql()?;
        let mut filtros = Vec::new();
        if let Some(id) = &id {
            filtros.push(("pagoId", parse_uuid("id", id).gql()?.to_string()));
        }
        if let Some(afiliado) = afiliado_id {
            filtros.push(("afiliadoId", afiliado.to_string()));
        }
        if filtros.is_empty() {
            return Err(to_graphql_error(DomainError::invalid(
                "id",
                "Indica el id del pago o el afiliadoId",
            )));
        }
        let service = ctx.data::<Arc<PagosService>>()?.clone();
        let live = ctx.data::<LiveEvents>()?;
        Ok(
            live.load_each(EVENTOS_PAGO, filtros, "pagoId", move |id, event| {
                let service = service.clone();
                async move {
                    let pago = service.obtener_pago(id).await?;
                    // A payout moves on within milliseconds of its request: the request's push
                    // shows the state it announced. Paid and failed are final, read as they are.
                    Ok(PagoGql(if event.tipo.starts_with("PagoSolicitado") {
                        pago.como_solicitado()
                    } else {
                        pago
                    }))
                }
            }),
        )
    }
}
