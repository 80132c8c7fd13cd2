//! Building an engine: its defaults, the settings configuration turns on, and what it
//! reports of its state (caches, subscriptions, endpoints).

use std::{collections::HashSet, sync::Arc, time::Duration};

use super::Engine;
use crate::{
    auth::{AccessPolicy, AuthError, Claims, JwtVerifier, Login},
    cache::Caches,
    executor::{self, SubgraphClient},
    pipeline::{
        OperationLimits, PersistedQueries,
        admit::{Admission, Documents},
        plan::{DEFAULT_PLAN_CACHE_BYTES, Planning},
    },
    subscriptions::{Fanout, Hub},
    supergraph::Supergraph,
    telemetry::Metrics,
};

pub use crate::config::DEFAULT_SUBSCRIPTION_BUFFER;

/// Default time budget of one request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration =
    Duration::from_millis(crate::config::DEFAULT_REQUEST_TIMEOUT_MS);

impl Engine {
    /// An engine for this supergraph, reaching subgraphs through `client`.
    pub fn new(supergraph: Supergraph, client: Arc<dyn SubgraphClient>) -> Self {
        let endpoints = supergraph
            .subgraphs
            .iter()
            .map(|s| {
                let replicas = executor::Replicas::new(vec![s.url.clone()]);
                (s.name.clone(), Arc::new(replicas))
            })
            .collect();
        Self {
            implementers: supergraph.api_schema.implementers_map(),
            admission: Admission::default(),
            planning: Planning::new(&supergraph, DEFAULT_PLAN_CACHE_BYTES),
            policy: AccessPolicy::from_supergraph(&supergraph),
            client,
            endpoints,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            caches: None,
            metrics: Arc::new(Metrics::new()),
            jwt: None,
            login: None,
            hub: Hub::new(DEFAULT_SUBSCRIPTION_BUFFER),
            completions: Fanout::new(DEFAULT_SUBSCRIPTION_BUFFER),
            subgraph_secret: None,
            live_min_interval: Duration::from_millis(crate::config::DEFAULT_LIVE_MIN_INTERVAL_MS),
            supergraph,
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
    pub fn with_persisted_queries(mut self, persisted: PersistedQueries) -> Self {
        self.admission.persisted = persisted;
        self
    }

    /// Sets the operation limits and the token limit.
    pub fn with_limits(mut self, limits: OperationLimits, max_tokens: Option<usize>) -> Self {
        self.admission.limits = limits;
        self.admission.max_tokens = max_tokens;
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
        self.admission.introspection = enabled;
        self
    }

    /// Turns on progressive `@override` labels.
    pub fn with_override_labels(mut self, labels: HashSet<String>) -> Self {
        self.planning.labels = labels;
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
        self.hub = Hub::new(buffer);
        self.completions = Fanout::new(buffer);
        self
    }

    /// Least time between two results of a live query (a client's `throttle` may only
    /// lengthen it).
    pub fn with_live_min_interval(mut self, interval: Duration) -> Self {
        self.live_min_interval = interval;
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
    pub fn with_caches(mut self, caches: Option<Arc<Caches>>) -> Self {
        self.caches = caches;
        self
    }

    /// The caches, if configured.
    pub fn caches(&self) -> Option<&Arc<Caches>> {
        self.caches.as_ref()
    }

    /// Bounds the plan and document caches to these many bytes (before serving).
    pub fn with_cache_bytes(mut self, plans: u64, documents: u64) -> Self {
        self.planning.set_cache_bytes(plans);
        self.admission.documents = Documents::new(documents);
        self
    }

    /// Plans in the cache.
    pub fn cached_plans(&self) -> usize {
        self.planning.len()
    }

    /// Estimated memory of the cached plans, in bytes.
    pub fn plan_cache_bytes(&self) -> u64 {
        self.planning.bytes()
    }

    /// Estimated memory of the cached documents, in bytes.
    pub fn document_cache_bytes(&self) -> u64 {
        self.admission.documents.bytes()
    }

    /// The most used documents first (for warming a new engine's caches).
    pub fn top_documents(&self, n: usize) -> Vec<String> {
        self.admission.documents.top(n)
    }

    /// Validates and plans documents ahead of traffic (after a supergraph reload): every
    /// operation of each, with the configured override labels. Returns the plans made;
    /// documents invalid against this supergraph are skipped.
    pub fn warm(&self, queries: &[String]) -> usize {
        let mut planned = 0;
        for query in queries {
            let Ok(document) = self.admission.documents.get(
                &self.supergraph.api_schema,
                query,
                self.admission.max_tokens,
                &self.metrics,
            ) else {
                continue;
            };
            let operations = &document.document.operations;
            let named = operations
                .named
                .iter()
                .map(|(n, op)| (Some(n.as_str()), op));
            for (name, operation) in named.chain(operations.anonymous.iter().map(|op| (None, op))) {
                let planned_now = self.planning.plan_operation(
                    &self.supergraph,
                    (&document.normalised, &document.document),
                    operation,
                    (name, &self.planning.labels),
                    &self.metrics,
                );
                planned += usize::from(planned_now.is_ok());
            }
        }
        planned
    }
}
