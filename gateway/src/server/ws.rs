//! GraphQL over WebSocket (`graphql-transport-ws`) on `/graphql`: authentication on
//! `connection_init`, keep-alive pings, per-connection and global subscription limits,
//! every operation type (subscriptions stream, the rest answer once), and a clean close
//! when the gateway shuts down.

use crate::executor::incremental::IncrementalFormat;
use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use axum::{
    extract::ws::{CloseFrame, Message as Frame, Utf8Bytes, WebSocket, WebSocketUpgrade},
    http::HeaderMap,
    response::Response,
};
use futures::{SinkExt, StreamExt, stream::SplitSink};
use serde_json::{Value, json};
use tokio::{sync::mpsc, task::JoinHandle};

use super::{AppState, http::options};
use crate::{
    auth::Claims,
    config::SubscriptionsConfig,
    pipeline::{GraphqlRequest, HttpMethod},
    subscriptions::protocol::{Message, SUBPROTOCOL, close},
};

/// Subscription limits and timings.
#[derive(Clone, Copy, Debug)]
pub struct WsSettings {
    /// Operations one connection may run at once.
    pub max_per_connection: usize,
    /// Subscriptions the gateway runs at once, all connections together.
    pub max_total: usize,
    /// How often the server pings; a client silent for three intervals is closed.
    pub keepalive: Duration,
    /// How long a client has to send `connection_init`.
    pub init_timeout: Duration,
}

impl From<&SubscriptionsConfig> for WsSettings {
    fn from(config: &SubscriptionsConfig) -> Self {
        Self {
            max_per_connection: config.max_per_connection,
            max_total: config.max_total,
            keepalive: Duration::from_secs(config.keepalive_secs),
            init_timeout: Duration::from_secs(config.init_timeout_secs),
        }
    }
}

/// Bytes a connection reads (and gathers for writing) at a time.
const READ_BUFFER: usize = 4 * 1024;

/// Accepts the upgrade with the `graphql-transport-ws` subprotocol.
pub(crate) fn upgrade(
    state: Arc<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols([SUBPROTOCOL])
        // Clients send little (init, subscribe, pong): tungstenite's default 128 KiB read
        // buffer per connection would dominate the memory of an open subscription. Larger
        // messages still arrive, in more reads.
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| connection(state, headers, socket))
}

type Sink = SplitSink<WebSocket, Frame>;

async fn send(sink: &mut Sink, message: &Message) -> bool {
    sink.send(Frame::Text(Utf8Bytes::from(message.to_text())))
        .await
        .is_ok()
}

async fn close_with(sink: &mut Sink, code: u16, reason: &str) {
    let _ = sink
        .send(Frame::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(reason.to_owned()),
        })))
        .await;
}

/// The token of a `connection_init` payload: `Authorization`/`authorization` (with or
/// without `Bearer`) or `token`.
fn authorization(payload: Option<&serde_json::Map<String, Value>>) -> Option<String> {
    let payload = payload?;
    let value = ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(Value::as_str))?;
    Some(if value.starts_with("Bearer ") {
        value.to_owned()
    } else {
        format!("Bearer {value}")
    })
}

/// One client connection, from `connection_init` to close.
async fn connection(state: Arc<AppState>, headers: HeaderMap, socket: WebSocket) {
    let settings = state.ws;
    let (mut sink, mut stream) = socket.split();
    let mut shutdown = state.shutdown.subscribe();
    // connection_init first, within the timeout.
    let init = tokio::time::timeout(settings.init_timeout, stream.next()).await;
    let payload = match init {
        Ok(Some(Ok(Frame::Text(text)))) => match serde_json::from_str::<Message>(&text) {
            Ok(Message::ConnectionInit { payload }) => payload,
            Ok(Message::Subscribe { .. }) => {
                return close_with(&mut sink, close::UNAUTHORIZED, "Unauthorized").await;
            }
            _ => {
                return close_with(
                    &mut sink,
                    close::INVALID_MESSAGE,
                    "expected connection_init",
                )
                .await;
            }
        },
        Ok(_) => return,
        Err(_) => {
            return close_with(
                &mut sink,
                close::INIT_TIMEOUT,
                "Connection initialisation timeout",
            )
            .await;
        }
    };
    let engine = state.engine();
    // The token in connection_init, else the upgrade request's Authorization header.
    let authorization = authorization(payload.as_ref()).or_else(|| {
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let claims: Option<Claims> = match engine.authenticate(authorization.as_deref()).await {
        Ok(claims) => claims,
        Err(error) => return close_with(&mut sink, close::FORBIDDEN, &error.to_string()).await,
    };
    if !send(&mut sink, &Message::ConnectionAck { payload: None }).await {
        return;
    }
    // Operations send their messages here; this loop alone writes to the socket.
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(64);
    let mut running: HashMap<String, JoinHandle<()>> = HashMap::new();
    let mut ping = tokio::time::interval(settings.keepalive);
    ping.tick().await;
    let mut silent_intervals = 0u32;
    loop {
        tokio::select! {
            frame = stream.next() => {
                let text = match frame {
                    Some(Ok(Frame::Text(text))) => text,
                    Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => { silent_intervals = 0; continue; }
                };
                silent_intervals = 0;
                let message = match serde_json::from_str::<Message>(&text) {
                    Ok(message) => message,
                    Err(_) => {
                        close_with(&mut sink, close::INVALID_MESSAGE, "invalid message").await;
                        break;
                    }
                };
                match message {
                    Message::Ping { .. } => {
                        if !send(&mut sink, &Message::Pong { payload: None }).await { break; }
                    }
                    Message::Pong { .. } => {}
                    Message::ConnectionInit { .. } => {
                        close_with(&mut sink, close::TOO_MANY_INIT, "Too many initialisation requests").await;
                        break;
                    }
                    Message::Subscribe { id, payload } => {
                        running.retain(|_, task| !task.is_finished());
                        if running.contains_key(&id) {
                            close_with(&mut sink, close::SUBSCRIBER_EXISTS, &format!("Subscriber for {id} already exists")).await;
                            break;
                        }
                        if running.len() >= settings.max_per_connection {
                            let refused = limit_error(id, format!("this connection already runs {} operations, the most allowed", settings.max_per_connection));
                            if !send(&mut sink, &refused).await { break; }
                            continue;
                        }
                        let task = tokio::spawn(operation(state.clone(), headers.clone(), claims.clone(), id.clone(), payload, out_tx.clone()));
                        running.insert(id, task);
                    }
                    Message::Complete { id } => {
                        if let Some(task) = running.remove(&id) { task.abort(); }
                    }
                    _ => {
                        close_with(&mut sink, close::INVALID_MESSAGE, "a message only servers send").await;
                        break;
                    }
                }
            }
            Some(message) = out_rx.recv() => {
                if !send(&mut sink, &message).await { break; }
            }
            _ = ping.tick() => {
                silent_intervals += 1;
                if silent_intervals > 3 {
                    close_with(&mut sink, close::INVALID_MESSAGE, "no answer to pings").await;
                    break;
                }
                if !send(&mut sink, &Message::Ping { payload: None }).await { break; }
            }
            () = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                for id in running.keys() {
                    let _ = send(&mut sink, &Message::Complete { id: id.clone() }).await;
                }
                close_with(&mut sink, 1001, "the gateway is shutting down").await;
                break;
            }
        }
    }
    for task in running.into_values() {
        task.abort();
    }
}

fn limit_error(id: String, message: String) -> Message {
    Message::Error {
        id,
        payload: vec![
            json!({ "message": message, "extensions": { "code": "SUBSCRIPTION_LIMIT" } }),
        ],
    }
}

/// Counts a running subscription toward the global limit while it lives.
struct Slot(Arc<AppState>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs one operation of a connection, sending its results to `out`.
async fn operation(
    state: Arc<AppState>,
    headers: HeaderMap,
    claims: Option<Claims>,
    id: String,
    payload: Value,
    out: mpsc::Sender<Message>,
) {
    let request: GraphqlRequest = match serde_json::from_value(payload) {
        Ok(request) => request,
        Err(error) => {
            let payload = vec![
                json!({ "message": format!("the payload is not a GraphQL request: {error}"), "extensions": { "code": "BAD_REQUEST" } }),
            ];
            let _ = out.send(Message::Error { id, payload }).await;
            return;
        }
    };
    if state.subscriptions.fetch_add(1, Ordering::SeqCst) >= state.ws.max_total {
        state.subscriptions.fetch_sub(1, Ordering::SeqCst);
        let refused = limit_error(
            id,
            format!(
                "the gateway already runs {} subscriptions, the most allowed",
                state.ws.max_total
            ),
        );
        let _ = out.send(refused).await;
        return;
    }
    let _slot = Slot(state.clone());
    let engine = state.engine();
    let mut options = options(&headers, HttpMethod::Streaming, claims);
    options.incremental = Some(IncrementalFormat::Rfc);
    match engine.subscribe(&request, &options).await {
        Err(refused) => {
            let body: Value = serde_json::from_slice(&refused.body).unwrap_or_default();
            let payload = body["errors"].as_array().cloned().unwrap_or_default();
            let _ = out.send(Message::Error { id, payload }).await;
        }
        Ok(mut responses) => {
            while let Some(body) = responses.next().await {
                let payload: Value = serde_json::from_slice(&body).unwrap_or_default();
                // The socket's buffer is full only for a client that stopped reading:
                // waiting here holds this subscription, and its upstream buffer drops it.
                if out
                    .send(Message::Next {
                        id: id.clone(),
                        payload,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            let _ = out.send(Message::Complete { id }).await;
        }
    }
}
