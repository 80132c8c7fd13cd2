//! The schema every subgraph starts from: Federation v2 and the kernel's guards.

use async_graphql::{ObjectType, Schema, SchemaBuilder, SubscriptionType};

use super::CapturaPanicos;

/// Starts a subgraph's schema: Federation v2 and a panic answered as its field's error
/// ([`CapturaPanicos`]). Every subgraph builds on it, so the guards cannot be forgotten
/// in one of them.
pub fn schema_builder<Q, M, S>(query: Q, mutation: M, subscription: S) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Schema::build(query, mutation, subscription)
        .enable_federation()
        .extension(CapturaPanicos)
}
