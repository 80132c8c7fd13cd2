//! Subgraph I/O behind a trait: the HTTP implementation pools connections, applies a
//! per-subgraph timeout, shares identical in-flight queries and spreads requests over a
//! subgraph's replicas (a query whose connection fails is retried on the next one).

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};

use super::{
    breaker::{self, Admission, Breaker, BreakerSettings},
    replicas::{COOL_DOWN, Replicas, probe_replicas},
};
use crate::{
    cache::CacheHint,
    json::{self, Value},
    telemetry::{Metrics, Outcome},
};

/// Why a subgraph request produced no GraphQL response.
#[derive(Clone, Debug, thiserror::Error)]
pub enum FetchError {
    /// Connection refused, reset, DNS, TLS…
    #[error("request to subgraph {subgraph} failed: {message}")]
    Transport {
        /// Subgraph name.
        subgraph: String,
        /// What went wrong.
        message: String,
    },
    /// No answer within the subgraph's timeout.
    #[error("subgraph {subgraph} did not answer within {timeout_ms} ms")]
    Timeout {
        /// Subgraph name.
        subgraph: String,
        /// The limit.
        timeout_ms: u128,
    },
    /// The subgraph's circuit breaker is open: it failed repeatedly and is not called.
    #[error(
        "subgraph {subgraph} is unavailable (circuit open after repeated failures; next try in {retry_after_ms} ms)"
    )]
    CircuitOpen {
        /// Subgraph name.
        subgraph: String,
        /// When the next trial request may go.
        retry_after_ms: u128,
    },
    /// The body is not a GraphQL response.
    #[error(
        "subgraph {subgraph} answered HTTP {status} with a body that is not a GraphQL response"
    )]
    Malformed {
        /// Subgraph name.
        subgraph: String,
        /// HTTP status.
        status: u16,
    },
}

impl FetchError {
    /// The `extensions.code` of the GraphQL error it becomes.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Transport { .. } => "SUBREQUEST_HTTP_ERROR",
            FetchError::Timeout { .. } => "SUBREQUEST_TIMEOUT",
            FetchError::Malformed { .. } => "SUBREQUEST_MALFORMED_RESPONSE",
            FetchError::CircuitOpen { .. } => "SUBGRAPH_CIRCUIT_OPEN",
        }
    }
}

/// The header carrying the client request's id to subgraphs (and back in responses).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The header carrying the caller's verified JWT claims (JSON) to subgraphs.
pub const CLAIMS_HEADER: &str = "x-gateway-claims";

/// The header carrying the gateway's shared credential to subgraphs.
pub const SECRET_HEADER: &str = "x-gateway-secret";

/// The header of a client's API key, forwarded as received: a subgraph may accept it
/// where a bearer token is not required (a tracking collector's per-partner key).
pub const API_KEY_HEADER: &str = "x-api-key";

/// What a subgraph request carries of the client request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Forwarded {
    /// The client request's id.
    pub request_id: Option<String>,
    /// The caller's claims, as JSON.
    pub claims: Option<String>,
    /// The client's API key (`x-api-key`), unverified: only a subgraph knows the keys.
    pub api_key: Option<String>,
    /// The client's operation name: each subgraph operation is named after it.
    pub operation_name: Option<String>,
    /// Variables sent as the client wrote them (see `Admitted::exact_variables`).
    pub exact_variables: Arc<BTreeMap<String, String>>,
}

/// A subgraph's GraphQL response and its caching hint.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The GraphQL response body.
    pub body: Value,
    /// What its `Cache-Control` header allows.
    pub hint: CacheHint,
    /// The size of the body received, in bytes.
    pub bytes: usize,
}

/// A GraphQL response from a subgraph, shared between identical requests.
pub type SubgraphResponse = Arc<Fetched>;

/// Sends GraphQL requests to subgraphs.
pub trait SubgraphClient: Send + Sync + 'static {
    /// Sends `body` (a JSON GraphQL request) to the subgraph with this index, tagged with
    /// the client request's id. A `query` may share an identical request in flight and be
    /// retried elsewhere; a mutation is sent once, alone.
    fn send(
        &self,
        subgraph: usize,
        body: Bytes,
        query: bool,
        forwarded: &Forwarded,
    ) -> BoxFuture<'static, Result<SubgraphResponse, FetchError>>;
}

/// Where a subgraph is and how long to wait for it.
#[derive(Clone, Debug)]
pub struct SubgraphEndpoint {
    /// Name, for errors.
    pub name: String,
    /// Its GraphQL endpoint URL, one per replica.
    pub replicas: Arc<Replicas>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Whether identical queries in flight share one request.
    pub dedupe: bool,
}

type InFlight = Shared<BoxFuture<'static, Result<SubgraphResponse, FetchError>>>;

/// Requests in flight by subgraph and body.
type InFlightTable = Mutex<HashMap<(usize, Option<String>, Option<String>, Bytes), InFlight>>;

/// Subgraph requests over pooled HTTP connections (keep-alive, HTTP/2 when offered).
pub struct HttpSubgraphClient {
    http: reqwest::Client,
    secret: Option<Arc<str>>,
    breakers: Arc<Vec<Breaker>>,
    metrics: Arc<Metrics>,
    endpoints: Arc<Vec<SubgraphEndpoint>>,
    in_flight: Arc<InFlightTable>,
}

impl HttpSubgraphClient {
    /// A client for these subgraphs, indexed as in the supergraph.
    pub fn new(endpoints: Vec<SubgraphEndpoint>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(64)
            .build()?;
        let breakers = endpoints
            .iter()
            .map(|_| Breaker::new(BreakerSettings::default()))
            .collect();
        Ok(Self {
            http,
            secret: None,
            breakers: Arc::new(breakers),
            metrics: Arc::new(Metrics::new()),
            endpoints: Arc::new(endpoints),
            in_flight: Arc::default(),
        })
    }

    /// Guards every subgraph with a circuit breaker of these settings.
    pub fn with_breakers(mut self, settings: BreakerSettings) -> Self {
        self.breakers = Arc::new(
            self.endpoints
                .iter()
                .map(|_| Breaker::new(settings))
                .collect(),
        );
        self
    }

    /// Sends this shared credential to every subgraph.
    pub fn with_secret(mut self, secret: Option<&str>) -> Self {
        self.secret = secret.map(Arc::from);
        self
    }

    /// Probes the replicas of subgraphs that have several every `interval` (in the current
    /// Tokio runtime, until this client is dropped).
    pub fn with_replica_probes(self, interval: Duration) -> Self {
        if !interval.is_zero() {
            let replicas = self
                .endpoints
                .iter()
                .filter(|e| e.replicas.urls().len() > 1)
                .map(|e| Arc::downgrade(&e.replicas))
                .collect::<Vec<_>>();
            if !replicas.is_empty() {
                probe_replicas(self.http.clone(), replicas, self.secret.clone(), interval);
            }
        }
        self
    }

    /// Records subgraph fetches in these metrics.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    fn request(
        &self,
        subgraph: usize,
        body: Bytes,
        query: bool,
        forwarded: &Forwarded,
    ) -> BoxFuture<'static, Result<SubgraphResponse, FetchError>> {
        let http = self.http.clone();
        let metrics = self.metrics.clone();
        let forwarded = forwarded.clone();
        let endpoints = self.endpoints.clone();
        let secret = self.secret.clone();
        let breakers = self.breakers.clone();
        async move {
            let started = std::time::Instant::now();
            let name = endpoints
                .get(subgraph)
                .map_or_else(|| format!("#{subgraph}"), |e| e.name.clone());
            let breaker = breakers.get(subgraph);
            if let Some(Admission::Rejected { retry_after }) = breaker.map(|b| b.admit(started)) {
                metrics.subgraph_request(&name, Outcome::Error, Duration::ZERO);
                return Err(FetchError::CircuitOpen {
                    subgraph: name,
                    retry_after_ms: retry_after.as_millis(),
                });
            }
            let call =
                Self::call_replicas(&http, &endpoints, subgraph, body, query, forwarded, secret);
            let result = crate::telemetry::traced_fetch(&name, call).await;
            if let Some(breaker) = breaker
                && breaker.record(breaker::outcome(&result), std::time::Instant::now())
            {
                tracing::warn!(subgraph = %name, "circuit breaker opened after repeated failures");
            }
            // A fetch that failed, or that a subgraph answered with a server error status
            // (its GraphQL errors are still passed on), counts as an error.
            let outcome = match &result {
                Ok((_, status)) if *status < 500 => Outcome::Ok,
                _ => Outcome::Error,
            };
            let result = result.map(|(response, _status)| response);
            metrics.subgraph_request(&name, outcome, started.elapsed());
            result
        }
        .boxed()
    }

    /// Sends to the subgraph's replicas in turn: a query whose connection fails goes to the
    /// next replica (the failed one leaves service for a while); a mutation is never resent.
    async fn call_replicas(
        http: &reqwest::Client,
        endpoints: &[SubgraphEndpoint],
        subgraph: usize,
        body: Bytes,
        query: bool,
        forwarded: Forwarded,
        secret: Option<Arc<str>>,
    ) -> Result<(SubgraphResponse, u16), FetchError> {
        let Some(endpoint) = endpoints.get(subgraph) else {
            return Err(FetchError::Transport {
                subgraph: format!("#{subgraph}"),
                message: "unknown subgraph".into(),
            });
        };
        let attempts = endpoint.replicas.urls().len();
        let mut last = None;
        for (attempt, replica) in endpoint.replicas.order().enumerate() {
            let url = endpoint.replicas.url(replica);
            match Self::call(
                http,
                endpoint,
                url,
                body.clone(),
                &forwarded,
                secret.as_deref(),
            )
            .await
            {
                Err(error @ FetchError::Transport { .. }) => {
                    endpoint.replicas.mark_down(replica, COOL_DOWN);
                    let again = query && attempt + 1 < attempts;
                    tracing::warn!(subgraph = %endpoint.name, %url, %error, retried = again, "subgraph replica failed");
                    last = Some(error);
                    if !again {
                        break;
                    }
                }
                result => return result,
            }
        }
        Err(last.unwrap_or_else(|| FetchError::Transport {
            subgraph: endpoint.name.clone(),
            message: "no replica configured".into(),
        }))
    }

    async fn call(
        http: &reqwest::Client,
        endpoint: &SubgraphEndpoint,
        url: &str,
        body: Bytes,
        forwarded: &Forwarded,
        secret: Option<&str>,
    ) -> Result<(SubgraphResponse, u16), FetchError> {
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout {
                    subgraph: endpoint.name.clone(),
                    timeout_ms: endpoint.timeout.as_millis(),
                }
            } else {
                FetchError::Transport {
                    subgraph: endpoint.name.clone(),
                    message: error_chain(&e),
                }
            }
        };
        let mut request = http.post(url);
        if let Some(id) = &forwarded.request_id {
            request = request.header(REQUEST_ID_HEADER, id);
        }
        if let Some(claims) = &forwarded.claims {
            request = request.header(CLAIMS_HEADER, claims);
        }
        if let Some(key) = &forwarded.api_key {
            request = request.header(API_KEY_HEADER, key);
        }
        if let Some(secret) = secret {
            request = request.header(SECRET_HEADER, secret);
        }
        request = crate::telemetry::inject_context(request);
        let response = request
            .timeout(endpoint.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::ACCEPT,
                "application/graphql-response+json, application/json",
            )
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let hint = CacheHint::from_headers(response.headers());
        crate::telemetry::record_status(status);
        let bytes = response.bytes().await.map_err(transport)?;
        match json::parse(&bytes) {
            Ok(value @ Value::Object(_))
                if value.get("data").is_some() || value.get("errors").is_some() =>
            {
                Ok((
                    Arc::new(Fetched {
                        body: value,
                        hint,
                        bytes: bytes.len(),
                    }),
                    status,
                ))
            }
            _ => Err(FetchError::Malformed {
                subgraph: endpoint.name.clone(),
                status,
            }),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

impl SubgraphClient for HttpSubgraphClient {
    fn send(
        &self,
        subgraph: usize,
        body: Bytes,
        query: bool,
        forwarded: &Forwarded,
    ) -> BoxFuture<'static, Result<SubgraphResponse, FetchError>> {
        let dedupe = self.endpoints.get(subgraph).is_some_and(|e| e.dedupe);
        if !query || !dedupe {
            return self.request(subgraph, body, query, forwarded);
        }
        // Keyed by the whole body and the caller's claims and key: a hash collision must
        // never mix two requests, and one caller's answer must never reach another.
        let key = (
            subgraph,
            forwarded.claims.clone(),
            forwarded.api_key.clone(),
            body.clone(),
        );
        let mut in_flight = match self.in_flight.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(shared) = in_flight.get(&key) {
            return shared.clone().boxed();
        }
        let table = self.in_flight.clone();
        let done_key = key.clone();
        let shared = self
            .request(subgraph, body, true, forwarded)
            .map(move |result| {
                // Done: later identical requests go to the subgraph again.
                if let Ok(mut table) = table.lock() {
                    table.remove(&done_key);
                }
                result
            })
            .boxed()
            .shared();
        in_flight.insert(key, shared.clone());
        shared.boxed()
    }
}
