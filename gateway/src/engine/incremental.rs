//! Incremental delivery of a query with `@defer` or `@stream`: the primary fetches answer
//! the initial payload; the fetches of the deferred sites it announces run after it, side
//! by side, each site answered by a payload completing its fragments as soon as its
//! fetches are done (see [`executor::incremental`]).

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    sync::Arc,
    time::Instant,
};

use futures::{
    FutureExt, StreamExt,
    future::BoxFuture,
    stream::{BoxStream, FuturesUnordered},
};

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

/// Most deferred sites fetching at once for one request: each works on its own copy of
/// the data so far, so this bounds the memory a query with many sibling defers takes.
const MAX_SITES_IN_FLIGHT: usize = 8;

/// The payloads after the initial one, each a JSON object; the last has `hasNext: false`.
pub struct DeferredPayloads(pub BoxStream<'static, bytes::Bytes>);

impl fmt::Debug for DeferredPayloads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeferredPayloads")
    }
}

/// What the payloads after the initial one need: the request, its plan, the data merged
/// so far, the fragments announced and not completed yet, and the sites' fetches.
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
    /// Sites whose fetches started.
    pub(super) started: Vec<bool>,
    /// The caller's entity-cache partitions, when entities are cached.
    pub(super) audience: Option<Audience>,
    /// Sites' fetches under way.
    pub(super) running: FuturesUnordered<BoxFuture<'static, Fetched>>,
    /// Sites whose fetches are merged, with the errors of those fetches not delivered
    /// yet.
    pub(super) fetched: HashMap<usize, Vec<Value>>,
}

/// One site's fetches, done: what they merged (on a copy of the data they started
/// from), or `None` when the request's time ran out.
pub(super) struct Fetched {
    site: usize,
    result: Option<RawResult>,
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

    /// Starts the fetches of announced sites not started yet, up to
    /// [`MAX_SITES_IN_FLIGHT`] at a time: sibling sites fetch at once, each from a copy
    /// of the data as it is now.
    fn start_fetches(&mut self) {
        let sites: Vec<usize> = self
            .queue
            .iter()
            .filter(|r| r.stream.is_none())
            .map(|r| r.site)
            .collect();
        for site in sites {
            if self.running.len() >= MAX_SITES_IN_FLIGHT {
                break;
            }
            if self.started.get(site).copied().unwrap_or(true) {
                continue;
            }
            self.started[site] = true;
            let (engine, plan, admitted) = (
                self.engine.clone(),
                self.plan.clone(),
                self.admitted.clone(),
            );
            let (forwarded, defers, audience) = (
                self.forwarded.clone(),
                self.activity.defers.clone(),
                self.audience.clone(),
            );
            let mut scratch = RawResult {
                data: self.raw.data.clone(),
                ..RawResult::default()
            };
            let deadline = self.deadline;
            self.running.push(
                async move {
                    let caching = engine
                        .caches
                        .as_deref()
                        .and_then(|c| c.entities.as_ref())
                        .zip(audience.as_ref())
                        .map(|(cache, audience)| executor::EntityCaching { cache, audience });
                    let run = executor::execute_delivery(
                        &plan.plan,
                        (Some(site), &defers),
                        engine.client.as_ref(),
                        &admitted.variables,
                        &forwarded,
                        caching,
                        &mut scratch,
                    );
                    let in_time = tokio::time::timeout_at(deadline.into(), run).await.is_ok();
                    Fetched {
                        site,
                        result: in_time.then_some(scratch),
                    }
                }
                .boxed(),
            );
        }
    }

    /// The next payload: the rest of every streamed list announced (fetched already),
    /// else the fragments of the first site whose fetches are done (waiting for one if
    /// none is); `None` once everything announced is completed.
    async fn next_payload(&mut self) -> Option<Vec<u8>> {
        if self.queue.is_empty() {
            return None;
        }
        self.start_fetches();
        let streams = self.queue.iter().any(|r| r.stream.is_some());
        let (records, errors) = if streams {
            let (records, rest): (Vec<Record>, Vec<Record>) =
                self.queue.drain(..).partition(|r| r.stream.is_some());
            self.queue.extend(rest);
            (records, Vec::new())
        } else {
            let site = loop {
                let ready = self
                    .queue
                    .iter()
                    .map(|r| r.site)
                    .find(|site| self.fetched.contains_key(site));
                if let Some(site) = ready {
                    break site;
                }
                let Some(done) = self.running.next().await else {
                    // Every announced site has started and none is merged: cannot be.
                    return Some(self.fail_remaining(crate::json!({
                        "message": "a deferred part was announced but never fetched",
                        "extensions": { "code": "INTERNAL_SERVER_ERROR" },
                    })));
                };
                let Some(mut result) = done.result else {
                    return Some(self.time_out());
                };
                if let crate::json::Value::Object(object) = std::mem::take(&mut result.data) {
                    executor::merge_into(&mut self.raw.data, object);
                }
                respond::give_codes(&mut result.errors);
                self.fetched.insert(done.site, result.errors);
            };
            // Every fragment of the site: its data is all there now.
            let (records, rest): (Vec<Record>, Vec<Record>) =
                self.queue.drain(..).partition(|r| r.site == site);
            self.queue.extend(rest);
            // The fetch errors go with the site's first payload; the site stays fetched
            // (fragments of it announced later, in streamed items, need no fetch).
            let errors = self.fetched.get_mut(&site).map(std::mem::take);
            (records, errors.unwrap_or_default())
        };
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
            errors,
            &mut self.ids,
        );
        self.queue.extend(announced);
        Some(finish(body, !self.queue.is_empty()))
    }

    /// The last payload when the request's time is up: every fragment or list not
    /// delivered ends with a `REQUEST_TIMEOUT` error.
    fn time_out(&mut self) -> Vec<u8> {
        self.fail_remaining(crate::json!({
            "message": "the request took longer than its time budget",
            "extensions": { "code": "REQUEST_TIMEOUT" },
        }))
    }

    /// The last payload, ending everything not delivered with `error`.
    fn fail_remaining(&mut self, error: Value) -> Vec<u8> {
        let format = self.format;
        let entries: Vec<Value> = self
            .queue
            .drain(..)
            .map(|r| match format {
                IncrementalFormat::Rfc => {
                    crate::json!({ "id": r.id.as_str(), "errors": [error.clone()] })
                }
                IncrementalFormat::Apollo20220824 => {
                    crate::json!({ "data": null, "path": r.path(), "errors": [error.clone()] })
                }
            })
            .collect();
        let key = match format {
            IncrementalFormat::Rfc => "completed",
            IncrementalFormat::Apollo20220824 => "incremental",
        };
        let mut body = format!("{{\"{key}\":").into_bytes();
        crate::json::write_value(&mut body, &Value::Array(entries));
        finish(body, false)
    }
}
