//! A panic while answering a request becomes a GraphQL error, never a dropped
//! connection or an HTTP 500.
//!
//! A 500 from a subgraph makes the gateway's circuit breaker count a failure against
//! the subgraph as a whole, so one request crafted to hit a bug would make the subgraph
//! unavailable to every other caller. Caught here, a panic is what it is: one failed
//! field (the resolver's own), logged with its path, answered with the code
//! `INTERNAL_SERVER_ERROR` and a generic message (a panic message may quote internals).
//!
//! Three hooks, innermost first:
//! - `resolve`: a panicking resolver fails its own field; siblings still answer.
//! - `request`: a panic outside resolvers (parsing, validation, another extension)
//!   fails the request, still as a GraphQL response.
//! - `subscribe`: a panicking subscription stream sends one error and ends.

use std::{
    any::Any,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use async_graphql::{
    PathSegment, QueryPathNode, QueryPathSegment, Response, ServerError, ServerResult, Value,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextRequest, NextResolve, NextSubscribe,
        ResolveInfo,
    },
};
use futures::{FutureExt, Stream, stream::BoxStream};

use crate::error::{DomainError, ErrorCode};

/// Installs the panic guard on a schema (see the module documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct CapturaPanicos;

impl ExtensionFactory for CapturaPanicos {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CapturaPanicos)
    }
}

/// The error a caller sees for a panic: generic message, stable code, no panic text.
pub(crate) fn error_interno(path: Vec<PathSegment>) -> ServerError {
    let mut error = ServerError::new(DomainError::internal("panic").to_string(), None);
    error.path = path;
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", ErrorCode::Internal.as_str());
    error
}

/// The panic's message, for the log only.
pub(crate) fn mensaje(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(panic without a message)")
}

/// The response path of a field, root first.
fn ruta(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    let mut segmentos: Vec<PathSegment> = std::iter::once(node)
        .chain(node.parents())
        .map(|n| match n.segment {
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
            QueryPathSegment::Index(index) => PathSegment::Index(index),
        })
        .collect();
    segmentos.reverse();
    segmentos
}

#[async_trait::async_trait]
impl Extension for CapturaPanicos {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        // The future is only polled here, and dropped on a panic: nothing observes its
        // state half-way, which is what `AssertUnwindSafe` asks us to make sure of.
        match AssertUnwindSafe(next.run(ctx)).catch_unwind().await {
            Ok(response) => response,
            Err(payload) => {
                tracing::error!(
                    panic = mensaje(payload.as_ref()),
                    "panic while answering a request"
                );
                Response::from_errors(vec![error_interno(Vec::new())])
            }
        }
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        Box::pin(SinPanicos {
            stream: Some(next.run(ctx, stream)),
        })
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Kept apart from `info`, which `next.run` consumes: only a panic needs the path.
        let nodo = info.path_node;
        match AssertUnwindSafe(next.run(ctx, info)).catch_unwind().await {
            Ok(resultado) => resultado,
            Err(payload) => {
                let path = ruta(nodo);
                tracing::error!(
                    panic = mensaje(payload.as_ref()),
                    path = %nodo,
                    "panic in a resolver; answered as that field's error"
                );
                Err(error_interno(path))
            }
        }
    }
}

/// A subscription stream that ends with one error response instead of unwinding
/// through the WebSocket task.
struct SinPanicos<'s> {
    stream: Option<BoxStream<'s, Response>>,
}

impl Stream for SinPanicos<'_> {
    type Item = Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Response>> {
        let Some(stream) = self.stream.as_mut() else {
            return Poll::Ready(None);
        };
        // A stream that panicked is dropped, never polled again.
        match std::panic::catch_unwind(AssertUnwindSafe(|| stream.as_mut().poll_next(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                tracing::error!(panic = mensaje(payload.as_ref()), "panic in a subscription");
                self.stream = None;
                Poll::Ready(Some(Response::from_errors(vec![error_interno(Vec::new())])))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, Object, Schema, Subscription};
    use futures::StreamExt;

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn sano(&self) -> i32 {
            1
        }

        async fn roto(&self, texto: String) -> Option<String> {
            // The kind of bug the guard exists for: byte slicing of user text.
            Some(texto[..1].to_owned())
        }

        async fn lista(&self) -> Vec<Fila> {
            vec![Fila(0), Fila(1)]
        }
    }

    struct Fila(i32);

    #[Object]
    impl Fila {
        async fn valor(&self) -> i32 {
            assert!(self.0 == 0, "secreto interno {}", self.0);
            self.0
        }
    }

    struct Subscription;

    #[Subscription]
    impl Subscription {
        async fn ticks(&self) -> impl futures::Stream<Item = i32> {
            futures::stream::iter([1, 2]).map(|n| {
                assert!(n == 1, "stream roto");
                n
            })
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, Subscription> {
        Schema::build(Query, EmptyMutation, Subscription)
            .extension(CapturaPanicos)
            .finish()
    }

    #[tokio::test]
    async fn a_panicking_resolver_fails_only_its_field_without_leaking_the_message() {
        let response = schema()
            .execute(r#"{ sano roto(texto: "€") lista { valor } }"#)
            .await;
        let json = serde_json::to_value(&response).expect("json");
        assert_eq!(json["data"]["sano"], 1, "{json}");
        assert_eq!(json["data"]["lista"][0]["valor"], 0, "{json}");
        assert_eq!(response.errors.len(), 2, "{json}");
        for error in &response.errors {
            assert_eq!(error.message, "Error interno del servidor");
            let code = error.extensions.as_ref().and_then(|e| e.get("code"));
            assert_eq!(code, Some(&Value::from("INTERNAL_SERVER_ERROR")));
            assert!(!json.to_string().contains("secreto"), "{json}");
        }
        let paths: Vec<_> = response.errors.iter().map(|e| e.path.clone()).collect();
        assert!(paths.contains(&vec![PathSegment::Field("roto".into())]));
        assert!(paths.contains(&vec![
            PathSegment::Field("lista".into()),
            PathSegment::Index(1),
            PathSegment::Field("valor".into()),
        ]));
    }

    #[tokio::test]
    async fn a_panicking_subscription_sends_one_error_and_ends() {
        let respuestas: Vec<Response> = schema()
            .execute_stream("subscription { ticks }")
            .collect()
            .await;
        assert_eq!(respuestas.len(), 2);
        assert!(respuestas[0].errors.is_empty());
        assert_eq!(
            respuestas[1].errors[0].message,
            "Error interno del servidor"
        );
    }
}
