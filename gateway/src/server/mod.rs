//! Serving: GraphQL over HTTP on axum, GraphiQL, health; HTTP concerns (CORS, compression,
//! request ids, body limit, timeout) as tower-http layers.

mod client_ip;
mod error_bodies;
pub mod graphiql;
mod health;
mod http;
mod introspect;
mod limits;
mod parse_refusals;
mod rest;
mod sse;
mod ws;

pub use ws::WsSettings;

pub use introspect::{engine_from_subgraphs, watch_subgraphs};

use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
    routing::get,
    serve::ListenerExt,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

pub use http::EXPOSE_PLAN_HEADER;

use crate::{
    auth::{JwksSource, JwtVerifier, Login},
    config::{CorsConfig, GatewayConfig},
    engine::Engine,
    executor::{HttpSubgraphClient, REQUEST_ID_HEADER, Replicas, SubgraphEndpoint},
    pipeline::PersistedQueries,
    supergraph::Supergraph,
    telemetry::Metrics,
};

/// Arguments of `gateway serve`; every setting can also come from the config file or a
/// `GATEWAY_*` variable (flags win).
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// The supergraph SDL file (default `schema.graphql`).
    #[arg(long)]
    pub supergraph: Option<PathBuf>,
    /// Address to listen on (default `127.0.0.1:4000`).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

impl ServeArgs {
    /// The configuration: file and environment, then these flags.
    pub fn config(&self) -> Result<GatewayConfig, crate::config::ConfigError> {
        let mut config = GatewayConfig::load(self.config.as_deref())?;
        if let Some(supergraph) = &self.supergraph {
            config.supergraph = supergraph.clone();
        }
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        Ok(config)
    }
}

/// Shared state of the HTTP server: the engine of the current supergraph.
pub struct AppState {
    engine: RwLock<Arc<Engine>>,
    /// For health probes.
    http: reqwest::Client,
    /// WebSocket limits and timings.
    ws: WsSettings,
    /// Subscriptions running now (WebSocket and server-sent events).
    subscriptions: std::sync::atomic::AtomicUsize,
    /// Turns true when the gateway shuts down: open connections close cleanly.
    shutdown: tokio::sync::watch::Sender<bool>,
    /// Whose `X-Forwarded-For` names the client (login throttling per address).
    trusted_proxies: client_ip::TrustedProxies,
}

impl AppState {
    /// State serving this engine, with default subscription settings.
    pub fn new(engine: Engine) -> Arc<Self> {
        Self::configured(engine, &GatewayConfig::default())
    }

    /// State serving this engine with the configuration's subscription settings.
    pub fn configured(engine: Engine, config: &GatewayConfig) -> Arc<Self> {
        Arc::new(Self {
            engine: RwLock::new(Arc::new(engine)),
            http: reqwest::Client::new(),
            ws: config.subscriptions.settings(),
            subscriptions: std::sync::atomic::AtomicUsize::new(0),
            shutdown: tokio::sync::watch::channel(false).0,
            trusted_proxies: client_ip::TrustedProxies::new(&config.trusted_proxies),
        })
    }

    /// Subscriptions running now.
    pub fn running_subscriptions(&self) -> usize {
        self.subscriptions.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Serves `engine` from now on; requests already running finish on the old one.
    /// Failed logins counted so far stay counted (a reload must not give a password
    /// guesser a fresh budget).
    pub fn replace(&self, engine: Engine) {
        let engine = Arc::new(engine.keeping_login_failures_of(&self.engine()));
        match self.engine.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// The engine requests use now.
    pub fn engine(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Builds an engine for a supergraph SDL with default settings and this subgraph timeout.
pub fn engine_from_sdl(sdl: &str, subgraph_timeout: Duration) -> anyhow::Result<Engine> {
    let config = GatewayConfig {
        subgraph_timeout_ms: u64::try_from(subgraph_timeout.as_millis()).unwrap_or(u64::MAX),
        ..GatewayConfig::default()
    };
    engine_from_config(sdl, &config)
}

/// Builds an engine for a supergraph SDL as the configuration says.
pub fn engine_from_config(sdl: &str, config: &GatewayConfig) -> anyhow::Result<Engine> {
    engine_with_metrics(sdl, config, Arc::new(Metrics::new()))
}

/// Builds an engine recording into existing metrics.
pub fn engine_with_metrics(
    sdl: &str,
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Engine> {
    let supergraph = Supergraph::parse(sdl)?;
    config.validate_against(&supergraph)?;
    let endpoints: Vec<SubgraphEndpoint> = supergraph
        .subgraphs
        .iter()
        .map(|s| SubgraphEndpoint {
            name: s.name.clone(),
            replicas: Arc::new(Replicas::new(config.urls_of(&s.name, &s.url))),
            timeout: config.timeout_of(&s.name),
            dedupe: config.dedupe_of(&s.name),
        })
        .collect();
    let urls = endpoints
        .iter()
        .map(|e| (e.name.clone(), e.replicas.clone()))
        .collect();
    let client = HttpSubgraphClient::new(endpoints)?
        .with_metrics(metrics.clone())
        .with_secret(config.subgraph_secret.as_deref())
        .with_breakers(config.circuit_breaker.settings())
        .with_replica_probes(Duration::from_millis(config.replica_probe_ms));
    let subscription_buffer = config.subscriptions.buffer;
    let persisted = match (
        &config.persisted_queries.safelist,
        config.persisted_queries.apq,
    ) {
        (Some(manifest), _) => PersistedQueries::safelist(manifest)?,
        (None, true) => match &config.persisted_queries.redis_url {
            Some(url) => PersistedQueries::apq_redis(url, &config.persisted_queries.key_prefix)?,
            None => PersistedQueries::apq(),
        },
        (None, false) => PersistedQueries::Off,
    };
    let metrics_for_cache = metrics.clone();
    let mut engine = Engine::new(supergraph, Arc::new(client));
    let auth = &config.auth;
    if auth.jwt_secret.is_some() || auth.jwks_url.is_some() {
        let jwks = auth.jwks_url.as_ref().map(|url| JwksSource {
            url: url.clone(),
            max_age: Duration::from_secs(auth.jwks_max_age_secs),
            min_interval: Duration::from_secs(auth.jwks_min_refresh_secs),
        });
        engine = engine.with_jwt(Arc::new(
            JwtVerifier::new(
                auth.jwt_secret.as_deref(),
                jwks,
                auth.issuer.as_deref(),
                auth.audience.as_deref(),
            )
            .with_leeway(auth.leeway_secs),
        ));
    }
    if let Some(secret) = &auth.jwt_secret
        && !auth.users.is_empty()
    {
        engine = engine.with_login(Arc::new(Login::new(
            auth.users.clone(),
            secret,
            auth.issuer.clone(),
            auth.audience.clone(),
            auth.token_ttl_secs,
            auth.login_throttle.settings(),
        )?));
    }
    Ok(engine
        .with_subscriptions(config.subgraph_secret.as_deref(), subscription_buffer)
        .with_metrics(metrics)
        .with_persisted_queries(persisted)
        .with_endpoints(urls)
        .with_introspection(config.introspection)
        .with_limits(config.limits.operation(), config.limits.tokens())
        .with_request_timeout(Duration::from_millis(config.limits.request_timeout_ms))
        .with_cache_bytes(
            config.limits.plan_cache_mb << 20,
            config.limits.document_cache_mb << 20,
        )
        .with_caches(caches(config, metrics_for_cache)?)
        .with_override_labels(config.override_labels.iter().cloned().collect()))
}

/// Reads the configured supergraph file and builds its engine.
pub fn engine_from_file(config: &GatewayConfig) -> anyhow::Result<Engine> {
    engine_from_file_with(config, Arc::new(Metrics::new()))
}

fn engine_from_file_with(config: &GatewayConfig, metrics: Arc<Metrics>) -> anyhow::Result<Engine> {
    let path = &config.supergraph;
    let sdl = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read supergraph {}: {e}", path.display()))?;
    engine_with_metrics(&sdl, config, metrics)
        .map_err(|e| anyhow::anyhow!("supergraph {} is not usable: {e}", path.display()))
}

fn cors_layer(cors: &CorsConfig) -> Option<CorsLayer> {
    if cors.allow_origins.is_empty() {
        return None;
    }
    let origins = if cors.allow_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // Validated at load time.
        AllowOrigin::list(
            cors.allow_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::ACCEPT,
                HeaderName::from_static(EXPOSE_PLAN_HEADER),
                HeaderName::from_static(REQUEST_ID_HEADER),
            ])
            .expose_headers([HeaderName::from_static(REQUEST_ID_HEADER)])
            .allow_credentials(cors.allow_credentials)
            .max_age(Duration::from_secs(cors.max_age_secs)),
    )
}

/// `/metrics`: Prometheus text format.
async fn metrics(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
) -> ([(header::HeaderName, &'static str); 1], String) {
    let engine = state.engine();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        engine.metrics().render(engine.cached_plans()),
    )
}

/// The gateway's routes with default settings.
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, &GatewayConfig::default())
}

/// The gateway's routes: `/graphql` (POST, GET), `/graphiql`, `/health`, with the HTTP
/// layers the configuration asks for. Layers run outside in: request id, CORS,
/// compression, GraphQL error bodies (and the URI limit), timeout, body limit, panic
/// catcher.
pub fn router_with(state: Arc<AppState>, config: &GatewayConfig) -> Router {
    router_with_routes(state, config, Router::new())
}

/// [`router_with`] plus the deployment's own routes (a web app, say), served behind the
/// same HTTP layers.
pub fn router_with_routes(state: Arc<AppState>, config: &GatewayConfig, extra: Router) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let mut graphql = Router::new().route("/graphql", get(http::get).post(http::post));
    // REST routes run operations too: the same limits apply.
    let mut rest = rest::router(&config.rest.routes, state.clone());
    if let Some(limits) = limits::RateLimits::new(
        &config.rate_limit,
        client_ip::TrustedProxies::new(&config.trusted_proxies),
    ) {
        let limits = Arc::new(limits);
        graphql = graphql.route_layer(axum::middleware::from_fn_with_state(
            limits.clone(),
            limits::enforce,
        ));
        if !config.rest.routes.is_empty() {
            rest = rest.route_layer(axum::middleware::from_fn_with_state(
                limits,
                limits::enforce,
            ));
        }
    }
    let mut router = graphql
        .route("/health", get(health::health))
        .route("/metrics", get(metrics))
        .route(
            "/auth/login",
            axum::routing::post(http::login).layer(DefaultBodyLimit::max(http::MAX_LOGIN_BODY)),
        )
        .with_state(state)
        .merge(rest)
        .merge(graphiql::router())
        .merge(extra)
        .layer(CatchPanicLayer::new())
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            Duration::from_millis(config.limits.request_timeout_ms),
        ))
        // Outside the timeout, body limit and panic catcher: their bare answers get
        // GraphQL bodies.
        .layer(axum::middleware::from_fn_with_state(
            error_bodies::ErrorBodies {
                max_body_bytes: config.limits.max_body_bytes,
                max_uri_bytes: config.limits.max_uri_bytes,
            },
            error_bodies::enforce,
        ));
    if config.compression {
        router = router.layer(CompressionLayer::new());
    }
    if let Some(cors) = cors_layer(&config.cors) {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves the router on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, &GatewayConfig::default(), shutdown).await
}

/// Serves with the configuration's HTTP layers.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    config: &GatewayConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_routes(listener, state, config, Router::new(), shutdown).await
}

/// Serves with the configuration's HTTP layers and the deployment's own routes.
pub async fn serve_with_routes(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    config: &GatewayConfig,
    extra: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router_with_routes(state.clone(), config, extra);
    let grace = Duration::from_millis(config.limits.shutdown_grace_ms);
    let (signalled, mut draining) = tokio::sync::watch::channel(false);
    // hyper's own refusals (a URI over its 64 KiB) leave as GraphQL errors too.
    let listener = parse_refusals::GraphqlRefusals::new(
        listener,
        error_bodies::ErrorBodies {
            max_body_bytes: config.limits.max_body_bytes,
            max_uri_bytes: config.limits.max_uri_bytes,
        },
    )
    // `tap_io` gives connections their peer address as `ConnectInfo<SocketAddr>`.
    .tap_io(|_| {});
    // Client addresses reach the rate limiter.
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        // Upgraded WebSockets are not the server's to drain: they close themselves.
        state.shutdown.send_replace(true);
        signalled.send_replace(true);
    });
    // The drain is bounded: a request that does not finish within the grace period (a
    // slow subgraph, a client reading slowly) must not keep the gateway from stopping.
    let deadline = async move {
        if draining.wait_for(|started| *started).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server.into_future() => served,
        () = deadline => {
            tracing::warn!(grace_ms = grace.as_millis(), "requests still running after the shutdown grace period are dropped");
            Ok(())
        }
    }
}

/// Operations re-planned on a new supergraph before it takes traffic.
const WARM_OPERATIONS: usize = 100;

/// Loads the configured supergraph again and swaps it in, with the most used operations
/// planned beforehand; on any error the current one stays. Returns the plans warmed.
pub fn reload(state: &AppState, config: &GatewayConfig) -> anyhow::Result<usize> {
    let engine = engine_from_file_with(config, state.engine().metrics().clone())?;
    let warmed = engine.warm(&state.engine().top_documents(WARM_OPERATIONS));
    state.replace(engine);
    Ok(warmed)
}

/// What identifies a version of the supergraph file.
fn file_version(path: &std::path::Path) -> Option<(std::time::SystemTime, u64, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    let content = std::fs::read(path).ok()?;
    // FNV-1a of the content: a rewrite within the same second is still seen.
    let hash = content.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    Some((metadata.modified().ok()?, metadata.len(), hash))
}

/// Watches the supergraph file and reloads it when it changes (hot reload); no request is
/// dropped or fails during the swap.
pub fn watch_supergraph(
    state: Arc<AppState>,
    config: GatewayConfig,
) -> Option<tokio::task::JoinHandle<()>> {
    if config.supergraph_poll_ms == 0 {
        return None;
    }
    let interval = Duration::from_millis(config.supergraph_poll_ms);
    Some(tokio::spawn(async move {
        let mut seen = file_version(&config.supergraph);
        loop {
            tokio::time::sleep(interval).await;
            let now = file_version(&config.supergraph);
            if now.is_none() || now == seen {
                continue;
            }
            seen = now;
            let (state, config) = (state.clone(), config.clone());
            // Parsing and planning are CPU work: keep them off the request threads.
            match tokio::task::spawn_blocking(move || reload(&state, &config)).await {
                Ok(Ok(warmed)) => tracing::info!(warmed, "supergraph reloaded"),
                Ok(Err(error)) => {
                    tracing::error!(%error, "supergraph change not loaded; still serving the previous one")
                }
                Err(error) => tracing::error!(%error, "supergraph reload task failed"),
            }
        }
    }))
}

/// Runs `gateway serve`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    run_with(args.config()?, Router::new()).await
}

/// Runs the gateway with this configuration and the deployment's own routes until a
/// shutdown signal.
pub async fn run_with(config: GatewayConfig, extra: Router) -> anyhow::Result<()> {
    // Only now: the configuration says whether spans are exported.
    let tracing = init_tracing(Some(&config.telemetry))?;
    config.warn_ignored_env();
    let (engine, introspected) = if config.introspect.subgraphs.is_empty() {
        (engine_from_file(&config)?, None)
    } else {
        let (engine, sdls) = engine_from_subgraphs(&config, Arc::new(Metrics::new())).await?;
        (engine, Some(sdls))
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!("gateway on http://{address}/graphql, GraphiQL on http://{address}/graphiql");
    let state = AppState::configured(engine, &config);
    let invalidations = listen_for_invalidations(state.clone(), &config);
    let watcher = match introspected {
        Some(sdls) => Some(watch_subgraphs(state.clone(), config.clone(), sdls)),
        None => watch_supergraph(state.clone(), config.clone()),
    };
    serve_with_routes(listener, state, &config, extra, shutdown_signal()).await?;
    for task in [watcher, invalidations].into_iter().flatten() {
        task.abort();
    }
    // Sends the spans still buffered before the process ends.
    drop(tracing);
    Ok(())
}

/// Arguments of `gateway check`.
#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "GATEWAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// The supergraph SDL file (default: the configured one).
    #[arg(long)]
    pub supergraph: Option<PathBuf>,
}

/// Runs `gateway check`: validates configuration and supergraph without serving.
pub fn check(args: CheckArgs) -> anyhow::Result<()> {
    let serve = ServeArgs {
        config: args.config,
        supergraph: args.supergraph,
        listen: None,
    };
    let config = serve.config()?;
    config.warn_ignored_env();
    let engine = engine_from_file(&config)?;
    println!(
        "configuration and supergraph {} are valid: {} subgraphs",
        config.supergraph.display(),
        engine.supergraph().subgraphs.len()
    );
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), and exports spans when
/// `telemetry` names an OTLP endpoint (on the current tokio runtime). Keep the guard while
/// serving: dropping it sends the spans still buffered.
pub fn init_tracing(
    telemetry: Option<&crate::config::TelemetryConfig>,
) -> Result<crate::telemetry::TracingGuard, crate::telemetry::TelemetryError> {
    use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // `RUST_LOG` filters the log lines only: exported spans have their own filter.
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let provider = match telemetry {
        Some(config) => crate::telemetry::provider(config)?,
        None => None,
    };
    let spans = provider.as_ref().map(crate::telemetry::layer);
    // A second call (tests, embedded launcher) keeps the first subscriber.
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(spans)
        .try_init()
        .is_ok();
    if !installed && provider.is_some() {
        tracing::warn!("a tracing subscriber was already installed: spans are not exported");
    }
    Ok(crate::telemetry::TracingGuard::new(provider))
}

/// Checks a REST route's bindings, template and operation source.
pub fn check_rest_route(route: &crate::config::RestRoute) -> Result<(), String> {
    rest::CompiledRoute::compile(route).map(|_| ())
}

/// The response and entity caches a configuration describes, if any.
fn caches(
    config: &GatewayConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<Option<Arc<crate::cache::Caches>>> {
    use crate::cache::{Caches, EntityCache, Invalidator, ResponseCache};
    let cache = &config.cache;
    if cache.response_ttl_secs == 0 && cache.entity_ttl_secs == 0 {
        return Ok(None);
    }
    let store: Arc<dyn crate::cache::CacheStore> = match &cache.redis_url {
        Some(url) => Arc::new(crate::cache::RedisStore::new(url, &cache.key_prefix)?),
        None => Arc::new(crate::cache::MemoryStore::new(cache.max_mb << 20)),
    };
    let type_ttls: std::collections::BTreeMap<String, Duration> = cache
        .type_ttl_secs
        .iter()
        .map(|(t, secs)| (t.clone(), Duration::from_secs(*secs)))
        .collect();
    let private_types: std::collections::BTreeSet<String> =
        cache.private_types.iter().cloned().collect();
    let invalidator = Invalidator::new(
        store.clone(),
        cache.invalidation.rules.clone(),
        metrics.clone(),
    );
    let responses = (cache.response_ttl_secs > 0).then(|| {
        ResponseCache::new(
            store.clone(),
            Duration::from_secs(cache.response_ttl_secs),
            type_ttls.clone(),
            private_types.clone(),
            metrics.clone(),
        )
    });
    let entities = (cache.entity_ttl_secs > 0).then(|| {
        EntityCache::new(
            store.clone(),
            Duration::from_secs(cache.entity_ttl_secs),
            type_ttls,
            private_types,
            invalidator.entity_keys(),
            metrics,
        )
    });
    Ok(Some(Arc::new(Caches::new(
        store,
        responses,
        entities,
        invalidator,
        cache.sharing,
    ))))
}

/// Starts the cache invalidation listener the configuration asks for, if any.
pub fn listen_for_invalidations(
    state: Arc<AppState>,
    config: &GatewayConfig,
) -> Option<tokio::task::JoinHandle<()>> {
    let invalidation = &config.cache.invalidation;
    let stream = invalidation.redis_stream.clone()?;
    let url = invalidation
        .redis_url
        .clone()
        .or_else(|| config.cache.redis_url.clone())?;
    Some(crate::cache::listen_redis_stream(
        state,
        url,
        stream,
        crate::cache::StreamFields {
            type_field: invalidation.type_field.clone(),
            event_field: invalidation.event_field.clone(),
        },
    ))
}
