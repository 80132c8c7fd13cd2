use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use chrono::Utc;
use subgraph_kit::graphql::GraphqlResultExt;

use super::types::{RegistrarClienteInput, RegistrarClientePayload};
use crate::application::ClienteService;

/// Mutations of the `clientes` subgraph.
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Registers a client (seed `POST /cliente/registrar`); a taken e-mail is `CONFLICT`.
    #[graphql(requires_scopes = "escritura")]
    async fn registrar_cliente(
        &self,
        ctx: &Context<'_>,
        input: RegistrarClienteInput,
    ) -> Result<RegistrarClientePayload> {
        let comando = input.to_domain().gql()?;
        let service = ctx.data::<Arc<ClienteService>>()?;
        let cliente = service.registrar(comando, Utc::now()).await.gql()?;
        Ok(RegistrarClientePayload {
            cliente: cliente.into(),
        })
    }
}
