//! Live queries: a query marked `@live` over a streaming transport (WebSocket or
//! server-sent events) answers at once, then again whenever an event makes stale a type it
//! selects — the same events and rules that invalidate the caches, on every replica — at
//! most once per interval, and only when the answer changed. Each run is an ordinary
//! request (authorization, limits and caches included), so a re-run reads through the
//! freshly invalidated caches.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use apollo_compiler::{ExecutableDocument, Schema, executable::Operation, schema::ExtendedType};
use futures::{StreamExt, stream::BoxStream};
use serde_json::{Map, Value};
use tokio::{
    sync::broadcast::{self, error::RecvError},
    time::Instant,
};

use crate::{
    cache::StaleTypes,
    engine::{Engine, EngineResponse, RequestOptions},
    pipeline::{ErrorCode, GraphqlRequest, PipelineError, admit::Admitted},
};

/// The directive that makes a query live.
const LIVE: &str = "live";

/// Whether the operation is a live query.
pub(crate) fn is_live(operation: &Operation) -> bool {
    operation.directives.get(LIVE).is_some()
}

/// The interval the client asked for with `@live(throttle:)`, a literal or a variable.
fn throttle(operation: &Operation, variables: &Map<String, Value>) -> Option<Duration> {
    let argument = operation
        .directives
        .get(LIVE)?
        .specified_argument_by_name("throttle")?;
    let millis = match argument.as_ref() {
        apollo_compiler::ast::Value::Int(n) => n.try_to_i32().ok().map(i64::from),
        apollo_compiler::ast::Value::Variable(name) => {
            variables.get(name.as_str()).and_then(Value::as_i64)
        }
        _ => None,
    }?;
    u64::try_from(millis).ok().map(Duration::from_millis)
}

/// The types whose selections the cache's dependencies name (`cache::selected_types`),
/// abstract types with their possible types too: an event making one of them stale
/// re-runs the query.
pub(crate) fn watched_types(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
) -> BTreeSet<String> {
    let mut types = BTreeSet::new();
    for name in crate::cache::selected_types(document, operation) {
        add_possible_types(schema, &name, &mut types);
    }
    types
}

fn add_possible_types(schema: &Schema, name: &str, types: &mut BTreeSet<String>) {
    match schema.types.get(name) {
        Some(ExtendedType::Object(_)) => {
            types.insert(name.to_owned());
        }
        Some(ExtendedType::Union(union)) => {
            types.insert(name.to_owned());
            types.extend(union.members.iter().map(|m| m.name.to_string()));
        }
        Some(ExtendedType::Interface(_)) => {
            types.insert(name.to_owned());
            for (object, ty) in &schema.types {
                if let ExtendedType::Object(o) = ty
                    && o.implements_interfaces.iter().any(|i| i.name == name)
                {
                    types.insert(object.to_string());
                }
            }
        }
        _ => {}
    }
}

impl Engine {
    /// The results of a live query: the first at once, then one per relevant change.
    pub(crate) fn live(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
        admitted: &Admitted,
    ) -> Result<BoxStream<'static, bytes::Bytes>, EngineResponse> {
        let Some(caches) = self.caches() else {
            return Err(EngineResponse::refused(PipelineError::single(
                ErrorCode::LiveQueryUnavailable,
                "live queries need the gateway's cache invalidation (the events that tell it what changed); none is configured",
            )));
        };
        // Listening before the first run: a change during it is not missed.
        let changes = caches.invalidator.changes();
        let prepared = &admitted.prepared;
        let types = watched_types(
            &self.supergraph.api_schema,
            &prepared.document,
            &prepared.operation,
        );
        let interval = throttle(&prepared.operation, &admitted.variables)
            .unwrap_or_default()
            .max(self.live_min_interval);
        let expires_at = options.claims.as_ref().and_then(|c| c.expires_at());
        let state = LiveQuery {
            engine: self.clone(),
            request: request.clone(),
            // Each result replaces the last whole: `@defer` answers merged.
            options: RequestOptions {
                incremental: None,
                ..options.clone()
            },
            types,
            changes,
            interval,
            not_before: Instant::now(),
            last: None,
            started: false,
            ended: false,
            expires_at,
        };
        Ok(futures::stream::unfold(state, LiveQuery::next).boxed())
    }
}

/// One live query's state between its results.
struct LiveQuery {
    engine: Arc<Engine>,
    request: GraphqlRequest,
    options: RequestOptions,
    /// What it selects.
    types: BTreeSet<String>,
    changes: broadcast::Receiver<StaleTypes>,
    /// Least time between two runs.
    interval: Duration,
    /// When the next run may start.
    not_before: Instant,
    /// The last result sent.
    last: Option<bytes::Bytes>,
    started: bool,
    ended: bool,
    /// The token's `exp`: no run after it.
    expires_at: Option<u64>,
}

impl LiveQuery {
    /// The next result that differs from the last one sent; `None` ends the stream.
    async fn next(mut self) -> Option<(bytes::Bytes, Self)> {
        if self.ended {
            return None;
        }
        loop {
            if self.started {
                tokio::time::sleep_until(self.not_before).await;
                self.changed().await?;
            }
            self.started = true;
            if crate::auth::expired(self.expires_at) {
                self.ended = true;
                let body = serde_json::json!({ "errors": [{
                    "message": "the token expired: send the live query again with a new one",
                    "extensions": { "code": "UNAUTHENTICATED" } }] });
                return Some((body.to_string().into(), self));
            }
            let response = self.engine.execute(&self.request, &self.options).await;
            self.not_before = Instant::now() + self.interval;
            if response.request_error.is_some() {
                self.ended = true;
                return Some((response.body, self));
            }
            if self.last.as_ref() != Some(&response.body) {
                self.last = Some(response.body.clone());
                return Some((response.body, self));
            }
        }
    }

    /// Waits for a change to a selected type (or for having missed some), then takes in
    /// every notice already queued so a burst costs one run; `None` once no more can come.
    async fn changed(&mut self) -> Option<()> {
        loop {
            match self.changes.recv().await {
                Ok(types) if types.iter().any(|t| self.types.contains(t)) => break,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return None,
            }
        }
        while !matches!(
            self.changes.try_recv(),
            Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
        ) {}
        Some(())
    }
}
