//! One request through every stage: prepare (parse, validate, coerce) → plan (cached) →
//! execute → shape. It knows nothing of HTTP.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use apollo_compiler::{
    ExecutableDocument, Name, collections::HashMap, executable::Operation, schema::Implementers,
    validation::Valid,
};
use serde_json::{Map, Value, json};

use crate::json as data;
use crate::{
    auth::{AccessPolicy, AuthError, Claims, Denied, JwtVerifier, Login},
    executor::{self, SubgraphClient},
    pipeline::{self, ErrorCode, GraphqlRequest, HttpMethod, PipelineError, RootFieldKinds},
    query_planner::{QueryPlan, QueryPlanner},
    supergraph::Supergraph,
    telemetry::{Metrics, Outcome},
};

/// Events an upstream subscription buffers for its slowest client by default.
pub const DEFAULT_SUBSCRIPTION_BUFFER: usize = 64;

/// Default most tokens per document.
pub const DEFAULT_MAX_TOKENS: usize = 20_000;

/// Default time budget of one request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Default memory for cached plans (least recently used out first when full).
pub const DEFAULT_PLAN_CACHE_BYTES: u64 = 64 << 20;
/// Answers of at most this many bytes from subgraphs are shaped on the request's thread.
const SHAPE_INLINE_BYTES: usize = 256 << 10;
/// Default memory for cached validated documents.
pub const DEFAULT_DOCUMENT_CACHE_BYTES: u64 = 32 << 20;
/// Entries the caches are sized for at first (they grow to their byte budget).
const ESTIMATED_ENTRIES: usize = 4096;

/// What the caches' size estimates are multiplied by (in halves): resident memory grows
/// about 2.5 times the plain estimate (allocator pages and headers, planning's leftovers),
/// measured by `cargo bench -p gateway --bench planning` over 10,000 distinct queries.
const MEASURED_OVERHEAD: u64 = 5;

/// A planned operation, cached by its normalised document, name and labels.
struct CachedPlan {
    plan: Arc<QueryPlan>,
    /// Estimated memory: the plan's JSON size twice over (its nodes hold the same
    /// strings and selections, plus pointers) and the key, times [`MEASURED_OVERHEAD`].
    bytes: u64,
}

/// Weighs cache entries by their estimated memory, so the caches are bounded by bytes.
#[derive(Clone, Copy, Debug, Default)]
struct ByBytes;

impl quick_cache::Weighter<PlanKey, Arc<CachedPlan>> for ByBytes {
    fn weight(&self, _key: &PlanKey, plan: &Arc<CachedPlan>) -> u64 {
        plan.bytes.max(1)
    }
}

impl quick_cache::Weighter<String, Arc<CachedDocument>> for ByBytes {
    fn weight(&self, query: &String, document: &Arc<CachedDocument>) -> u64 {
        // The AST takes roughly ten times its source text; plus the normalised copy.
        ((query.len() as u64 * 10 + document.normalised.len() as u64) * MEASURED_OVERHEAD / 2)
            .max(1)
    }
}

/// A validated document, cached by its exact text, with its normalised form.
struct CachedDocument {
    document: Arc<Valid<ExecutableDocument>>,
    /// The document printed without whitespace or comments: the plan cache's key, so
    /// documents that differ only in layout share a plan.
    normalised: Arc<str>,
    /// Requests that used it (which plans to re-warm after a reload).
    uses: AtomicU64,
}

/// Documents whose use is counted, at most.
const USAGE_ENTRIES: usize = 1024;

/// Per-request options.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    /// How the request arrived.
    pub method: Option<HttpMethod>,
    /// Add the plan to `extensions.queryPlan`.
    pub expose_plan: bool,
    /// The client request's id, forwarded to subgraphs.
    pub request_id: Option<String>,
    /// The caller's verified JWT claims (none: anonymous).
    pub claims: Option<Claims>,
    /// When the request must be answered by (none: the engine's request timeout from
    /// now). Past it the request ends with `REQUEST_TIMEOUT`, CPU-heavy stages included.
    pub deadline: Option<Instant>,
    /// The client's API key header, forwarded to subgraphs unverified.
    pub api_key: Option<String>,
}

/// The outcome: a GraphQL response body and, for request errors, their code.
#[derive(Debug)]
pub struct EngineResponse {
    /// `{data?, errors?, extensions?}`, serialised JSON.
    pub body: bytes::Bytes,
    /// Set when the request failed before execution (no `data`).
    pub request_error: Option<ErrorCode>,
    /// Whether the executed response has errors.
    pub has_errors: bool,
    /// The name of the operation run, once known.
    pub operation_name: Option<String>,
    /// For a cacheable query: whether it came from the response cache, and its freshness.
    pub cache: Option<crate::cache::CacheStatus>,
}

/// Serves one supergraph.
pub struct Engine {
    supergraph: Supergraph,
    implementers: HashMap<Name, Implementers>,
    planner: QueryPlanner,
    client: Arc<dyn SubgraphClient>,
    documents: quick_cache::sync::Cache<String, Arc<CachedDocument>, ByBytes>,
    /// Documents with their use counts, for re-warming.
    usage: Mutex<Vec<(String, Arc<CachedDocument>)>>,
    plans: quick_cache::sync::Cache<PlanKey, Arc<CachedPlan>, ByBytes>,
    /// Override labels turned on by configuration.
    labels: HashSet<String>,
    /// `percent(N)` override labels of the supergraph, with N.
    percent_labels: Vec<(String, f64)>,
    /// Whether `__schema`/`__type` are answered.
    introspection: bool,
    /// Where each subgraph is reached: its name and replicas.
    endpoints: Vec<(String, Arc<executor::Replicas>)>,
    /// Operation limits checked before planning.
    limits: pipeline::OperationLimits,
    /// Most tokens a document may have.
    max_tokens: Option<usize>,
    /// Time budget of one request (unless its options give a deadline).
    request_timeout: Duration,
    /// APQ, safelist or neither.
    persisted: pipeline::PersistedQueries,
    /// The response and entity caches, if configured.
    caches: Option<Arc<crate::cache::Caches>>,
    /// Shared with the engines of later supergraphs.
    metrics: Arc<Metrics>,
    /// `@authenticated`/`@requiresScopes` of the supergraph.
    policy: AccessPolicy,
    /// Verifies bearer tokens, when configured.
    jwt: Option<Arc<JwtVerifier>>,
    /// Issues tokens to configured users, when configured.
    login: Option<Arc<Login>>,
    /// Subscriptions running on subgraphs, shared by identical client subscriptions.
    hub: crate::subscriptions::Hub,
    /// Completed event streams shared by identical subscriptions.
    completions: crate::subscriptions::Fanout<Option<bytes::Bytes>>,
    /// Sent to subgraphs when opening subscriptions (`x-gateway-secret`).
    subgraph_secret: Option<String>,
}

/// An operation that passed every check before planning.
struct Admitted {
    document: Arc<CachedDocument>,
    prepared: pipeline::PreparedOperation,
    kinds: RootFieldKinds,
    variables: Map<String, Value>,
    labels: HashSet<String>,
}

/// Plans differ by normalised document, operation and the override labels in force.
type PlanKey = (Arc<str>, Option<String>, Vec<String>);

/// Gives an error without `extensions.code` one: a subgraph's error (it names its
/// `service`) is `DOWNSTREAM_SERVICE_ERROR`, as Apollo Gateway marks them; anything else
/// the gateway made is `INTERNAL_SERVER_ERROR`.
fn default_code(error: &mut data::Value) {
    let data::Value::Object(error) = error else {
        return;
    };
    let extensions =
        error.get_or_insert_with("extensions", || data::Value::Object(data::Map::default()));
    if let data::Value::Object(extensions) = extensions
        && !extensions.contains_key("code")
    {
        let code = if extensions.contains_key("service") {
            "DOWNSTREAM_SERVICE_ERROR"
        } else {
            "INTERNAL_SERVER_ERROR"
        };
        extensions.insert("code", code.into());
    }
}

/// A document printed without whitespace or comments. The name of a document's only
/// operation is left out: it changes nothing planned (each subgraph request is named when
/// sent), so the same operation under any name shares one plan and one cached answer.
fn normalise(document: &ExecutableDocument) -> Arc<str> {
    let operations = &document.operations;
    if operations.anonymous.is_some() || operations.named.len() != 1 {
        return document.serialize().no_indent().to_string().into();
    }
    let mut anonymous = document.clone();
    if let Some((_, mut operation)) = anonymous.operations.named.pop() {
        operation.make_mut().name = None;
        anonymous.operations.anonymous = Some(operation);
    }
    anonymous.serialize().no_indent().to_string().into()
}

/// The operation name a cache key needs: only where the document has several operations.
fn key_name<'a>(document: &ExecutableDocument, operation_name: Option<&'a str>) -> Option<&'a str> {
    let operations = &document.operations;
    let several = usize::from(operations.anonymous.is_some()) + operations.named.len() > 1;
    operation_name.filter(|_| several)
}

/// What the subgraph requests of an admitted operation carry of the client's request.
fn forwarded(options: &RequestOptions, admitted: &Admitted) -> executor::Forwarded {
    executor::Forwarded {
        request_id: options.request_id.clone(),
        claims: options
            .claims
            .as_ref()
            .map(|c| Value::Object(c.raw.clone()).to_string()),
        api_key: options.api_key.clone(),
        operation_name: admitted
            .prepared
            .operation
            .name
            .as_ref()
            .map(ToString::to_string),
    }
}

/// The plan cache's key of an operation.
fn plan_key(
    normalised: &Arc<str>,
    operation_name: Option<&str>,
    labels: &HashSet<String>,
) -> PlanKey {
    let mut sorted: Vec<String> = labels.iter().cloned().collect();
    sorted.sort();
    (
        normalised.clone(),
        operation_name.map(str::to_owned),
        sorted,
    )
}

/// The `percent(N)` progressive-override labels of a supergraph.
fn percent_labels(supergraph: &Supergraph) -> Vec<(String, f64)> {
    let mut labels: Vec<(String, f64)> = supergraph
        .field_owners
        .values()
        .flatten()
        .filter_map(|o| o.override_label.as_ref())
        .filter_map(|label| {
            let n = label.strip_prefix("percent(")?.strip_suffix(')')?;
            Some((label.clone(), n.trim().parse::<f64>().ok()?))
        })
        .collect();
    labels.sort_by(|a, b| a.0.cmp(&b.0));
    labels.dedup_by(|a, b| a.0 == b.0);
    labels
}

impl Engine {
    /// An engine for this supergraph, reaching subgraphs through `client`.
    pub fn new(supergraph: Supergraph, client: Arc<dyn SubgraphClient>) -> Self {
        let implementers = supergraph.api_schema.implementers_map();
        let planner = QueryPlanner::new(&supergraph);
        let percent_labels = percent_labels(&supergraph);
        let endpoints = supergraph
            .subgraphs
            .iter()
            .map(|s| {
                let replicas = executor::Replicas::new(vec![s.url.clone()]);
                (s.name.clone(), Arc::new(replicas))
            })
            .collect();
        Self {
            limits: pipeline::OperationLimits::default(),
            persisted: pipeline::PersistedQueries::apq(),
            caches: None,
            metrics: Arc::new(Metrics::new()),
            policy: AccessPolicy::from_supergraph(&supergraph),
            jwt: None,
            login: None,
            hub: crate::subscriptions::Hub::new(DEFAULT_SUBSCRIPTION_BUFFER),
            completions: crate::subscriptions::Fanout::new(DEFAULT_SUBSCRIPTION_BUFFER),
            subgraph_secret: None,
            max_tokens: Some(DEFAULT_MAX_TOKENS),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            endpoints,
            introspection: true,
            percent_labels,
            supergraph,
            implementers,
            planner,
            client,
            documents: quick_cache::sync::Cache::with_weighter(
                ESTIMATED_ENTRIES,
                DEFAULT_DOCUMENT_CACHE_BYTES,
                ByBytes,
            ),
            usage: Mutex::new(Vec::new()),
            plans: quick_cache::sync::Cache::with_weighter(
                ESTIMATED_ENTRIES,
                DEFAULT_PLAN_CACHE_BYTES,
                ByBytes,
            ),
            labels: HashSet::new(),
        }
    }

    /// Verifies bearer tokens with this verifier.
    pub fn with_jwt(mut self, verifier: Arc<JwtVerifier>) -> Self {
        self.jwt = Some(verifier);
        self
    }

    /// Lets configured users log in.
    pub fn with_login(mut self, login: Arc<Login>) -> Self {
        self.login = Some(login);
        self
    }

    /// This engine with `old`'s count of failed logins (same settings otherwise): what a
    /// hot reload swaps in keeps throttling the guessers the old engine saw.
    pub fn keeping_login_failures_of(mut self, old: &Engine) -> Self {
        if let (Some(login), Some(old)) = (self.login.as_mut(), old.login()) {
            *login = Arc::new(login.keeping_failures_of(old));
        }
        self
    }

    /// The login of configured users, if any.
    pub fn login(&self) -> Option<&Login> {
        self.login.as_deref()
    }

    /// The caller's claims from an `Authorization` header: `Ok(None)` without a header or
    /// without a configured verifier; an error for a token that does not verify.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<Option<Claims>, AuthError> {
        match (&self.jwt, authorization) {
            (Some(verifier), Some(header)) => verifier.verify_header(header).await.map(Some),
            _ => Ok(None),
        }
    }

    /// Records into these metrics (keep the same across reloads).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Its metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Sets how persisted operations are handled (APQ by default).
    pub fn with_persisted_queries(mut self, persisted: pipeline::PersistedQueries) -> Self {
        self.persisted = persisted;
        self
    }

    /// Sets the operation limits and the token limit.
    pub fn with_limits(
        mut self,
        limits: pipeline::OperationLimits,
        max_tokens: Option<usize>,
    ) -> Self {
        self.limits = limits;
        self.max_tokens = max_tokens;
        self
    }

    /// Sets the time budget of one request: past it the request ends with
    /// `REQUEST_TIMEOUT`, whichever stage it is in.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Records where subgraphs are reached (their replicas) when it differs from the
    /// routing URLs, as the subgraph client reaches them.
    pub fn with_endpoints(mut self, endpoints: Vec<(String, Arc<executor::Replicas>)>) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// Every subgraph replica as `(name, url)`, for health checks.
    pub fn subgraph_urls(&self) -> Vec<(String, String)> {
        self.endpoints
            .iter()
            .flat_map(|(name, replicas)| {
                replicas
                    .urls()
                    .iter()
                    .map(move |url| (name.clone(), url.clone()))
            })
            .collect()
    }

    /// Turns introspection (`__schema`, `__type`) on or off.
    pub fn with_introspection(mut self, enabled: bool) -> Self {
        self.introspection = enabled;
        self
    }

    /// Turns on progressive `@override` labels.
    pub fn with_override_labels(mut self, labels: HashSet<String>) -> Self {
        self.labels = labels;
        self
    }

    /// The supergraph served.
    pub fn supergraph(&self) -> &Supergraph {
        &self.supergraph
    }

    /// Sends this credential to subgraphs when opening subscriptions; upstream
    /// subscriptions buffer `buffer` events for their slowest client.
    pub fn with_subscriptions(mut self, secret: Option<&str>, buffer: usize) -> Self {
        self.subgraph_secret = secret.map(str::to_owned);
        self.hub = crate::subscriptions::Hub::new(buffer);
        self.completions = crate::subscriptions::Fanout::new(buffer);
        self
    }

    /// The credential subgraphs expect from the gateway, if any.
    pub fn subgraph_secret(&self) -> Option<&str> {
        self.subgraph_secret.as_deref()
    }

    /// Completed event streams running now (one per distinct plan, variables and caller,
    /// however many clients share it).
    pub fn completed_streams(&self) -> usize {
        self.completions.running()
    }

    /// Subscriptions open on subgraphs now.
    pub fn upstream_subscriptions(&self) -> usize {
        self.hub.upstreams()
    }

    /// Caches responses and entities in these caches (none: no caching).
    pub fn with_caches(mut self, caches: Option<Arc<crate::cache::Caches>>) -> Self {
        self.caches = caches;
        self
    }

    /// The caches, if configured.
    pub fn caches(&self) -> Option<&Arc<crate::cache::Caches>> {
        self.caches.as_ref()
    }

    /// Bounds the plan and document caches to these many bytes (before serving).
    pub fn with_cache_bytes(mut self, plans: u64, documents: u64) -> Self {
        self.plans = quick_cache::sync::Cache::with_weighter(ESTIMATED_ENTRIES, plans, ByBytes);
        self.documents =
            quick_cache::sync::Cache::with_weighter(ESTIMATED_ENTRIES, documents, ByBytes);
        self
    }

    /// Plans in the cache.
    pub fn cached_plans(&self) -> usize {
        self.plans.len()
    }

    /// Estimated memory of the cached plans, in bytes.
    pub fn plan_cache_bytes(&self) -> u64 {
        self.plans.weight()
    }

    /// Estimated memory of the cached documents, in bytes.
    pub fn document_cache_bytes(&self) -> u64 {
        self.documents.weight()
    }

    /// The validated document for a query text, from the cache or parsed and validated now.
    fn document(&self, query: &str) -> Result<Arc<CachedDocument>, PipelineError> {
        if let Some(cached) = self.documents.get(query) {
            cached.uses.fetch_add(1, Ordering::Relaxed);
            self.metrics.cache("document", true);
            return Ok(cached);
        }
        self.metrics.cache("document", false);
        let document =
            pipeline::parse_and_validate(&self.supergraph.api_schema, query, self.max_tokens)?;
        let normalised = normalise(&document);
        let cached = Arc::new(CachedDocument {
            document: Arc::new(document),
            normalised,
            uses: AtomicU64::new(1),
        });
        self.documents.insert(query.to_owned(), cached.clone());
        if let Ok(mut usage) = self.usage.lock()
            && usage.len() < USAGE_ENTRIES
        {
            usage.push((query.to_owned(), cached.clone()));
        }
        Ok(cached)
    }

    /// The cached plan of one operation of a document, planned now if missing.
    fn plan_for(
        &self,
        (normalised, document): (&Arc<str>, &ExecutableDocument),
        operation: &Operation,
        operation_name: Option<&str>,
        labels: &HashSet<String>,
    ) -> Result<Arc<CachedPlan>, PipelineError> {
        let key = plan_key(normalised, key_name(document, operation_name), labels);
        let mut planned_here = false;
        // One planning per key: requests asking for the same plan at once (on blocking
        // threads) wait for the first instead of planning again, so they share one plan
        // (identical subscriptions are shared by plan).
        let cached = self.plans.get_or_insert_with(&key, || {
            planned_here = true;
            let plan = self
                .planner
                .plan(&self.supergraph, document, operation, labels)
                .map_err(|error| {
                    PipelineError::single(ErrorCode::QueryPlanningFailed, error.to_string())
                })?;
            let json = serde_json::to_vec(&plan).map_or(0, |v| v.len() as u64);
            Ok(Arc::new(CachedPlan {
                plan: Arc::new(plan),
                bytes: (json * 2 + normalised.len() as u64) * MEASURED_OVERHEAD / 2,
            }))
        })?;
        self.metrics.cache("plan", !planned_here);
        Ok(cached)
    }

    /// The most used documents first (for warming a new engine's caches).
    pub fn top_documents(&self, n: usize) -> Vec<String> {
        let usage = match self.usage.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut seen: Vec<(u64, &String)> = usage
            .iter()
            .map(|(query, doc)| (doc.uses.load(Ordering::Relaxed), query))
            .collect();
        seen.sort_by_key(|(uses, _)| std::cmp::Reverse(*uses));
        seen.into_iter().take(n).map(|(_, q)| q.clone()).collect()
    }

    /// Validates and plans documents ahead of traffic (after a supergraph reload): every
    /// operation of each, with the configured override labels. Returns the plans made;
    /// documents invalid against this supergraph are skipped.
    pub fn warm(&self, queries: &[String]) -> usize {
        let mut planned = 0;
        for query in queries {
            let Ok(document) = self.document(query) else {
                continue;
            };
            for (name, operation) in document
                .document
                .operations
                .named
                .iter()
                .map(|(name, op)| (Some(name.as_str()), op))
                .chain(
                    document
                        .document
                        .operations
                        .anonymous
                        .iter()
                        .map(|op| (None, op)),
                )
            {
                if self
                    .plan_for(
                        (&document.normalised, &document.document),
                        operation,
                        name,
                        &self.labels,
                    )
                    .is_ok()
                {
                    planned += 1;
                }
            }
        }
        planned
    }

    /// Runs every stage before execution — parse, validate, operation choice, variables,
    /// limits, plan — on the calling thread, asking no subgraph (and ignoring field
    /// authorization). For tools and the fuzz targets: the stages a request goes through
    /// before its first subgraph fetch, as one call.
    pub fn dry_run(&self, request: &GraphqlRequest) -> Result<(), PipelineError> {
        let query = request.query.as_deref().unwrap_or_default();
        let document = self.document(query)?;
        let admitted = self.admit_document(document, request, HttpMethod::Streaming, None)?;
        self.plan_with(
            &admitted,
            request.operation_name.as_deref(),
            &Denied::default(),
        )?;
        Ok(())
    }

    /// Labels for one request: the configured ones, and each `percent(N)` label with
    /// probability N%.
    fn active_labels(&self) -> HashSet<String> {
        let mut labels = self.labels.clone();
        for (label, percent) in &self.percent_labels {
            if rand::random::<f64>() * 100.0 < *percent {
                labels.insert(label.clone());
            }
        }
        labels
    }

    fn request_error(error: PipelineError) -> EngineResponse {
        EngineResponse {
            body: error.to_response().to_string().into(),
            request_error: Some(error.code),
            has_errors: true,
            operation_name: None,
            cache: None,
        }
    }

    /// Runs one request over a streaming transport: a subscription yields a response per
    /// event (its root field from its subgraph's subscription, every other field fetched
    /// through the rest of the plan), anything else one response. A request refused before
    /// execution is an `Err` with its response.
    pub async fn subscribe(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
    ) -> Result<futures::stream::BoxStream<'static, bytes::Bytes>, EngineResponse> {
        use futures::StreamExt;
        let deadline = options
            .deadline
            .unwrap_or_else(|| Instant::now() + self.request_timeout);
        let admitted = self
            .admit(request, options, deadline)
            .await
            .map(Arc::new)
            .map_err(Self::request_error)?;
        if admitted.prepared.operation.operation_type
            != apollo_compiler::executable::OperationType::Subscription
        {
            let response = self.execute(request, options).await;
            return Ok(futures::stream::iter([response.body]).boxed());
        }
        // A root field the caller may not see leaves nothing to subscribe to: the whole
        // subscription is refused with the denial's code, before anything is planned.
        if !self.policy.is_empty() {
            let denied = self.policy.denied(
                &admitted.prepared.document,
                &admitted.prepared.operation.selection_set,
                options.claims.as_ref(),
            );
            if let Some((field, denial)) =
                denied.root(&admitted.prepared.document, &admitted.prepared.operation)
            {
                let code = match denial {
                    crate::auth::Denial::Unauthenticated => ErrorCode::Unauthenticated,
                    crate::auth::Denial::MissingScopes(_) => ErrorCode::Forbidden,
                };
                return Err(Self::request_error(PipelineError::single(
                    code,
                    denial.message(&field),
                )));
            }
        }
        let (denied, cached) = self
            .plan_admitted(
                &admitted,
                request.operation_name.as_deref(),
                options.claims.as_ref(),
                deadline,
            )
            .await
            .map_err(Self::request_error)?;
        let root = cached
            .plan
            .fetches()
            .into_iter()
            .find(|f| f.operation_kind == crate::query_planner::FetchKind::Subscription)
            .cloned();
        let Some(root) = root else {
            return Err(Self::request_error(PipelineError::single(
                ErrorCode::QueryPlanningFailed,
                "the subscription's root field has no subgraph to subscribe to",
            )));
        };
        let forwarded = forwarded(options, &admitted);
        let variables: Map<String, Value> = root
            .variable_usages
            .iter()
            .filter_map(|n| admitted.variables.get(n).map(|v| (n.clone(), v.clone())))
            .collect();
        // A replica in service, in turn; a subscription stays on it until it ends.
        let url = self
            .endpoints
            .get(root.subgraph_index)
            .and_then(|(_, replicas)| {
                let first = replicas.order().next()?;
                Some(replicas.url(first).to_owned())
            })
            .unwrap_or_default();
        let mut headers = Vec::new();
        if let Some(secret) = &self.subgraph_secret {
            headers.push((executor::SECRET_HEADER, secret.clone()));
        }
        if let Some(claims) = &forwarded.claims {
            headers.push((executor::CLAIMS_HEADER, claims.clone()));
        }
        if let Some(id) = &forwarded.request_id {
            headers.push((executor::REQUEST_ID_HEADER, id.clone()));
        }
        // Identical subscriptions (same plan, variables and caller) share one completed
        // stream: each event is completed once for all of them.
        let key = (
            Arc::as_ptr(&cached) as usize,
            Value::Object(admitted.variables.clone()).to_string(),
            forwarded.claims.clone(),
        );
        let service = root.service_name.clone();
        let lagged = move |skipped: u64| {
            let message = format!(
                "the subscription ended: the client fell {skipped} events behind and was \
                 unsubscribed (it reads slower than events arrive)"
            );
            let body = json!({ "errors": [{ "message": message, "extensions": { "code": "SUBSCRIPTION_UPSTREAM_LOST", "service": service } }] });
            Some(bytes::Bytes::from(body.to_string()))
        };
        let engine = self.clone();
        let start = move || {
            let feed = engine.hub.join(
                root.subgraph_index,
                crate::subscriptions::UpstreamRequest {
                    url,
                    payload: crate::subscriptions::payload(
                        &root.operation_named(forwarded.operation_name.as_deref()),
                        variables,
                    ),
                    headers,
                },
                forwarded.claims.clone(),
            );
            let expires_at = options
                .claims
                .as_ref()
                .and_then(|c| c.raw.get("exp"))
                .and_then(Value::as_u64);
            let admitted = admitted.clone();
            let denied = Arc::new(denied);
            // Each answer says whether it ends the subscription (an error, the end, an
            // expired token): the shared stream ends right after it.
            feed.then(move |event| {
                let (engine, admitted, denied, root, forwarded, cached) = (
                    engine.clone(),
                    admitted.clone(),
                    denied.clone(),
                    root.clone(),
                    forwarded.clone(),
                    cached.clone(),
                );
                async move {
                    engine
                        .subscription_event(
                            &event, &admitted, &denied, &root, &forwarded, &cached, expires_at,
                        )
                        .await
                }
            })
            .boxed()
        };
        // Answers without a body (the upstream's plain end) end the stream silently.
        Ok(self
            .completions
            .join(key, start, lagged)
            .filter_map(futures::future::ready)
            .boxed())
    }

    /// The response to one upstream event, and whether it ends the subscription.
    #[allow(clippy::too_many_arguments)]
    async fn subscription_event(
        &self,
        event: &crate::subscriptions::UpstreamEvent,
        admitted: &Admitted,
        denied: &Denied,
        root: &crate::query_planner::FetchNode,
        forwarded: &executor::Forwarded,
        cached: &CachedPlan,
        expires_at: Option<u64>,
    ) -> (Option<bytes::Bytes>, bool) {
        use crate::subscriptions::UpstreamEvent;
        let error = |message: String, code: &str| {
            let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "service": root.service_name } }] });
            Some(bytes::Bytes::from(body.to_string()))
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if expires_at.is_some_and(|exp| exp <= now) {
            return (
                error(
                    "the token expired: subscribe again with a new one".into(),
                    "UNAUTHENTICATED",
                ),
                true,
            );
        }
        let response = match event {
            UpstreamEvent::Next(response) => response,
            UpstreamEvent::Error(errors) => {
                let body = json!({ "errors": errors });
                return (Some(body.to_string().into()), true);
            }
            UpstreamEvent::Complete => return (None, true),
            UpstreamEvent::Lost(why) => {
                return (
                    error(
                        format!("the subscription ended: {why}"),
                        "SUBSCRIPTION_UPSTREAM_LOST",
                    ),
                    true,
                );
            }
        };
        let data = response.get("data").cloned().unwrap_or_default();
        let mut raw = executor::execute_from(
            &cached.plan,
            self.client.as_ref(),
            &admitted.variables,
            forwarded,
            None,
            Some((root.id, data)),
        )
        .await;
        raw.errors
            .extend(executor::subgraph_errors(response, &root.service_name));
        let (body, _) = executor::serialize_response(
            &self.supergraph.api_schema,
            &admitted.prepared.document,
            &admitted.prepared.operation,
            &admitted.variables,
            raw,
            None,
            denied,
        );
        (Some(body.into()), false)
    }

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
        let deadline = options
            .deadline
            .unwrap_or_else(|| started + self.request_timeout);
        let run = self.execute_inner(request, options, deadline);
        let response = match tokio::time::timeout_at(deadline.into(), run).await {
            Ok(response) => response,
            Err(_) => Self::request_error(pipeline::budget::exceeded("running the operation")),
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

    /// Runs CPU-heavy work on a blocking thread, so that it never holds up the threads
    /// serving other requests and a timer can end the request while it runs. A panic in
    /// it is an internal error of this request only.
    async fn offload<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Engine) -> Result<T, PipelineError> + Send + 'static,
    ) -> Result<T, PipelineError> {
        let engine = self.clone();
        match tokio::task::spawn_blocking(move || work(&engine)).await {
            Ok(result) => result,
            Err(error) => {
                tracing::error!(%error, "a request stage panicked");
                Err(PipelineError::single(
                    ErrorCode::InternalServerError,
                    "internal error while preparing the request",
                ))
            }
        }
    }

    /// The request's operation, validated, coerced and within limits. Parsing and
    /// validating a document not seen before runs on a blocking thread.
    async fn admit(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
        deadline: Instant,
    ) -> Result<Admitted, PipelineError> {
        let method = options.method.unwrap_or(HttpMethod::Post);
        let query: Arc<str> = self
            .persisted
            .resolve(request)
            .await?
            .unwrap_or_else(|| Arc::from(""));
        if let Some(cached) = self.documents.get(&*query) {
            cached.uses.fetch_add(1, Ordering::Relaxed);
            self.metrics.cache("document", true);
            // Measuring is linear in the document, which passed the limits before.
            return self.admit_document(cached, request, method, Some(deadline));
        }
        let request = request.clone();
        self.offload(move |engine| {
            pipeline::budget::check(Some(deadline), "waiting to parse the document")?;
            let document = engine.document(&query)?;
            engine.admit_document(document, &request, method, Some(deadline))
        })
        .await
    }

    /// The rest of admission once the document is validated: the operation, the GET
    /// rules, variables, introspection and limits.
    fn admit_document(
        &self,
        document: Arc<CachedDocument>,
        request: &GraphqlRequest,
        method: HttpMethod,
        deadline: Option<Instant>,
    ) -> Result<Admitted, PipelineError> {
        pipeline::budget::check(deadline, "validating the document")?;
        let prepared = pipeline::select_operation(
            &self.supergraph.api_schema,
            document.document.clone(),
            request,
            method,
        )?;
        let kinds = RootFieldKinds::of(&prepared);
        if kinds.schema_introspection && !self.introspection {
            return Err(PipelineError::single(
                ErrorCode::IntrospectionDisabled,
                "introspection is disabled on this gateway",
            ));
        }
        let variables: Map<String, Value> = match serde_json::to_value(&*prepared.variables) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let measure = pipeline::measure(
            &self.supergraph.schema,
            &prepared.document,
            &prepared.operation,
            &variables,
            self.limits.default_list_size,
            deadline,
        )?;
        pipeline::check_limits(&self.limits, &measure)?;
        Ok(Admitted {
            document,
            prepared,
            kinds,
            variables,
            labels: self.active_labels(),
        })
    }

    /// The plan of an admitted operation for this caller: fields the caller may not see
    /// are left out of it (no subgraph is asked for them). A plan not cached yet is made on
    /// a blocking thread.
    async fn plan_admitted(
        self: &Arc<Self>,
        admitted: &Arc<Admitted>,
        operation_name: Option<&str>,
        claims: Option<&Claims>,
        deadline: Instant,
    ) -> Result<(Denied, Arc<CachedPlan>), PipelineError> {
        // A walk of the operation visiting each fragment once: linear, done here.
        let denied = if self.policy.is_empty() {
            Denied::default()
        } else {
            self.policy.denied(
                &admitted.prepared.document,
                &admitted.prepared.operation.selection_set,
                claims,
            )
        };
        if denied.is_empty() {
            let key = plan_key(
                &admitted.document.normalised,
                key_name(&admitted.document.document, operation_name),
                &admitted.labels,
            );
            if let Some(cached) = self.plans.get(&key) {
                self.metrics.cache("plan", true);
                return Ok((denied, cached));
            }
        }
        let admitted = admitted.clone();
        let operation_name = operation_name.map(str::to_owned);
        self.offload(move |engine| {
            pipeline::budget::check(Some(deadline), "waiting to plan the operation")?;
            let planned = engine.plan_with(&admitted, operation_name.as_deref(), &denied)?;
            Ok((denied, planned))
        })
        .await
    }

    /// Plans an admitted operation without the fields `denied` (cached).
    fn plan_with(
        &self,
        admitted: &Admitted,
        operation_name: Option<&str>,
        denied: &Denied,
    ) -> Result<Arc<CachedPlan>, PipelineError> {
        let Admitted {
            document,
            prepared,
            labels,
            ..
        } = admitted;
        if denied.is_empty() {
            return self.plan_for(
                (&document.normalised, &document.document),
                &prepared.operation,
                operation_name,
                labels,
            );
        }
        let filtered = denied.filter(&prepared.document);
        let normalised = normalise(&filtered);
        match filtered.operations.get(operation_name) {
            Ok(operation) => {
                self.plan_for((&normalised, &filtered), operation, operation_name, labels)
            }
            Err(e) => Err(PipelineError::single(
                ErrorCode::OperationResolution,
                e.message().to_string(),
            )),
        }
    }

    async fn execute_inner(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
        deadline: Instant,
    ) -> EngineResponse {
        let admitted = match self.admit(request, options, deadline).await {
            Ok(admitted) => Arc::new(admitted),
            Err(error) => return Self::request_error(error),
        };
        let Admitted {
            document,
            prepared,
            kinds,
            variables,
            labels,
        } = &*admitted;
        let is_query =
            prepared.operation.operation_type == apollo_compiler::executable::OperationType::Query;
        let caches = self.caches.as_deref().filter(|_| is_query);
        let audience =
            caches.map(|c| crate::cache::Audience::of(options.claims.as_ref(), c.sharing));
        let cacheable = caches
            .and_then(|c| c.responses.as_ref())
            .filter(|_| !options.expose_plan);
        let cache_entry = match (cacheable, &audience) {
            (Some(cache), Some(audience)) => {
                let types = crate::cache::selected_types(&prepared.document, &prepared.operation);
                let mut sorted: Vec<String> = labels.iter().cloned().collect();
                sorted.sort();
                let query = crate::cache::Query {
                    normalised: &document.normalised,
                    operation_name: key_name(&document.document, request.operation_name.as_deref()),
                    variables,
                    labels: &sorted,
                    types: &types,
                };
                let entry = cache.prepare(&query, audience).await;
                if let Some(entry) = &entry
                    && let Some((body, status)) = cache.get(entry).await
                {
                    return EngineResponse {
                        body,
                        request_error: None,
                        has_errors: false,
                        operation_name: prepared.operation.name.as_ref().map(ToString::to_string),
                        cache: Some(status),
                    };
                }
                entry.map(|e| (cache, e))
            }
            _ => None,
        };
        let (denied, cached) = match self
            .plan_admitted(
                &admitted,
                request.operation_name.as_deref(),
                options.claims.as_ref(),
                deadline,
            )
            .await
        {
            Ok(planned) => planned,
            Err(error) => return Self::request_error(error),
        };
        let mut raw = executor::execute(
            &cached.plan,
            self.client.as_ref(),
            variables,
            &forwarded(options, &admitted),
            caches
                .and_then(|c| c.entities.as_ref())
                .zip(audience.as_ref())
                .map(|(cache, audience)| executor::EntityCaching { cache, audience }),
        )
        .await;
        if kinds.schema_introspection {
            match pipeline::execute_introspection(
                &self.supergraph.api_schema,
                &self.implementers,
                prepared,
            ) {
                Ok(response) => {
                    if let Ok(Value::Object(data)) = serde_json::to_value(&response.data) {
                        let data::Value::Object(data) = Value::Object(data).into() else {
                            unreachable!("an object converts to an object")
                        };
                        crate::executor::merge_into(&mut raw.data, data);
                    }
                    for error in response.errors {
                        if let Ok(e) = serde_json::to_value(&error) {
                            raw.errors.push(e.into());
                        }
                    }
                }
                Err(error) => return Self::request_error(error),
            }
        }
        for error in &mut raw.errors {
            default_code(error);
        }
        let extensions = options.expose_plan.then(
            || crate::json!({ "queryPlan": { "text": cached.plan.to_string(), "plan": &*cached.plan } }),
        );
        let hint = raw.hint;
        let inline = raw.received <= SHAPE_INLINE_BYTES;
        let shape = {
            let admitted = admitted.clone();
            move |engine: &Engine| {
                pipeline::budget::check(Some(deadline), "waiting to shape the response")?;
                Ok(executor::serialize_response(
                    &engine.supergraph.api_schema,
                    &admitted.prepared.document,
                    &admitted.prepared.operation,
                    &admitted.variables,
                    raw,
                    extensions.as_ref(),
                    &denied,
                ))
            }
        };
        // Shaping walks every value received: a large answer is shaped off the request
        // threads, a small one right here (handing it over would cost more than the work).
        let shaped = if inline {
            shape(self)
        } else {
            self.offload(shape).await
        };
        let (body, has_errors) = match shaped {
            Ok(shaped) => shaped,
            Err(error) => return Self::request_error(error),
        };
        let body: bytes::Bytes = body.into();
        // Only complete answers are kept: a partial one (a subgraph down) must not outlive
        // the outage.
        let cache = match cache_entry {
            Some((cache, entry)) if !has_errors => cache.put(&entry, &body, hint).await,
            _ => None,
        };
        EngineResponse {
            body,
            request_error: None,
            has_errors,
            operation_name: prepared.operation.name.as_ref().map(ToString::to_string),
            cache,
        }
    }
}
