//! HTTP bootstrap shared by every subgraph: `/graphql`, `/health` (with the event flow's
//! statistics), `/metrics`, tracing, graceful shutdown.

use std::{future::Future, net::SocketAddr, panic::AssertUnwindSafe, sync::Arc};

use async_graphql::{Data, Executor, Request, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use async_trait::async_trait;
use axum::{
    Extension, Json, Router,
    extract::{FromRequest, FromRequestParts, State, ws::WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::get,
};
use futures::FutureExt;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::{catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, trace::TraceLayer};

use crate::{
    auth::{Claims, clave_api::ClavePresentada},
    graphql::panicos,
    messaging::stats::{self, EventsProbe},
};

/// Per-request set-up of a subgraph: request-scoped loaders, prefetching of entity batches.
#[async_trait]
pub trait PrepareRequest: Send + Sync + 'static {
    /// Adds request-scoped data to `request` before it executes.
    async fn prepare(&self, request: Request) -> Request;
}

/// Who made the request, as the gateway vouches for it (`x-gateway-claims`, the verified
/// JWT claims): the name recorded in audit trails. Authorization reads [`Claims`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller(pub Option<String>);

/// The header the gateway forwards verified claims in (JSON).
pub const CLAIMS_HEADER: &str = "x-gateway-claims";

/// The header a tracking collector presents its API key in (the gateway forwards it).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The caller's claims from the request headers (anonymous without them). Only the
/// gateway can reach a subgraph's `/graphql` ([`require_gateway_secret`]), so whatever
/// this header says was verified by it.
pub fn claims_from_headers(headers: &HeaderMap) -> Claims {
    headers
        .get(CLAIMS_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(Claims::from_header)
        .unwrap_or_default()
}

/// The API key the request presented, if any.
fn api_key_from_headers(headers: &HeaderMap) -> Option<ClavePresentada> {
    headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|key| ClavePresentada(key.trim().to_owned()))
        .filter(|key| !key.0.is_empty())
}

impl Caller {
    /// From the request headers: the claims' `sub`, if any.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self(claims_from_headers(headers).sub().map(str::to_owned))
    }

    /// The user's name, or `anonimo`.
    pub fn actor(&self) -> &str {
        self.0.as_deref().unwrap_or("anonimo")
    }
}

/// Who asks, for the request's data: audit name, claims and API key.
fn caller_data(headers: &HeaderMap) -> (Caller, Claims, Option<ClavePresentada>) {
    let claims = claims_from_headers(headers);
    (
        Caller(claims.sub().map(str::to_owned)),
        claims,
        api_key_from_headers(headers),
    )
}

struct AppState<E> {
    name: &'static str,
    executor: E,
    prepare: Arc<dyn PrepareRequest>,
    db: DatabaseConnection,
    live: crate::live::LiveEvents,
}

/// The subgraph's HTTP app: GraphQL at `/graphql` (POST; GET for queries; WebSocket
/// upgrades for subscriptions, `graphql-transport-ws` or `graphql-ws`), `/health` (which
/// also says how many subscriptions watch `live`, so callers can wait for one to be open
/// instead of sleeping, and reports the event flow: `events`) and `/metrics` (the event
/// flow in the Prometheus text format). The bus side of the event statistics comes from
/// an [`EventsProbe`] attached with [`with_events`]; without one they cover the outbox
/// and inbox.
pub fn app<E: Executor>(
    name: &'static str,
    executor: E,
    prepare: Arc<dyn PrepareRequest>,
    db: DatabaseConnection,
    live: crate::live::LiveEvents,
) -> Router {
    let state = Arc::new(AppState {
        name,
        executor,
        prepare,
        db,
        live,
    });
    Router::new()
        .route(
            "/graphql",
            get(graphql_get_or_ws::<E>).post(graphql_post::<E>),
        )
        .route("/health", get(health::<E>))
        .route("/metrics", get(metrics::<E>))
        // Outermost last: a panicking handler becomes a logged 500, not a dropped
        // connection; every error answer, whoever made it, is GraphQL JSON.
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(errores_json))
        .with_state(state)
}

/// The `extensions.code` and Spanish message of an HTTP error status.
fn error_http(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => (
            "BAD_REQUEST",
            "La solicitud no es una petición GraphQL válida (JSON con 'query')",
        ),
        StatusCode::NOT_FOUND => (
            "NOT_FOUND",
            "Ruta desconocida; use /graphql, /health o /metrics",
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("METHOD_NOT_ALLOWED", "Método no permitido en esta ruta")
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            "PAYLOAD_TOO_LARGE",
            "La solicitud excede el tamaño máximo permitido",
        ),
        StatusCode::URI_TOO_LONG => ("URI_TOO_LONG", "La URL excede el largo máximo permitido"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type debe ser application/json",
        ),
        s if s.is_server_error() => ("INTERNAL_SERVER_ERROR", "Error interno del servidor"),
        _ => ("BAD_REQUEST", "Solicitud inválida"),
    }
}

/// Turns an error answer that is not JSON (a rejected body, the body limit's 413, a
/// caught panic's 500, an unknown route) into a GraphQL error with a code, so a client
/// or the gateway always gets one shape, and never the text of a parser error that may
/// quote the request.
async fn errores_json(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let es_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if es_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (code, mensaje) = error_http(status);
    let mut json = request_error(status, code, mensaje.to_owned());
    for nombre in [axum::http::header::ALLOW, axum::http::header::RETRY_AFTER] {
        if let Some(valor) = response.headers().get(&nombre) {
            json.headers_mut().insert(nombre, valor.clone());
        }
    }
    json
}

/// Largest request body accepted (a 5,000-representation `_entities` batch is ~400 KB).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

fn request_error(status: StatusCode, code: &str, message: String) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// POST must carry JSON: a form or `text/plain` post (sent cross-site without a CORS
/// preflight) could otherwise run mutations.
async fn graphql_post<E: Executor>(
    state: State<Arc<AppState<E>>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            format!("Content-Type must be application/json, not '{content_type}'"),
        );
    }
    execute(state, &headers, request).await.into_response()
}

async fn execute<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    headers: &HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let (caller, claims, api_key) = caller_data(headers);
    let mut request = request.into_inner().data(caller).data(claims);
    if let Some(api_key) = api_key {
        request = request.data(api_key);
    }
    // The schema answers its own panics (`graphql::CapturaPanicos`); the preparation
    // before it (entity prefetch over the request's representations) is guarded here,
    // so a panic on some input is that request's GraphQL error, never a 500 that the
    // gateway would count against the subgraph.
    let ejecucion = async {
        let request = state.prepare.prepare(request).await;
        state.executor.execute(request).await
    };
    let mut response = match AssertUnwindSafe(ejecucion).catch_unwind().await {
        Ok(response) => response,
        Err(payload) => {
            tracing::error!(
                panic = panicos::mensaje(payload.as_ref()),
                "panic while preparing a request"
            );
            async_graphql::Response::from_errors(vec![panicos::error_interno(Vec::new())])
        }
    };
    // async-graphql's own request errors (syntax, validation, variable coercion) carry
    // no code; every error a client sees has one.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            let code = if error.path.is_empty() {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "INTERNAL_SERVER_ERROR"
            };
            extensions.set("code", code);
        }
    }
    response.into()
}

/// A WebSocket upgrade starts a subscription connection; any other GET is a query.
async fn graphql_get_or_ws<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    request: axum::extract::Request,
) -> Response {
    let upgrade = request
        .headers()
        .get(axum::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        return websocket(state, request).await;
    }
    let headers = request.headers().clone();
    match GraphQLRequest::from_request(request, &()).await {
        Ok(graphql) => graphql_get(State(state), headers, graphql).await,
        Err(rejection) => rejection.into_response(),
    }
}

/// Subscriptions over a WebSocket: the caller the gateway vouches for comes with the
/// upgrade request and is available to resolvers like on every other request.
async fn websocket<E: Executor>(
    state: Arc<AppState<E>>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let (caller, claims, _) = caller_data(&parts.headers);
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let executor = state.executor.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let mut data = Data::default();
            data.insert(caller);
            data.insert(claims);
            GraphQLWebSocket::new(stream, executor, protocol)
                .with_data(data)
                .serve()
        })
}

/// GET is for queries only (GraphQL over HTTP): a mutation there would be a CSRF hole.
async fn graphql_get<E: Executor>(
    state: State<Arc<AppState<E>>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let inner = &request.0;
    if let Ok(document) = async_graphql::parser::parse_query(&inner.query) {
        let selected = document.operations.iter().find(|(name, _)| {
            inner.operation_name.is_none()
                || name.map(|n| n.as_str()) == inner.operation_name.as_deref()
        });
        if let Some((_, operation)) = selected
            && operation.node.ty != async_graphql::parser::types::OperationType::Query
        {
            let body = json!({ "errors": [{
                "message": format!("{} operations are only accepted with POST", operation.node.ty),
                "extensions": { "code": "METHOD_NOT_ALLOWED" }
            }]});
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [("allow", "POST")],
                Json(body),
            )
                .into_response();
        }
    }
    execute(state, &headers, request).await.into_response()
}

/// Attaches the bus side of the event statistics (`/health`'s `events`, `/metrics`) to a
/// subgraph's [`app`]: the launcher does it with the bus the subgraph runs on.
pub fn with_events(app: Router, probe: EventsProbe) -> Router {
    app.layer(Extension(probe))
}

/// `/health`: 200 `up` while the database answers (503 `down` otherwise), with the
/// event flow's statistics in `events` (their own `status`: `up` or `degraded`, which
/// never turns the answer into a 503: the subgraph still serves).
async fn health<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    probe: Option<Extension<EventsProbe>>,
) -> Response {
    match state.db.ping().await {
        Ok(()) => {
            let events = stats::report(&state.db, probe.as_ref().map(|p| &p.0)).await;
            Json(json!({
                "status": "up",
                "subgraph": state.name,
                "database": "up",
                "liveWatchers": state.live.watchers(),
                "events": events,
            }))
            .into_response()
        }
        Err(error) => {
            tracing::warn!(%error, subgraph = state.name, "health check: database down");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "down", "subgraph": state.name, "database": "down" })),
            )
                .into_response()
        }
    }
}

/// `/metrics`: the event flow's statistics and the subgraph's own gauges in the
/// Prometheus text format, every series labelled `subgraph`.
async fn metrics<E: Executor>(
    State(state): State<Arc<AppState<E>>>,
    probe: Option<Extension<EventsProbe>>,
) -> Response {
    let database_up = state.db.ping().await.is_ok();
    let mut text = format!(
        "# HELP subgraph_up 1 when the subgraph's database answers\n# TYPE subgraph_up gauge\n\
         subgraph_up{{subgraph=\"{name}\"}} {up}\n\
         # HELP subgraph_live_watchers Subscriptions watching the subgraph's live events\n\
         # TYPE subgraph_live_watchers gauge\n\
         subgraph_live_watchers{{subgraph=\"{name}\"}} {watchers}\n",
        name = state.name,
        up = u8::from(database_up),
        watchers = state.live.watchers(),
    );
    if database_up {
        let events = stats::report(&state.db, probe.as_ref().map(|p| &p.0)).await;
        text.push_str(&stats::prometheus(state.name, &events));
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

/// The header carrying the gateway's shared credential to subgraphs.
pub const GATEWAY_SECRET_HEADER: &str = "x-gateway-secret";

/// Shortest shared credential accepted.
pub const MIN_SECRET_LEN: usize = 16;

/// Makes `app` answer GraphQL only to requests carrying `secret` in
/// [`GATEWAY_SECRET_HEADER`] (deployed mode: only the gateway may call a subgraph, and
/// only it vouches for `x-gateway-claims`); others get 401. `/health` and `/metrics` stay
/// open for probes and scrapers (they tell nothing of the data). The comparison takes the
/// same time wherever the values differ.
pub fn require_gateway_secret(app: Router, secret: &str) -> Router {
    use axum::{extract::Request, middleware::Next};
    use subtle::ConstantTimeEq;
    let secret: Arc<[u8]> = Arc::from(secret.as_bytes());
    app.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        let secret = secret.clone();
        async move {
            let given = request
                .headers()
                .get(GATEWAY_SECRET_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            let open = matches!(request.uri().path(), "/health" | "/metrics");
            if open || bool::from(given.ct_eq(&secret)) {
                return next.run(request).await;
            }
            request_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Solo el gateway puede consultar este subgrafo (credencial compartida ausente o inválida)".into(),
            )
        }
    }))
}

/// Binds `addr`; a port already taken is a clear error naming the address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| {
        std::io::Error::new(error.kind(), format!("cannot listen on {addr}: {error}"))
    })
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Streamed answers (subscription events) go out in small writes: without TCP_NODELAY
    // each would wait for the gateway's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set on a connection");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests, embedded launcher) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn status(app: &Router, path: &str, secret: Option<&str>) -> StatusCode {
        let mut request = Request::get(path);
        if let Some(secret) = secret {
            request = request.header(GATEWAY_SECRET_HEADER, secret);
        }
        app.clone()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("response")
            .status()
    }

    mod robustez {
        use async_graphql::{EmptyMutation, EmptySubscription, Object};
        use serde_json::Value;

        use super::*;

        struct Query;

        #[Object]
        impl Query {
            async fn eco(&self, texto: String) -> String {
                texto
            }

            async fn primera(&self, texto: String) -> String {
                // Byte slicing of user text: the bug class the guards exist for.
                texto[..1].to_owned()
            }
        }

        /// Panics while preparing a request that asks for `_entities`.
        struct PreparacionRota;

        #[async_trait]
        impl PrepareRequest for PreparacionRota {
            async fn prepare(&self, request: async_graphql::Request) -> async_graphql::Request {
                assert!(!request.query.contains("_entities"), "prefetch roto");
                request
            }
        }

        fn subgrafo() -> Router {
            let schema =
                crate::graphql::schema_builder(Query, EmptyMutation, EmptySubscription).finish();
            app(
                "prueba",
                schema,
                Arc::new(PreparacionRota),
                DatabaseConnection::default(),
                crate::live::LiveEvents::new(),
            )
        }

        async fn post(content_type: &str, body: impl Into<Body>) -> (StatusCode, Value) {
            let body: Body = body.into();
            let largo = axum::body::HttpBody::size_hint(&body)
                .exact()
                .unwrap_or_default();
            let request = Request::post("/graphql")
                .header(CONTENT_TYPE, content_type)
                // As a real client sends it: the body limit refuses by the header.
                .header(axum::http::header::CONTENT_LENGTH, largo)
                .body(body)
                .expect("request");
            let response = subgrafo().oneshot(request).await.expect("response");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            let json = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                panic!(
                    "{status}: not JSON ({error}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            (status, json)
        }

        #[tokio::test]
        async fn a_panicking_resolver_answers_its_field_error_with_200() {
            let body = json!({ "query": r#"{ eco(texto: "a") primera(texto: "€") }"# });
            let (status, json) = post("application/json", body.to_string()).await;
            assert_eq!(status, StatusCode::OK, "{json}");
            assert_eq!(json["data"]["eco"], "a", "{json}");
            assert_eq!(json["errors"][0]["path"], json!(["primera"]), "{json}");
            assert_eq!(
                json["errors"][0]["extensions"]["code"],
                "INTERNAL_SERVER_ERROR"
            );
            assert!(!json.to_string().contains("byte index"), "{json}");
        }

        #[tokio::test]
        async fn a_panic_before_execution_is_a_graphql_error_not_a_500() {
            let body = json!({ "query": "{ _entities(representations: []) { __typename } }" });
            let (status, json) = post("application/json", body.to_string()).await;
            assert_eq!(status, StatusCode::OK, "{json}");
            assert_eq!(
                json["errors"][0]["extensions"]["code"],
                "INTERNAL_SERVER_ERROR"
            );
            assert!(!json.to_string().contains("prefetch roto"), "{json}");
        }

        #[tokio::test]
        async fn malformed_bodies_are_json_errors_that_quote_nothing() {
            let secreto = "s3cr3t".repeat(100);
            let cuerpos: Vec<Vec<u8>> = vec![
                format!("{{\"query\": \"{secreto}").into_bytes(),
                b"{\"query\": 1}".to_vec(),
                b"{\"variables\": {}}".to_vec(),
                format!(
                    "{{\"query\": \"{{ eco(texto: \\\"a\\\") }}\", \"variables\": \"{secreto}\"}}"
                )
                .into_bytes(),
                b"{\"query\": \"{ eco(texto: \\\"a\\\") }\", \"valor\": NaN}".to_vec(),
                vec![0xff, 0xfe, 0x7b],
                Vec::new(),
            ];
            for cuerpo in cuerpos {
                let texto = String::from_utf8_lossy(&cuerpo).into_owned();
                let (status, json) = post("application/json", cuerpo).await;
                // A body that parses but holds no query is a GraphQL error (200).
                assert!(
                    status.is_client_error() || status == StatusCode::OK,
                    "{texto} → {status} {json}"
                );
                assert!(
                    json["errors"][0]["extensions"]["code"].is_string(),
                    "{json}"
                );
                assert!(!json.to_string().contains("s3cr3t"), "{json}");
            }
        }

        #[tokio::test]
        async fn an_oversized_body_is_a_json_413() {
            let grande = format!("{{\"query\": \"{}\"}}", " ".repeat(MAX_BODY_BYTES + 1));
            let (status, json) = post("application/json", grande).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert_eq!(json["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
        }
    }

    #[tokio::test]
    async fn only_the_gateway_secret_opens_graphql_and_health_and_metrics_stay_open() {
        let app = Router::new()
            .route("/graphql", get(|| async { "ok" }))
            .route("/health", get(|| async { "up" }))
            .route("/metrics", get(|| async { "metrics" }));
        let app = require_gateway_secret(app, "0123456789abcdef-secreto");
        assert_eq!(
            status(&app, "/graphql", None).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&app, "/graphql", Some("0123456789abcdef-otro")).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&app, "/graphql", Some("0123456789abcdef-secret")).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(&app, "/graphql", Some("0123456789abcdef-secreto")).await,
            StatusCode::OK
        );
        assert_eq!(status(&app, "/health", None).await, StatusCode::OK);
        assert_eq!(status(&app, "/metrics", None).await, StatusCode::OK);
    }
}
