//! The schema every subgraph starts from: Federation v2 and the kernel's guards.

use async_graphql::{ObjectType, Schema, SchemaBuilder, SubscriptionType};

use super::{CapturaPanicos, ErroresDeEntrada, PoliticaAlcances};

/// Starts a subgraph's schema: Federation v2, a panic answered as its field's error
/// ([`CapturaPanicos`]) and input that cannot be coerced answered as `BAD_USER_INPUT`
/// naming its field ([`ErroresDeEntrada`]), and the same `@requiresScopes` the gateway
/// enforces checked again here ([`PoliticaAlcances`]). Every subgraph builds on it, so the
/// guards cannot be forgotten in one of them.
pub fn schema_builder<Q, M, S>(query: Q, mutation: M, subscription: S) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Schema::build(query, mutation, subscription)
        .enable_federation()
        // Outermost first: the panic guard also covers the coercion check.
        .extension(CapturaPanicos)
        .extension(ErroresDeEntrada)
        .extension(PoliticaAlcances::default())
}

/// The Federation v2 SDL of a subgraph's schema, as `{ _service { sdl } }` returns it.
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .federation()
            .compose_directive(),
    )
}
