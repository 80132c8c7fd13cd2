//! Serving: GraphQL over HTTP on axum, GraphiQL, health; HTTP concerns (CORS, compression,
//! request ids, body limit, timeout) as tower-http layers.

mod batch;
mod client_ip;
mod error_bodies;
pub mod graphiql;
mod health;
mod http;
mod limits;
mod multipart;
mod parse_refusals;
mod rest;
mod sse;
mod ws;

pub use ws::WsSettings;

use std::{
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
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate as _},
    },
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

pub use http::EXPOSE_PLAN_HEADER;

use crate::{
    config::{CorsConfig, GatewayConfig},
    engine::Engine,
    executor::REQUEST_ID_HEADER,
};

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
    /// Client operation batching.
    batching: crate::config::BatchingConfig,
    /// How `/health` probes the subgraphs.
    health: crate::config::HealthConfig,
}

impl AppState {
    /// State serving this engine, with default subscription settings.
    pub fn new(engine: Engine) -> Arc<Self> {
        Self::configured(engine, &GatewayConfig::default())
    }

    /// State serving this engine with the configuration's subscription and batching
    /// settings.
    pub fn configured(engine: Engine, config: &GatewayConfig) -> Arc<Self> {
        Arc::new(Self {
            engine: RwLock::new(Arc::new(engine)),
            http: reqwest::Client::new(),
            ws: WsSettings::from(&config.subscriptions),
            subscriptions: std::sync::atomic::AtomicUsize::new(0),
            shutdown: tokio::sync::watch::channel(false).0,
            trusted_proxies: client_ip::TrustedProxies::new(&config.trusted_proxies),
            batching: config.batching.clone(),
            health: config.health.clone(),
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

/// `/metrics`: the gateway's metrics and the subgraphs' event-flow statistics (fetched
/// now from their health documents, bounded by `health.probe_timeout_ms`), in the
/// OpenMetrics text format; asked for `application/json`, the old BFF's JSON metrics.
async fn metrics(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"));
    if json {
        return json_metrics(&state).into_response();
    }
    let events = health::events(&state).await;
    let events = crate::telemetry::events::registry(&events);
    let engine = state.engine();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        engine
            .metrics()
            .render_with(engine.cached_plans(), Some(&events)),
    )
        .into_response()
}

/// The old BFF's JSON metrics (`rest.metrics.path`, or `/metrics` asked for JSON): `count`,
/// `errors`, `p50`, `p95`, `p99` (milliseconds) over every GraphQL and REST request since
/// start, then the same per operation and per subgraph.
fn json_metrics(state: &AppState) -> axum::Json<serde_json::Value> {
    let engine = state.engine();
    let mut subgraphs: Vec<String> = engine
        .subgraph_urls()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    subgraphs.dedup();
    axum::Json(engine.metrics().summary(&subgraphs))
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
    let mut rest = rest::router(&config.rest, state.clone());
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
    if let Some(path) = &config.rest.health.path {
        let (settings, state) = (Arc::new(config.rest.health.clone()), state.clone());
        rest = rest.route(
            path,
            get(move || health::bff_health(state.clone(), settings.clone())),
        );
    }
    if let Some(path) = &config.rest.metrics.path {
        let state = state.clone();
        rest = rest.route(path, get(move || async move { json_metrics(&state) }));
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
        .merge(graphiql::router(config))
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
        // Like event streams, multipart (`@defer`) answers go uncompressed: a compressor
        // holds what it got until it has enough, so a part would wait for the next ones.
        let predicate =
            DefaultPredicate::new().and(NotForContentType::const_new(multipart::MEDIA_TYPE));
        router = router.layer(CompressionLayer::new().compress_when(predicate));
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

/// Checks a REST route's bindings, template and operation source.
pub fn check_rest_route(route: &crate::config::RestRoute) -> Result<(), String> {
    if route.external {
        return rest::external_schema(route).map(|_| ());
    }
    rest::CompiledRoute::compile(route).map(|_| ())
}
