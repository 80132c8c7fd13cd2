//! The gateway's configuration: one TOML file, every setting overridable by an environment
//! variable (`GATEWAY_` + the key path in upper case, `__` between levels:
//! `GATEWAY_CORS__ALLOW_ORIGINS='["https://app.example"]'`), validated before serving.

mod env;
mod error;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use error::ConfigError;

use crate::{pipeline::OperationLimits, supergraph::Supergraph};

/// Everything `gateway serve` can be told.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// The supergraph SDL file.
    pub supergraph: PathBuf,
    /// How often the supergraph file is checked for changes, in milliseconds; a change is
    /// loaded without a restart (0: never).
    pub supergraph_poll_ms: u64,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Per-request timeout to a subgraph, in milliseconds (each subgraph can override it).
    pub subgraph_timeout_ms: u64,
    /// How often the replicas of a subgraph with several are probed, in milliseconds
    /// (0: never; a replica whose connection failed still sits out a cool-down).
    pub replica_probe_ms: u64,
    /// Per-subgraph settings, by subgraph name.
    pub subgraphs: BTreeMap<String, SubgraphConfig>,
    /// Cross-origin requests.
    pub cors: CorsConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Whether `__schema`/`__type` are answered.
    pub introspection: bool,
    /// Whether responses are compressed (gzip, br) when the client accepts it.
    pub compression: bool,
    /// Progressive `@override` labels turned on (`percent(N)` labels apply on their own).
    pub override_labels: Vec<String>,
    /// Persisted operations.
    pub persisted_queries: PersistedQueriesConfig,
    /// Bearer-token authentication.
    pub auth: AuthConfig,
    /// Per-subgraph circuit breaker.
    pub circuit_breaker: CircuitBreakerConfig,
    /// Request rate limits, per client and global.
    pub rate_limit: RateLimitConfig,
    /// Development: compose the supergraph from running subgraphs instead of the file.
    pub introspect: IntrospectConfig,
    /// The response and entity caches.
    pub cache: CacheConfig,
    /// Subscriptions over WebSocket and server-sent events.
    pub subscriptions: SubscriptionsConfig,
    /// REST-compatible endpoints, each running a persisted operation.
    pub rest: RestConfig,
    /// OpenTelemetry trace export.
    pub telemetry: TelemetryConfig,
    /// How requests to subgraphs are shaped.
    pub traffic_shaping: TrafficShapingConfig,
    /// Reverse proxies (CIDR blocks, `10.0.0.0/8`) whose `X-Forwarded-For` is believed:
    /// for a request from one of them, the client is the right-most address of the header
    /// that is not itself a trusted proxy (what login throttling and rate limits count
    /// per address). Empty: the socket's peer address, whatever the header says.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Credential sent to every subgraph (`x-gateway-secret`), which deployed subgraphs
    /// require (`--gateway-secret`); at least 16 characters.
    pub subgraph_secret: Option<String>,
    /// `GATEWAY_*` variables of the environment that name no setting, so were not read
    /// (reported at start).
    #[serde(skip)]
    pub ignored_env: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwks_url: None,
            jwks_max_age_secs: 3600,
            jwks_min_refresh_secs: 10,
            jwt_secret: None,
            issuer: None,
            audience: None,
            leeway_secs: crate::auth::DEFAULT_LEEWAY_SECS,
            users: Vec::new(),
            token_ttl_secs: 3600,
            login_throttle: LoginThrottleConfig::default(),
        }
    }
}

/// Failed logins allowed before `POST /auth/login` answers 429 for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LoginThrottleConfig {
    /// Failed attempts for one user name per window (0: no limit).
    pub max_failures_per_user: u32,
    /// Failed attempts from one client address per window (0: no limit).
    pub max_failures_per_ip: u32,
    /// The window, in seconds from its first failure.
    pub window_secs: u64,
}

impl Default for LoginThrottleConfig {
    fn default() -> Self {
        let defaults = crate::auth::LoginThrottle::default();
        Self {
            max_failures_per_user: defaults.max_failures_per_user,
            max_failures_per_ip: defaults.max_failures_per_ip,
            window_secs: defaults.window.as_secs(),
        }
    }
}

impl LoginThrottleConfig {
    /// The login's settings.
    pub fn settings(&self) -> crate::auth::LoginThrottle {
        crate::auth::LoginThrottle {
            max_failures_per_user: self.max_failures_per_user,
            max_failures_per_ip: self.max_failures_per_ip,
            window: Duration::from_secs(self.window_secs),
        }
    }
}

/// JWT verification: HS256 with a shared secret and/or asymmetric keys from a JWKS URL.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// The HS256 secret (at least 32 bytes).
    pub jwt_secret: Option<String>,
    /// A JWKS URL whose keys verify RS256/ES256 (and other asymmetric) tokens; with
    /// neither this nor `jwt_secret`, requests are anonymous.
    pub jwks_url: Option<String>,
    /// Keys older than this are fetched again, in seconds.
    pub jwks_max_age_secs: u64,
    /// Shortest time between two JWKS fetches (unknown `kid`s fetch at most this often).
    pub jwks_min_refresh_secs: u64,
    /// Required `iss`, if set (a token without `iss` is refused).
    pub issuer: Option<String>,
    /// Required `aud`, if set (a token without `aud` is refused).
    pub audience: Option<String>,
    /// Clock skew allowed on `exp`/`nbf`, in seconds (at most 300).
    pub leeway_secs: u64,
    /// Users of `POST /auth/login` (demo and embedded mode); none: no login route.
    pub users: Vec<crate::auth::LoginUser>,
    /// Lifetime of login tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Throttling of failed logins, per user name and per client address.
    pub login_throttle: LoginThrottleConfig,
}

/// Automatic persisted queries and the safelist.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PersistedQueriesConfig {
    /// Apollo's automatic persisted queries (register by hash, then send the hash only).
    pub apq: bool,
    /// A manifest of the only operations allowed (safelist mode; APQ registration off).
    pub safelist: Option<PathBuf>,
    /// Redis keeping APQ registrations, shared by replicas; none: each replica's memory.
    pub redis_url: Option<String>,
    /// Key prefix of APQ registrations in Redis.
    pub key_prefix: String,
}

impl Default for PersistedQueriesConfig {
    fn default() -> Self {
        Self {
            apq: true,
            safelist: None,
            redis_url: None,
            key_prefix: "gateway:apq".into(),
        }
    }
}

/// Settings of one subgraph.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SubgraphConfig {
    /// Its own request timeout, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// A URL replacing the supergraph's routing URL.
    pub url: Option<String>,
    /// Several replicas' URLs instead (requests take turns; queries are retried on the
    /// next replica when a connection fails, mutations never).
    pub urls: Vec<String>,
    /// Its own choice of in-flight deduplication (`traffic_shaping.dedupe` otherwise).
    pub dedupe: Option<bool>,
}

/// How requests to subgraphs are shaped.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrafficShapingConfig {
    /// Identical queries in flight to a subgraph at once (same body, same caller's claims
    /// and key) share one request and its answer.
    pub dedupe: bool,
}

impl Default for TrafficShapingConfig {
    fn default() -> Self {
        Self { dedupe: true }
    }
}

/// Which browser origins may call the gateway.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Allowed origins (`https://app.example`), or `["*"]` for any; empty: no CORS headers.
    pub allow_origins: Vec<String>,
    /// Whether cookies/credentials may be sent (not with `*`).
    pub allow_credentials: bool,
    /// How long browsers may cache a preflight answer, in seconds.
    pub max_age_secs: u64,
}

/// Default longest request URI: below the 64 KiB at which the HTTP parser itself refuses
/// a request line (with a bare 414), so that longer URIs get a GraphQL error instead.
pub const DEFAULT_MAX_URI_BYTES: usize = 32 << 10;

/// Limits applied to every request.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Memory for cached query plans, in MiB (least recently used out first).
    pub plan_cache_mb: u64,
    /// Memory for cached validated documents, in MiB.
    pub document_cache_mb: u64,
    /// Longest time a whole request may take, in milliseconds: parsing, validation,
    /// limits, planning, subgraph requests and shaping the response all count, and past it
    /// the request ends with `REQUEST_TIMEOUT` (HTTP 504).
    pub request_timeout_ms: u64,
    /// Longest request URI, in bytes (414 `URI_TOO_LONG` over it).
    pub max_uri_bytes: usize,
    /// After a shutdown signal, how long requests in flight may still take, in
    /// milliseconds; then the gateway stops anyway.
    pub shutdown_grace_ms: u64,
    /// Most tokens in a document (0: no limit).
    pub max_tokens: usize,
    /// Deepest field nesting (0: no limit).
    pub max_depth: usize,
    /// Most aliases in an operation (0: no limit).
    pub max_aliases: usize,
    /// Most root fields in an operation (0: no limit).
    pub max_root_fields: usize,
    /// Most fields in an operation with every fragment spread expanded (0: no limit).
    pub max_fields: u64,
    /// Highest static cost estimate (0: no limit).
    pub max_cost: u64,
    /// List size assumed where no slicing argument or `@listSize` says.
    pub default_list_size: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let operation = OperationLimits::default();
        Self {
            max_body_bytes: 4 << 20,
            plan_cache_mb: crate::engine::DEFAULT_PLAN_CACHE_BYTES >> 20,
            document_cache_mb: crate::engine::DEFAULT_DOCUMENT_CACHE_BYTES >> 20,
            request_timeout_ms: 60_000,
            max_uri_bytes: DEFAULT_MAX_URI_BYTES,
            shutdown_grace_ms: 10_000,
            max_tokens: crate::engine::DEFAULT_MAX_TOKENS,
            max_depth: operation.max_depth.unwrap_or(0),
            max_aliases: operation.max_aliases.unwrap_or(0),
            max_root_fields: operation.max_root_fields.unwrap_or(0),
            max_fields: operation.max_fields.unwrap_or(0),
            max_cost: operation.max_cost.unwrap_or(0),
            default_list_size: operation.default_list_size,
        }
    }
}

impl LimitsConfig {
    /// The limits the engine applies (0 turns a limit off).
    pub fn operation(&self) -> OperationLimits {
        let on = |n: usize| (n > 0).then_some(n);
        OperationLimits {
            max_depth: on(self.max_depth),
            max_aliases: on(self.max_aliases),
            max_root_fields: on(self.max_root_fields),
            max_fields: (self.max_fields > 0).then_some(self.max_fields),
            max_cost: (self.max_cost > 0).then_some(self.max_cost),
            default_list_size: self.default_list_size,
        }
    }

    /// The token limit (0 turns it off).
    pub fn tokens(&self) -> Option<usize> {
        (self.max_tokens > 0).then_some(self.max_tokens)
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            supergraph: PathBuf::from("schema.graphql"),
            supergraph_poll_ms: 2_000,
            listen: SocketAddr::from(([127, 0, 0, 1], 4000)),
            subgraph_timeout_ms: 30_000,
            replica_probe_ms: 1_000,
            subgraphs: BTreeMap::new(),
            cors: CorsConfig::default(),
            limits: LimitsConfig::default(),
            introspection: true,
            compression: true,
            override_labels: Vec::new(),
            persisted_queries: PersistedQueriesConfig::default(),
            auth: AuthConfig::default(),
            subgraph_secret: None,
            trusted_proxies: Vec::new(),
            circuit_breaker: CircuitBreakerConfig::default(),
            rate_limit: RateLimitConfig::default(),
            introspect: IntrospectConfig::default(),
            cache: CacheConfig::default(),
            subscriptions: SubscriptionsConfig::default(),
            rest: RestConfig::default(),
            telemetry: TelemetryConfig::default(),
            traffic_shaping: TrafficShapingConfig::default(),
            ignored_env: Vec::new(),
        }
    }
}

/// OpenTelemetry traces: a span per client request and per subgraph fetch, exported over
/// OTLP/HTTP (protobuf) in batches; W3C `traceparent` is read from clients and sent on to
/// subgraphs while export is on.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`); spans go to
    /// `<url>/v1/traces`. None: no export.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of the exported spans.
    pub service_name: String,
    /// Share of new traces kept, 0 to 1; a caller's `traceparent` decides for its own trace.
    pub sample_ratio: f64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "gateway".into(),
            sample_ratio: 1.0,
        }
    }
}

/// REST-compatible endpoints.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestConfig {
    /// The routes.
    pub routes: Vec<RestRoute>,
}

/// One REST route: `GET path` runs a persisted operation and shapes its data.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestRoute {
    /// The path, with `{name}` segments (`/api/v1/pagos/{id}`).
    pub path: String,
    /// The operation's document.
    pub operation: Option<String>,
    /// Or a file holding it.
    pub operation_file: Option<PathBuf>,
    /// Which operation of the document to run.
    pub operation_name: Option<String>,
    /// Variable (dotted path for nested inputs: `paginacion.page`) ← `path.NAME`,
    /// `query.NAME` or `header.NAME`, optionally typed `:int`, `:bool`, `:decimal`, `:enum`.
    pub variables: BTreeMap<String, String>,
    /// A JSON template of the answer: `"$.a.b"` takes the operation's data there,
    /// `{"$each": "$.list", "$map": {…}}` maps a list; none: the data as is.
    pub response: Option<String>,
}

/// Subscriptions: limits, keep-alive and buffering.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SubscriptionsConfig {
    /// Operations one WebSocket connection may run at once.
    pub max_per_connection: usize,
    /// Subscriptions the gateway runs at once.
    pub max_total: usize,
    /// Events an upstream subscription buffers for its slowest client; a client further
    /// behind is unsubscribed with an error.
    pub buffer: usize,
    /// Seconds between the server's pings.
    pub keepalive_secs: u64,
    /// Seconds a client has to send `connection_init`.
    pub init_timeout_secs: u64,
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        Self {
            max_per_connection: 100,
            max_total: 10_000,
            buffer: crate::engine::DEFAULT_SUBSCRIPTION_BUFFER,
            keepalive_secs: 15,
            init_timeout_secs: 10,
        }
    }
}

impl SubscriptionsConfig {
    /// The settings the WebSocket server applies.
    pub fn settings(&self) -> crate::server::WsSettings {
        crate::server::WsSettings {
            max_per_connection: self.max_per_connection,
            max_total: self.max_total,
            keepalive: Duration::from_secs(self.keepalive_secs),
            init_timeout: Duration::from_secs(self.init_timeout_secs),
        }
    }
}

/// The response and entity caches of queries (mutations and errors are never cached).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// How long a response is kept, in seconds (0: no response cache).
    pub response_ttl_secs: u64,
    /// How long an entity of an `_entities` fetch is kept, in seconds (0: no entity cache).
    pub entity_ttl_secs: u64,
    /// Shorter TTLs for answers selecting these types (`{ Pago = 5 }`; 0: never cached).
    pub type_ttl_secs: BTreeMap<String, u64>,
    /// How authenticated callers share answers: `scopes` (same issuer and scopes) or `user`.
    pub sharing: crate::cache::Sharing,
    /// Types whose answers are always kept per user (answers a subgraph marks
    /// `Cache-Control: private` are too).
    pub private_types: Vec<String>,
    /// Memory for responses when not in Redis, in MiB.
    pub max_mb: u64,
    /// Redis holding responses and type generations, shared by replicas; none: memory.
    pub redis_url: Option<String>,
    /// Key prefix in Redis.
    pub key_prefix: String,
    /// Event-driven invalidation.
    pub invalidation: InvalidationConfig,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            response_ttl_secs: 0,
            entity_ttl_secs: 0,
            type_ttl_secs: BTreeMap::new(),
            sharing: crate::cache::Sharing::default(),
            private_types: Vec::new(),
            max_mb: 64,
            redis_url: None,
            key_prefix: "gateway:cache".into(),
            invalidation: InvalidationConfig::default(),
        }
    }
}

/// Which events make which types stale, and where the events come from.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InvalidationConfig {
    /// Redis stream of the domain's events, read by every replica (no consumer group).
    pub redis_stream: Option<String>,
    /// Redis of that stream (default: `cache.redis_url`).
    pub redis_url: Option<String>,
    /// Stream entry field holding the event type.
    pub type_field: String,
    /// Stream entry field holding the event as JSON (read by entity rules).
    pub event_field: String,
    /// Event types → GraphQL types.
    pub rules: Vec<crate::cache::InvalidationRule>,
}

impl Default for InvalidationConfig {
    fn default() -> Self {
        Self {
            redis_stream: None,
            redis_url: None,
            type_field: "tipo".into(),
            event_field: "event".into(),
            rules: Vec::new(),
        }
    }
}

/// Development mode: the supergraph is composed from these running subgraphs' SDL and
/// recomposed whenever one changes (the `supergraph` file is then not read).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IntrospectConfig {
    /// Subgraph name → GraphQL URL; empty: serve the supergraph file.
    pub subgraphs: BTreeMap<String, String>,
    /// How often their SDL is fetched again, in milliseconds.
    pub poll_ms: u64,
}

impl Default for IntrospectConfig {
    fn default() -> Self {
        Self {
            subgraphs: BTreeMap::new(),
            poll_ms: 2_000,
        }
    }
}

/// Token buckets on `/graphql`: one per client (its API key, else its bearer token, else
/// its IP address) and one for everybody; over either the request gets 429 with
/// `Retry-After` and a `RATE_LIMITED` GraphQL error.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Per-client bucket, `CAPACITY/REFILL_PER_SECOND` (`"100/20"`); none: off.
    pub client: Option<String>,
    /// Bucket shared by every client; none: off.
    pub global: Option<String>,
    /// Redis holding the buckets, so replicas share them; none: each replica's memory.
    pub redis_url: Option<String>,
    /// Key prefix of the buckets in Redis.
    pub key_prefix: String,
    /// Header carrying a client's API key.
    pub api_key_header: String,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            client: None,
            global: None,
            redis_url: None,
            key_prefix: "alpes:gateway:limit".into(),
            api_key_header: "x-api-key".into(),
        }
    }
}

impl RateLimitConfig {
    /// The per-client and global buckets, checked.
    pub fn buckets(
        &self,
    ) -> Result<(Option<ratelimit::Bucket>, Option<ratelimit::Bucket>), ConfigError> {
        let parse = |key: &str, text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    t.parse::<ratelimit::Bucket>()
                        .map_err(|e| ConfigError::Setting {
                            key: key.to_owned(),
                            problem: e.to_string(),
                        })
                })
                .transpose()
        };
        Ok((
            parse("rate_limit.client", &self.client)?,
            parse("rate_limit.global", &self.global)?,
        ))
    }
}

/// When a subgraph is considered down and stops being called for a while.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CircuitBreakerConfig {
    /// Consecutive failed requests that open a subgraph's breaker (0: never). Failures are
    /// what says the subgraph is unreachable or overloaded: a transport error, a timeout,
    /// HTTP 502/503/504, a non-GraphQL answer other than a 4xx or a bare 500; a 500 (a
    /// panic on one caller's input) or GraphQL errors are answers, not failures.
    pub failure_threshold: u32,
    /// How long an open breaker fails requests at once before letting one trial through,
    /// in milliseconds.
    pub open_ms: u64,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_ms: 10_000,
        }
    }
}

impl CircuitBreakerConfig {
    /// The executor's settings.
    pub fn settings(&self) -> crate::executor::BreakerSettings {
        crate::executor::BreakerSettings {
            failure_threshold: self.failure_threshold,
            open_for: Duration::from_millis(self.open_ms),
        }
    }
}

impl GatewayConfig {
    /// Defaults, then the file (if given: it must exist), then `GATEWAY_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        let (settings, ignored) = env::partition("GATEWAY_");
        let mut config: Self = figment
            .merge(
                Env::prefixed("GATEWAY_")
                    .filter(move |name| settings.iter().any(|s| s.as_str() == name.as_str()))
                    .split("__"),
            )
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.ignored_env = ignored;
        config.validate()?;
        Ok(config)
    }

    /// Logs the `GATEWAY_*` variables that were not read (call once logging is set up).
    pub fn warn_ignored_env(&self) {
        for name in &self.ignored_env {
            tracing::warn!(
                variable = %name,
                "environment variable ignored: it starts with GATEWAY_ but names no setting"
            );
        }
    }

    /// Checks what types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |name: &str, value: u64| {
            if value == 0 {
                Err(ConfigError::Setting {
                    key: name.to_owned(),
                    problem: "must be greater than 0".into(),
                })
            } else {
                Ok(())
            }
        };
        positive("subgraph_timeout_ms", self.subgraph_timeout_ms)?;
        positive("limits.request_timeout_ms", self.limits.request_timeout_ms)?;
        positive("limits.max_body_bytes", self.limits.max_body_bytes as u64)?;
        positive("limits.max_uri_bytes", self.limits.max_uri_bytes as u64)?;
        positive("limits.plan_cache_mb", self.limits.plan_cache_mb)?;
        positive("limits.document_cache_mb", self.limits.document_cache_mb)?;
        for (name, subgraph) in &self.subgraphs {
            if let Some(timeout) = subgraph.timeout_ms {
                positive(&format!("subgraphs.{name}.timeout_ms"), timeout)?;
            }
            let urls = subgraph.url.iter().map(|u| ("url", u));
            for (key, url) in urls.chain(subgraph.urls.iter().map(|u| ("urls", u))) {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::Setting {
                        key: format!("subgraphs.{name}.{key}"),
                        problem: format!("{url:?} is not an http(s) URL"),
                    });
                }
            }
        }
        for origin in &self.cors.allow_origins {
            let valid = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/')
                    && axum::http::HeaderValue::from_str(origin).is_ok());
            if !valid {
                return Err(ConfigError::Setting {
                    key: "cors.allow_origins".into(),
                    problem: format!(
                        "{origin:?} is not an origin like \"https://app.example\" (or \"*\")"
                    ),
                });
            }
        }
        if let Some(secret) = &self.auth.jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError::Setting {
                key: "auth.jwt_secret".into(),
                problem: "an HS256 secret needs at least 32 bytes".into(),
            });
        }
        if let Some(secret) = &self.subgraph_secret
            && (secret.len() < 16 || axum::http::HeaderValue::from_str(secret).is_err())
        {
            return Err(ConfigError::Setting {
                key: "subgraph_secret".into(),
                problem: "needs at least 16 characters, all valid in an HTTP header".into(),
            });
        }
        if self.auth.leeway_secs > 300 {
            return Err(ConfigError::Setting {
                key: "auth.leeway_secs".into(),
                problem: "at most 300: a longer leeway keeps expired tokens working".into(),
            });
        }
        if let Some(url) = &self.auth.jwks_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Setting {
                key: "auth.jwks_url".into(),
                problem: format!("{url:?} is not an http(s) URL"),
            });
        }
        for (name, url) in &self.introspect.subgraphs {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Setting {
                    key: format!("introspect.subgraphs.{name}"),
                    problem: format!("{url:?} is not an http(s) URL"),
                });
            }
        }
        for (key, url) in [
            (
                "persisted_queries.redis_url",
                &self.persisted_queries.redis_url,
            ),
            ("cache.redis_url", &self.cache.redis_url),
            (
                "cache.invalidation.redis_url",
                &self.cache.invalidation.redis_url,
            ),
        ] {
            if let Some(url) = url
                && let Err(e) = redis::Client::open(url.as_str())
            {
                return Err(ConfigError::Setting {
                    key: key.into(),
                    problem: e.to_string(),
                });
            }
        }
        if self.cache.redis_url.is_none()
            && (self.cache.response_ttl_secs > 0 || self.cache.entity_ttl_secs > 0)
        {
            positive("cache.max_mb", self.cache.max_mb)?;
        }
        if self.cache.invalidation.redis_stream.is_some()
            && self.cache.invalidation.redis_url.is_none()
            && self.cache.redis_url.is_none()
        {
            return Err(ConfigError::Setting {
                key: "cache.invalidation.redis_stream".into(),
                problem: "needs cache.invalidation.redis_url or cache.redis_url".into(),
            });
        }
        for (key, value) in [
            (
                "subscriptions.max_per_connection",
                self.subscriptions.max_per_connection as u64,
            ),
            (
                "subscriptions.max_total",
                self.subscriptions.max_total as u64,
            ),
            ("subscriptions.buffer", self.subscriptions.buffer as u64),
            (
                "subscriptions.keepalive_secs",
                self.subscriptions.keepalive_secs,
            ),
            (
                "subscriptions.init_timeout_secs",
                self.subscriptions.init_timeout_secs,
            ),
        ] {
            positive(key, value)?;
        }
        for (i, rule) in self.cache.invalidation.rules.iter().enumerate() {
            let key = format!("cache.invalidation.rules[{i}]");
            if rule.events.iter().any(|e| e.is_empty()) || rule.events.is_empty() {
                return Err(ConfigError::Setting {
                    key,
                    problem: "needs at least one event type, none empty".into(),
                });
            }
            if let Some(entity) = rule
                .entities
                .iter()
                .find(|e| e.type_name.is_empty() || e.key.is_empty())
            {
                return Err(ConfigError::Setting {
                    key: format!("{key}.entities"),
                    problem: format!(
                        "{entity:?} needs a type and at least one key field with its event path"
                    ),
                });
            }
        }
        for route in &self.rest.routes {
            if !route.path.starts_with('/') || route.path == "/graphql" {
                return Err(ConfigError::Setting {
                    key: "rest.routes".into(),
                    problem: format!(
                        "{:?} must be a path like /api/v1/x, not /graphql",
                        route.path
                    ),
                });
            }
            if let Err(problem) = crate::server::check_rest_route(route) {
                return Err(ConfigError::Setting {
                    key: format!("rest.routes ({})", route.path),
                    problem,
                });
            }
        }
        let (client, global) = self.rate_limit.buckets()?;
        if let Some(url) = &self.rate_limit.redis_url
            && let Some(bucket) = client.or(global)
            && let Err(e) = ratelimit::RedisLimiter::new(url, &self.rate_limit.key_prefix, bucket)
        {
            return Err(ConfigError::Setting {
                key: "rate_limit.redis_url".into(),
                problem: e.to_string(),
            });
        }
        if axum::http::HeaderName::from_bytes(self.rate_limit.api_key_header.as_bytes()).is_err() {
            return Err(ConfigError::Setting {
                key: "rate_limit.api_key_header".into(),
                problem: "not a valid HTTP header name".into(),
            });
        }
        if let Some(url) = &self.telemetry.otlp_endpoint
            && (!(url.starts_with("http://") || url.starts_with("https://"))
                || url.parse::<axum::http::Uri>().is_err())
        {
            return Err(ConfigError::Setting {
                key: "telemetry.otlp_endpoint".into(),
                problem: format!("{url:?} is not an http(s) URL"),
            });
        }
        // Written so that NaN fails too.
        if !(0.0..=1.0).contains(&self.telemetry.sample_ratio) {
            return Err(ConfigError::Setting {
                key: "telemetry.sample_ratio".into(),
                problem: format!("{} is not between 0 and 1", self.telemetry.sample_ratio),
            });
        }
        if self.telemetry.service_name.trim().is_empty() {
            return Err(ConfigError::Setting {
                key: "telemetry.service_name".into(),
                problem: "must not be empty".into(),
            });
        }
        for (i, user) in self.auth.users.iter().enumerate() {
            if let Err(problem) = crate::auth::check_password_hash(&user.password_hash) {
                return Err(ConfigError::Setting {
                    key: format!("auth.users[{i}].password_hash"),
                    problem: format!(
                        "{problem}: give an argon2 PHC string ($argon2id$v=19$m=…), never the password"
                    ),
                });
            }
        }
        positive(
            "auth.login_throttle.window_secs",
            self.auth.login_throttle.window_secs,
        )?;
        if !self.auth.users.is_empty() && self.auth.jwt_secret.is_none() {
            return Err(ConfigError::Setting {
                key: "auth.users".into(),
                problem: "login users need auth.jwt_secret to sign their tokens".into(),
            });
        }
        if self.cors.allow_credentials && self.cors.allow_origins.iter().any(|o| o == "*") {
            return Err(ConfigError::Setting {
                key: "cors.allow_credentials".into(),
                problem: "browsers refuse credentials with the \"*\" origin: list the origins"
                    .into(),
            });
        }
        Ok(())
    }

    /// Checks the settings that name subgraphs against the supergraph.
    pub fn validate_against(&self, supergraph: &Supergraph) -> Result<(), ConfigError> {
        for name in self.subgraphs.keys() {
            if !supergraph.subgraphs.iter().any(|s| &s.name == name) {
                let known: Vec<&str> = supergraph
                    .subgraphs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                return Err(ConfigError::Setting {
                    key: format!("subgraphs.{name}"),
                    problem: format!(
                        "the supergraph has no subgraph {name:?} (it has: {})",
                        known.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// Whether identical queries in flight to a subgraph share one request.
    pub fn dedupe_of(&self, subgraph: &str) -> bool {
        self.subgraphs
            .get(subgraph)
            .and_then(|s| s.dedupe)
            .unwrap_or(self.traffic_shaping.dedupe)
    }

    /// The request timeout of a subgraph.
    pub fn timeout_of(&self, subgraph: &str) -> Duration {
        let ms = self
            .subgraphs
            .get(subgraph)
            .and_then(|s| s.timeout_ms)
            .unwrap_or(self.subgraph_timeout_ms);
        Duration::from_millis(ms)
    }

    /// The URL requests to a subgraph go to.
    pub fn url_of<'a>(&'a self, subgraph: &str, routing_url: &'a str) -> &'a str {
        self.subgraphs
            .get(subgraph)
            .and_then(|s| s.url.as_deref())
            .unwrap_or(routing_url)
    }

    /// Every replica URL of a subgraph: `urls`, else its one URL.
    pub fn urls_of(&self, subgraph: &str, routing_url: &str) -> Vec<String> {
        match self.subgraphs.get(subgraph) {
            Some(s) if !s.urls.is_empty() => s.urls.clone(),
            _ => vec![self.url_of(subgraph, routing_url).to_owned()],
        }
    }
}
