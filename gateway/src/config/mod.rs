//! The gateway's configuration: one TOML file, every setting overridable by an environment
//! variable (`GATEWAY_` + the key path in upper case, `__` between levels:
//! `GATEWAY_CORS__ALLOW_ORIGINS='["https://app.example"]'`), validated before serving.
//! One module per section, each owning its defaults and checks; nothing here depends on
//! the rest of the gateway (the stages read their settings from it).

mod auth;
mod batching;
mod cache;
mod circuit_breaker;
mod cors;
mod env;
mod error;
mod health;
mod introspect;
mod limits;
mod persisted;
mod rate_limit;
mod rest;
mod subgraphs;
mod subscriptions;
mod telemetry;
mod validate;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use auth::{
    AuthConfig, DEFAULT_LEEWAY_SECS, LoginThrottleConfig, LoginUser, check_password_hash,
};
pub use batching::{BatchingConfig, MAX_BATCH_OPERATIONS};
pub use cache::{CacheConfig, EntityRule, InvalidationConfig, InvalidationRule, Sharing};
pub use circuit_breaker::CircuitBreakerConfig;
pub use cors::CorsConfig;
pub use error::ConfigError;
pub use health::HealthConfig;
pub use introspect::IntrospectConfig;
pub use limits::{
    DEFAULT_DOCUMENT_CACHE_BYTES, DEFAULT_MAX_FIELDS, DEFAULT_MAX_TOKENS, DEFAULT_MAX_URI_BYTES,
    DEFAULT_PLAN_CACHE_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, LimitsConfig,
};
pub use persisted::PersistedQueriesConfig;
pub use rate_limit::RateLimitConfig;
pub use rest::{RestConfig, RestHealth, RestMetrics, RestRoute};
pub use subgraphs::{SubgraphConfig, TrafficShapingConfig};
pub use subscriptions::{
    DEFAULT_LIVE_MIN_INTERVAL_MS, DEFAULT_SUBSCRIPTION_BUFFER, SubscriptionsConfig,
};
pub use telemetry::TelemetryConfig;

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
    /// Client operation batching.
    pub batching: BatchingConfig,
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
    /// REST-compatible endpoints, each running a persisted operation, and the old
    /// BFF's health and JSON metrics.
    pub rest: RestConfig,
    /// How `/health` probes the subgraphs.
    pub health: HealthConfig,
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
            batching: BatchingConfig::default(),
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
            health: HealthConfig::default(),
            telemetry: TelemetryConfig::default(),
            traffic_shaping: TrafficShapingConfig::default(),
            ignored_env: Vec::new(),
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

    /// Checks what types alone cannot, section by section.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::positive("subgraph_timeout_ms", self.subgraph_timeout_ms)?;
        for (name, subgraph) in &self.subgraphs {
            subgraph.validate(name)?;
        }
        self.limits.validate()?;
        self.batching.validate()?;
        self.cors.validate()?;
        self.auth.validate()?;
        if let Some(secret) = &self.subgraph_secret
            && (secret.len() < 16 || axum::http::HeaderValue::from_str(secret).is_err())
        {
            return Err(ConfigError::setting(
                "subgraph_secret",
                "needs at least 16 characters, all valid in an HTTP header",
            ));
        }
        self.introspect.validate()?;
        self.persisted_queries.validate()?;
        self.cache.validate()?;
        self.subscriptions.validate()?;
        self.rest.validate()?;
        self.health.validate()?;
        self.rate_limit.validate()?;
        self.telemetry.validate()
    }
}
