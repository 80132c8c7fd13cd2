//! One request through every stage of [`crate::pipeline`], in order: admit → authorize →
//! response cache → plan → execute → respond. The engine holds each stage's state and
//! runs CPU-heavy stages off the request threads; it knows nothing of HTTP.

mod incremental;
mod request;
mod settings;

pub use incremental::DeferredPayloads;

pub(crate) use request::forwarded;
pub use request::{EngineResponse, RequestOptions};

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use apollo_compiler::{
    Name, collections::HashMap, executable::OperationType, schema::Implementers,
};

use crate::{
    auth::{AccessPolicy, Claims, Denied, JwtVerifier, Login},
    cache::{Audience, Caches},
    executor::{self, SubgraphClient},
    pipeline::{
        GraphqlRequest, HttpMethod, PipelineError,
        admit::{Admission, Admitted},
        authorize,
        budget::{self, offload},
        plan::{CachedPlan, Planning},
        respond, response_cache,
    },
    subscriptions::{Fanout, Hub},
    supergraph::Supergraph,
    telemetry::{Metrics, Outcome},
};

pub use crate::pipeline::admit::{DEFAULT_DOCUMENT_CACHE_BYTES, DEFAULT_MAX_TOKENS};
pub use crate::pipeline::plan::DEFAULT_PLAN_CACHE_BYTES;
pub use settings::{DEFAULT_REQUEST_TIMEOUT, DEFAULT_SUBSCRIPTION_BUFFER};

/// Serves one supergraph: each stage's state, and what the stages share.
pub struct Engine {
    pub(crate) supergraph: Supergraph,
    implementers: HashMap<Name, Implementers>,
    /// Persisted operations, parsing and validation (cached), limits.
    pub(crate) admission: Admission,
    /// The planner and its cache.
    pub(crate) planning: Planning,
    /// `@authenticated`/`@requiresScopes` of the supergraph.
    pub(crate) policy: AccessPolicy,
    pub(crate) client: Arc<dyn SubgraphClient>,
    /// Where each subgraph is reached: its name and replicas.
    pub(crate) endpoints: Vec<(String, Arc<executor::Replicas>)>,
    /// Time budget of one request (unless its options give a deadline).
    request_timeout: Duration,
    /// The response and entity caches, if configured.
    caches: Option<Arc<Caches>>,
    /// Shared with the engines of later supergraphs.
    pub(crate) metrics: Arc<Metrics>,
    /// Verifies bearer tokens, when configured.
    jwt: Option<Arc<JwtVerifier>>,
    /// Issues tokens to configured users, when configured.
    login: Option<Arc<Login>>,
    /// Subscriptions running on subgraphs, shared by identical client subscriptions.
    pub(crate) hub: Hub,
    /// Completed event streams shared by identical subscriptions.
    pub(crate) completions: Fanout<Option<bytes::Bytes>>,
    /// Sent to subgraphs when opening subscriptions (`x-gateway-secret`).
    pub(crate) subgraph_secret: Option<String>,
    /// Least time between two results of a live query.
    pub(crate) live_min_interval: Duration,
}

impl Engine {
    /// Runs one GraphQL request (recorded in the metrics), within its time budget: past
    /// the deadline it answers `REQUEST_TIMEOUT`, whichever stage it is in (CPU-heavy
    /// stages run on blocking threads, so the timer can fire while they work, and they stop
    /// at their next look at the deadline).
    pub async fn execute(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
    ) -> EngineResponse {
        let started = Instant::now();
        let deadline = self.deadline(options, started);
        let run = self.run(request, options, deadline);
        let response = match tokio::time::timeout_at(deadline.into(), run).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => EngineResponse::refused(error),
            Err(_) => EngineResponse::refused(budget::exceeded("running the operation")),
        };
        let outcome = if response.request_error.is_some() {
            Outcome::Rejected
        } else if response.has_errors {
            Outcome::Error
        } else {
            Outcome::Ok
        };
        let name = response
            .operation_name
            .as_deref()
            .or(request.operation_name.as_deref());
        self.metrics.request(name, outcome, started.elapsed());
        response
    }

    /// When a request must be answered by.
    pub(crate) fn deadline(&self, options: &RequestOptions, now: Instant) -> Instant {
        options.deadline.unwrap_or(now + self.request_timeout)
    }

    /// The stages of one request; an `Err` is a request refused before execution.
    async fn run(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
        deadline: Instant,
    ) -> Result<EngineResponse, PipelineError> {
        let admitted = Arc::new(self.admit(request, options, deadline).await?);
        let labels = self.planning.active_labels();
        let operation_name = admitted
            .prepared
            .operation
            .name
            .as_ref()
            .map(Name::to_string);
        let is_query = admitted.prepared.operation.operation_type == OperationType::Query;
        let caches = self.caches.as_deref().filter(|_| is_query);
        let audience = caches.map(|c| Audience::of(options.claims.as_ref(), c.sharing));
        let mut slot = None;
        if let Some((cache, audience)) = caches
            .and_then(|c| c.responses.as_ref())
            .filter(|_| !options.expose_plan)
            .zip(audience.as_ref())
        {
            let name = request.operation_name.as_deref();
            match response_cache::lookup(cache, &admitted, name, &labels, audience).await {
                Ok((body, status)) => {
                    return Ok(EngineResponse {
                        body,
                        request_error: None,
                        has_errors: false,
                        operation_name,
                        cache: Some(status),
                        deferred: None,
                    });
                }
                Err(found) => slot = found,
            }
        }
        let (denied, cached) = self
            .plan(
                &admitted,
                request,
                options.claims.as_ref(),
                (&labels, deadline),
            )
            .await?;
        let entity_caching = caches
            .and_then(|c| c.entities.as_ref())
            .zip(audience.as_ref())
            .map(|(cache, audience)| executor::EntityCaching { cache, audience });
        if let Some(format) = options.incremental
            && is_query
            && let Some(activity) = self.deferring(&admitted, &cached)
        {
            let forwarded = forwarded(options, &admitted);
            return self
                .run_incremental(
                    (admitted, cached, denied),
                    (activity, format),
                    forwarded,
                    (entity_caching, audience.clone()),
                    (options, deadline),
                )
                .await;
        }
        let mut raw = executor::execute(
            &cached.plan,
            self.client.as_ref(),
            &admitted.variables,
            &forwarded(options, &admitted),
            entity_caching,
        )
        .await;
        if admitted.prepared.operation.operation_type == OperationType::Mutation
            && let Some(caches) = self.caches.as_deref()
        {
            response_cache::after_mutation(caches, &self.supergraph, &admitted, &cached.plan).await;
        }
        respond::complete(&mut raw, &self.supergraph, &self.implementers, &admitted)?;
        let extensions = options
            .expose_plan
            .then(|| respond::plan_extensions(&cached.plan));
        let hint = raw.hint;
        let inline = raw.received <= respond::SHAPE_INLINE_BYTES;
        let shape = {
            let engine = self.clone();
            move || {
                budget::check(Some(deadline), "waiting to shape the response")?;
                Ok(respond::shape(
                    &engine.supergraph,
                    &admitted,
                    raw,
                    extensions.as_ref(),
                    &denied,
                ))
            }
        };
        let (body, has_errors) = if inline {
            shape()?
        } else {
            offload(shape).await?
        };
        let body = bytes::Bytes::from(body);
        // Only complete answers are kept: a partial one (a subgraph down) must not outlive
        // the outage.
        let cache = match slot {
            Some(slot) if !has_errors => slot.store(&body, hint).await,
            _ => None,
        };
        Ok(EngineResponse {
            body,
            request_error: None,
            has_errors,
            operation_name,
            cache,
            deferred: None,
        })
    }

    /// Which defer and stream sites split this request's response, when any does and the
    /// plan has every defer site (a plan of a document with denied fields left out may
    /// number them otherwise: then one merged response answers).
    fn deferring(
        &self,
        admitted: &Admitted,
        cached: &CachedPlan,
    ) -> Option<executor::incremental::Activity> {
        let prepared = &admitted.prepared;
        let activity = executor::incremental::Activity::of(
            &prepared.document,
            &prepared.operation,
            &admitted.variables,
        );
        (activity.any() && activity.defers.len() == cached.plan.deferred.len()).then_some(activity)
    }

    /// Runs the primary fetches and answers the initial payload; the deferred payloads
    /// follow in [`EngineResponse::deferred`]. Never cached: the response cache keeps
    /// whole answers.
    async fn run_incremental(
        self: &Arc<Self>,
        (admitted, cached, denied): (Arc<Admitted>, Arc<CachedPlan>, Denied),
        (activity, format): (
            executor::incremental::Activity,
            executor::incremental::IncrementalFormat,
        ),
        forwarded: executor::Forwarded,
        (entity_caching, audience): (Option<executor::EntityCaching<'_>>, Option<Audience>),
        (options, deadline): (&RequestOptions, Instant),
    ) -> Result<EngineResponse, PipelineError> {
        let mut raw = executor::RawResult {
            data: crate::json::Value::Object(crate::json::Map::default()),
            ..Default::default()
        };
        executor::execute_delivery(
            &cached.plan,
            (None, &activity.defers),
            self.client.as_ref(),
            &admitted.variables,
            &forwarded,
            entity_caching,
            &mut raw,
        )
        .await;
        respond::complete(&mut raw, &self.supergraph, &self.implementers, &admitted)?;
        let shaping = executor::incremental::Shaping {
            format,
            schema: &self.supergraph.api_schema,
            document: &admitted.prepared.document,
            operation: &admitted.prepared.operation,
            variables: &admitted.variables,
            denied: &denied,
        };
        let mut ids = executor::incremental::RecordIds::default();
        let errors = std::mem::take(&mut raw.errors);
        let (mut body, records, has_errors) = executor::incremental::initial_payload(
            &shaping, &activity, &raw.data, errors, &mut ids,
        );
        if options.expose_plan {
            body.extend_from_slice(b",\"extensions\":");
            crate::json::write_value(&mut body, &respond::plan_extensions(&cached.plan));
        }
        let has_next = !records.is_empty();
        let body = bytes::Bytes::from(executor::incremental::finish(body, has_next));
        let operation_name = admitted
            .prepared
            .operation
            .name
            .as_ref()
            .map(Name::to_string);
        let sites = cached.plan.deferred.len();
        let deferred = has_next.then(|| {
            incremental::Delivery {
                engine: self.clone(),
                admitted,
                plan: cached,
                denied,
                forwarded,
                deadline,
                activity,
                format,
                raw,
                queue: records.into(),
                ids,
                started: vec![false; sites],
                audience,
                running: Default::default(),
                fetched: Default::default(),
            }
            .payloads()
        });
        Ok(EngineResponse {
            body,
            request_error: None,
            has_errors,
            operation_name,
            cache: None,
            deferred,
        })
    }

    /// The request's operation, validated, coerced and within limits. Parsing and
    /// validating a document not seen before runs on a blocking thread.
    pub(crate) async fn admit(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
        deadline: Instant,
    ) -> Result<Admitted, PipelineError> {
        let method = options.method.unwrap_or(HttpMethod::Post);
        let query = self.admission.query(request).await?;
        if let Some(cached) = self.admission.documents.cached(&query, &self.metrics) {
            // Measuring is linear in the document, which passed the limits before.
            return self.admission.admit_document(
                &self.supergraph,
                cached,
                request,
                method,
                Some(deadline),
            );
        }
        let (engine, request) = (self.clone(), request.clone());
        offload(move || {
            let Engine {
                admission,
                supergraph,
                metrics,
                ..
            } = &*engine;
            admission.admit(
                supergraph,
                &query,
                &request,
                method,
                Some(deadline),
                metrics,
            )
        })
        .await
    }

    /// The plan of an admitted operation for this caller: fields the caller may not see
    /// are left out of it (no subgraph is asked for them). A plan not cached yet is made on
    /// a blocking thread.
    pub(crate) async fn plan(
        self: &Arc<Self>,
        admitted: &Arc<Admitted>,
        request: &GraphqlRequest,
        claims: Option<&Claims>,
        (labels, deadline): (&HashSet<String>, Instant),
    ) -> Result<(Denied, Arc<CachedPlan>), PipelineError> {
        let denied = authorize::denied(&self.policy, admitted, claims);
        let operation_name = request.operation_name.as_deref();
        if denied.is_empty()
            && let Some(cached) =
                self.planning
                    .cached(admitted, operation_name, labels, &self.metrics)
        {
            return Ok((denied, cached));
        }
        let (engine, admitted, labels) = (self.clone(), admitted.clone(), labels.clone());
        let operation_name = operation_name.map(str::to_owned);
        offload(move || {
            budget::check(Some(deadline), "waiting to plan the operation")?;
            let planned = engine.planning.plan(
                &engine.supergraph,
                &admitted,
                (operation_name.as_deref(), &labels),
                &denied,
                &engine.metrics,
            )?;
            Ok((denied, planned))
        })
        .await
    }

    /// Runs every stage before execution — parse, validate, operation choice, variables,
    /// limits, plan — on the calling thread, asking no subgraph (and ignoring field
    /// authorization). For tools and the fuzz targets: the stages a request goes through
    /// before its first subgraph fetch, as one call.
    pub fn dry_run(&self, request: &GraphqlRequest) -> Result<(), PipelineError> {
        let query = request.query.as_deref().unwrap_or_default();
        let admitted = self.admission.admit(
            &self.supergraph,
            query,
            request,
            HttpMethod::Streaming,
            None,
            &self.metrics,
        )?;
        let labels = self.planning.active_labels();
        self.planning.plan(
            &self.supergraph,
            &admitted,
            (request.operation_name.as_deref(), &labels),
            &Denied::default(),
            &self.metrics,
        )?;
        Ok(())
    }
}
