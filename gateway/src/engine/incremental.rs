//! Incremental delivery of a query with `@defer`: the primary fetches answer the initial
//! payload; each deferred site's fetches run after it, one site at a time, each answered
//! by a payload completing the fragments of that site (see [`executor::incremental`]).

use std::{collections::VecDeque, fmt, sync::Arc, time::Instant};

use futures::{StreamExt, stream::BoxStream};

use super::Engine;
use crate::{
    auth::Denied,
    cache::Audience,
    executor::{
        self, Forwarded, RawResult,
        incremental::{
            Activity, IncrementalFormat, Record, RecordIds, Shaping, finish, subsequent_payload,
        },
    },
    json::Value,
    pipeline::{admit::Admitted, plan::CachedPlan, respond},
};

/// The payloads after the initial one, each a JSON object; the last has `hasNext: false`.
pub struct DeferredPayloads(pub BoxStream<'static, bytes::Bytes>);

impl fmt::Debug for DeferredPayloads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeferredPayloads")
    }
}

/// What the payloads after the initial one need: the request, its plan, the data merged
/// so far and the fragments announced and not completed yet.
pub(super) struct Delivery {
    pub(super) engine: Arc<Engine>,
    pub(super) admitted: Arc<Admitted>,
    pub(super) plan: Arc<CachedPlan>,
    pub(super) denied: Denied,
    pub(super) forwarded: Forwarded,
    pub(super) deadline: Instant,
    pub(super) activity: Activity,
    pub(super) format: IncrementalFormat,
    pub(super) raw: RawResult,
    pub(super) queue: VecDeque<Record>,
    pub(super) ids: RecordIds,
    /// Sites whose fetches ran.
    pub(super) ran: Vec<bool>,
    /// The caller's entity-cache partitions, when entities are cached.
    pub(super) audience: Option<Audience>,
}

impl Delivery {
    /// The stream of the remaining payloads.
    pub(super) fn payloads(self) -> DeferredPayloads {
        DeferredPayloads(
            futures::stream::unfold(self, |mut delivery| async move {
                let body = delivery.next_payload().await?;
                Some((bytes::Bytes::from(body), delivery))
            })
            .boxed(),
        )
    }

    /// The payload completing the fragments of the first queued site, after running its
    /// fetches; `None` once every announced fragment is completed.
    async fn next_payload(&mut self) -> Option<Vec<u8>> {
        let front = self.queue.front()?;
        let (site, stream) = (front.site, front.stream.is_some());
        let mut fetch_errors = Vec::new();
        // A streamed list was fetched whole: its rest needs no fetch.
        if !stream && !self.ran.get(site).copied().unwrap_or(true) {
            self.ran[site] = true;
            let caching = self
                .engine
                .caches
                .as_deref()
                .and_then(|c| c.entities.as_ref())
                .zip(self.audience.as_ref())
                .map(|(cache, audience)| executor::EntityCaching { cache, audience });
            let run = executor::execute_delivery(
                &self.plan.plan,
                (Some(site), &self.activity.defers),
                self.engine.client.as_ref(),
                &self.admitted.variables,
                &self.forwarded,
                caching,
                &mut self.raw,
            );
            if tokio::time::timeout_at(self.deadline.into(), run)
                .await
                .is_err()
            {
                return Some(self.time_out());
            }
            fetch_errors = std::mem::take(&mut self.raw.errors);
            respond::give_codes(&mut fetch_errors);
        }
        // Every fragment of the site (its data is all there now), or every streamed list.
        let (records, rest): (Vec<Record>, Vec<Record>) = self
            .queue
            .drain(..)
            .partition(|r| r.stream.is_some() == stream && (stream || r.site == site));
        self.queue.extend(rest);
        let shaping = Shaping {
            format: self.format,
            schema: &self.engine.supergraph.api_schema,
            document: &self.admitted.prepared.document,
            operation: &self.admitted.prepared.operation,
            variables: &self.admitted.variables,
            denied: &self.denied,
        };
        let (body, announced, _) = subsequent_payload(
            &shaping,
            &self.activity,
            &self.raw.data,
            &records,
            fetch_errors,
            &mut self.ids,
        );
        self.queue.extend(announced);
        Some(finish(body, !self.queue.is_empty()))
    }

    /// The last payload when the request's time is up: every fragment not delivered
    /// completes with a `REQUEST_TIMEOUT` error.
    fn time_out(&mut self) -> Vec<u8> {
        let error = crate::json!({
            "message": "the request took longer than its time budget",
            "extensions": { "code": "REQUEST_TIMEOUT" },
        });
        let completed: Vec<Value> = self
            .queue
            .drain(..)
            .map(|r| crate::json!({ "id": r.id.as_str(), "errors": [error.clone()] }))
            .collect();
        let mut body = b"{\"completed\":".to_vec();
        crate::json::write_value(&mut body, &Value::Array(completed));
        finish(body, false)
    }
}
