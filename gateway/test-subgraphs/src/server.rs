//! Serve any async-graphql schema on `127.0.0.1` with a request log and injectable faults;
//! subscriptions over WebSocket (`graphql-transport-ws`) on the same path.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU16, Ordering},
    },
    time::Duration,
};

use async_graphql::{Executor, ObjectType, Schema, SubscriptionType, registry::SDLExportOptions};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::watch};

use crate::entities;

type ExecuteFuture = Pin<Box<dyn Future<Output = async_graphql::Response> + Send>>;
type ExecuteFn = Arc<dyn Fn(async_graphql::Request) -> ExecuteFuture + Send + Sync>;
type WebSocketFn = Arc<
    dyn Fn(
            axum::extract::ws::WebSocket,
            async_graphql_axum::GraphQLProtocol,
        ) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// A subgraph definition: name, federation SDL and an executor; not yet listening.
#[derive(Clone)]
pub struct Subgraph {
    name: String,
    sdl: Arc<str>,
    execute: ExecuteFn,
    websocket: WebSocketFn,
}

impl Subgraph {
    /// Wraps any async-graphql executor (derived or dynamic schema) with the SDL it publishes.
    pub fn new(name: impl Into<String>, executor: impl Executor, sdl: impl Into<String>) -> Self {
        let for_websocket = executor.clone();
        let execute: ExecuteFn = Arc::new(move |request| {
            let executor = executor.clone();
            Box::pin(async move { executor.execute(request).await })
        });
        let websocket: WebSocketFn = Arc::new(move |socket, protocol| {
            let executor = for_websocket.clone();
            Box::pin(async_graphql_axum::GraphQLWebSocket::new(socket, executor, protocol).serve())
        });
        Self {
            name: name.into(),
            sdl: sdl.into().into(),
            execute,
            websocket,
        }
    }

    /// Wraps a derived schema and publishes its own federation SDL.
    pub fn from_schema<Q, M, S>(name: impl Into<String>, schema: Schema<Q, M, S>) -> Self
    where
        Q: ObjectType + 'static,
        M: ObjectType + 'static,
        S: SubscriptionType + 'static,
    {
        let sdl = federation_sdl(&schema);
        Self::new(name, schema, sdl)
    }

    /// The subgraph name used for composition.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The federation SDL, exactly as `_service { sdl }` answers it.
    pub fn sdl(&self) -> &str {
        &self.sdl
    }

    /// Executes a request in-process, without HTTP (for executor tests behind a trait).
    ///
    /// An `_entities` batch with errors is re-run per representation (see `entities.rs`).
    pub async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        let replay = entities::Replay::of(&request);
        let mut response = (self.execute)(request).await;
        // Only field errors are replayed: a request error (no path, e.g. a validation error)
        // refuses the whole request, whatever the representations.
        if let Some(replay) = replay
            && response.errors.iter().any(|error| !error.path.is_empty())
        {
            let mut singles = Vec::new();
            for (alias, index, single) in replay.split() {
                singles.push((alias, index, (self.execute)(single).await));
            }
            response = replay.merge(singles);
        }
        // `_service.sdl` must match `sdl()`, which may be post-processed (e.g. override labels).
        if let async_graphql::Value::Object(data) = &mut response.data
            && let Some(async_graphql::Value::Object(service)) = data.get_mut("_service")
            && let Some(sdl) = service.get_mut("sdl")
        {
            *sdl = async_graphql::Value::String(self.sdl.to_string());
        }
        response
    }

    /// Starts serving on `127.0.0.1` with an OS-assigned port.
    pub async fn start(self) -> io::Result<TestSubgraph> {
        self.start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts serving on the given address (port 0 picks a free one).
    pub async fn start_on(self, addr: SocketAddr) -> io::Result<TestSubgraph> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let faults = Arc::new(Faults::default());
        let (kill, killed) = watch::channel(false);
        let router = Router::new()
            .route("/graphql", post(handle).get(websocket))
            .route("/health", axum::routing::get(health))
            .with_state(AppState {
                subgraph: self.clone(),
                faults: Arc::clone(&faults),
                killed: killed.clone(),
            });
        tokio::spawn(accept_loop(listener, router, killed));
        Ok(TestSubgraph {
            url: format!("http://{addr}/graphql"),
            subgraph: self,
            faults,
            kill,
        })
    }
}

/// The federation SDL of a derived schema, as async-graphql answers `_service { sdl }`.
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

/// A running subgraph; dropping it stops the server like [`TestSubgraph::kill`].
pub struct TestSubgraph {
    subgraph: Subgraph,
    url: String,
    faults: Arc<Faults>,
    kill: watch::Sender<bool>,
}

impl TestSubgraph {
    /// The endpoint, `http://127.0.0.1:<port>/graphql`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The subgraph name used for composition.
    pub fn name(&self) -> &str {
        self.subgraph.name()
    }

    /// The federation SDL, exactly as `_service { sdl }` answers it.
    pub fn sdl(&self) -> &str {
        self.subgraph.sdl()
    }

    /// The definition, e.g. to execute in-process as well.
    pub fn subgraph(&self) -> &Subgraph {
        &self.subgraph
    }

    /// Every request body received so far, in arrival order (non-JSON bodies as strings).
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.faults.requests).clone()
    }

    /// The headers of every request received so far, in arrival order.
    pub fn request_headers(&self) -> Vec<HeaderMap> {
        lock(&self.faults.headers).clone()
    }

    /// Forgets the logged requests.
    pub fn clear_requests(&self) {
        lock(&self.faults.requests).clear();
        lock(&self.faults.headers).clear();
    }

    /// Delays every answer by `delay` (zero to stop).
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.faults.delay) = delay;
    }

    /// Answers 200 with a body that is not JSON (but claims to be).
    pub fn set_malformed(&self, malformed: bool) {
        self.faults.malformed.store(malformed, Ordering::SeqCst);
    }

    /// Answers 500 with an empty body, as a server whose handler panicked does (tower-http's
    /// `CatchPanicLayer`).
    pub fn set_panic(&self, panic: bool) {
        self.faults.panic.store(panic, Ordering::SeqCst);
    }

    /// Answers every request with this HTTP status and a JSON error body; 200 restores normal answers.
    pub fn set_status(&self, status: u16) {
        self.faults.status.store(status, Ordering::SeqCst);
    }

    /// Answers with this `Cache-Control` header (none: the schema's own hints).
    pub fn set_cache_control(&self, value: Option<&str>) {
        *lock(&self.faults.cache_control) = value.map(str::to_owned);
    }

    /// Serves `GET /health` with this JSON document (none: 404, the default).
    pub fn set_health(&self, document: Option<Value>) {
        *lock(&self.faults.health) = document;
    }

    /// Stops accepting and drops every open connection, including requests in flight.
    pub fn kill(&self) {
        self.kill.send_replace(true);
    }
}

impl Drop for TestSubgraph {
    fn drop(&mut self) {
        self.kill();
    }
}

#[derive(Default)]
struct Faults {
    requests: Mutex<Vec<Value>>,
    headers: Mutex<Vec<HeaderMap>>,
    delay: Mutex<Duration>,
    malformed: AtomicBool,
    panic: AtomicBool,
    /// 0 and 200 both mean "answer normally".
    status: AtomicU16,
    cache_control: Mutex<Option<String>>,
    health: Mutex<Option<Value>>,
}

#[derive(Clone)]
struct AppState {
    subgraph: Subgraph,
    faults: Arc<Faults>,
    killed: watch::Receiver<bool>,
}

/// A subscription connection; it ends (the socket closes) when the server is killed.
async fn websocket(
    State(state): State<AppState>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::ws::WebSocketUpgrade,
) -> Response {
    let mut killed = state.killed.clone();
    let serve = state.subgraph.websocket.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            tokio::select! {
                _ = serve(socket, protocol) => {}
                _ = killed.wait_for(|killed| *killed) => {}
            }
        })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking test must not poison the log for the next assertion.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, router: Router, mut killed: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
            // Also ends when the handle is dropped (sender gone).
            _ = killed.wait_for(|killed| *killed) => return,
        };
        let service = TowerToHyperService::new(router.clone());
        let mut killed = killed.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            // Dropping the connection future closes the socket at once, mid-request or not.
            tokio::select! {
                _ = connection => {}
                _ = killed.wait_for(|killed| *killed) => {}
            }
        });
    }
}

/// The health document a test set, after the same delay as GraphQL answers.
async fn health(State(state): State<AppState>) -> Response {
    let delay = *lock(&state.faults.delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match lock(&state.faults.health).clone() {
        Some(document) => axum::Json(document).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn handle(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    lock(&state.faults.headers).push(headers);
    let parsed = serde_json::from_slice::<Value>(&body);
    lock(&state.faults.requests).push(match &parsed {
        Ok(value) => value.clone(),
        Err(_) => Value::String(String::from_utf8_lossy(&body).into_owned()),
    });

    let delay = *lock(&state.faults.delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let status = state.faults.status.load(Ordering::SeqCst);
    if status != 0 && status != 200 {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({ "errors": [{ "message": format!("injected HTTP status {}", status.as_u16()) }] });
        return (status, axum::Json(body)).into_response();
    }
    if state.faults.panic.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if state.faults.malformed.load(Ordering::SeqCst) {
        return (
            [(header::CONTENT_TYPE, "application/json")],
            "<html>this is not JSON",
        )
            .into_response();
    }

    let request = parsed.and_then(serde_json::from_value::<async_graphql::Request>);
    match request {
        Ok(request) => {
            let response = state.subgraph.execute(request).await;
            // As async-graphql-axum does: the schema's `cache_control` hints as a header,
            // unless a test set its own.
            let control = lock(&state.faults.cache_control)
                .clone()
                .or_else(|| response.cache_control.value());
            let mut answer = axum::Json(response).into_response();
            if let Some(value) = control.and_then(|c| header::HeaderValue::from_str(&c).ok()) {
                answer.headers_mut().insert(header::CACHE_CONTROL, value);
            }
            answer
        }
        Err(error) => (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "errors": [{ "message": format!("invalid request body: {error}") }] }),
            ),
        )
            .into_response(),
    }
}

/// Starts each subgraph on its own free port; panics if a port cannot be bound (test setup).
pub(crate) async fn start_all(subgraphs: Vec<Subgraph>) -> Vec<TestSubgraph> {
    let mut started = Vec::with_capacity(subgraphs.len());
    for subgraph in subgraphs {
        let name = subgraph.name().to_owned();
        started.push(
            subgraph
                .start()
                .await
                .unwrap_or_else(|error| panic!("cannot start subgraph {name}: {error}")),
        );
    }
    started
}

/// The started subgraph called `name`; panics if the set has none (test setup).
pub fn by_name<'a>(subgraphs: &'a [TestSubgraph], name: &str) -> &'a TestSubgraph {
    subgraphs
        .iter()
        .find(|subgraph| subgraph.name() == name)
        .unwrap_or_else(|| panic!("no subgraph named {name}"))
}
