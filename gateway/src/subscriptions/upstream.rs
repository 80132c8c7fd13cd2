//! One subscription to a subgraph over `graphql-transport-ws`, as a stream of events.

use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt, stream};
use serde_json::Value;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue},
};

use super::protocol::{Message, SUBPROTOCOL};

/// How long a subgraph may take to acknowledge the connection.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// What a subgraph subscription produces.
#[derive(Clone, Debug, PartialEq)]
pub enum UpstreamEvent {
    /// One result (a GraphQL response: `data`, `errors`), numbers as the subgraph wrote them.
    Next(crate::json::Value),
    /// The subgraph refused the operation (GraphQL errors); nothing follows.
    Error(Vec<Value>),
    /// The subgraph completed the operation; nothing follows.
    Complete,
    /// The connection failed or closed (the subgraph died or restarted); nothing follows.
    Lost(String),
}

/// Where and what to subscribe.
#[derive(Clone, Debug)]
pub struct UpstreamRequest {
    /// The subgraph's GraphQL URL (`http(s)://…`; the WebSocket URL is derived).
    pub url: String,
    /// `{query, variables}`.
    pub payload: Value,
    /// Headers of the upgrade request (shared credential, claims, request id).
    pub headers: Vec<(&'static str, String)>,
}

/// The WebSocket URL of an HTTP GraphQL endpoint.
pub fn websocket_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url.to_owned()
    }
}

fn lost(error: impl std::fmt::Display) -> UpstreamEvent {
    UpstreamEvent::Lost(error.to_string())
}

/// Opens the subscription; every outcome, a failure to connect included, is an event, and
/// the stream ends after the first terminal one.
pub(super) fn open(request: UpstreamRequest) -> impl Stream<Item = UpstreamEvent> + Send + 'static {
    stream::once(connect(request)).flat_map(|connected| match connected {
        Ok(socket) => events(socket).boxed(),
        Err(event) => stream::iter([event]).boxed(),
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(request: UpstreamRequest) -> Result<Socket, UpstreamEvent> {
    let url = websocket_url(&request.url);
    let mut upgrade = url.as_str().into_client_request().map_err(lost)?;
    upgrade.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    for (name, value) in &request.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            upgrade.headers_mut().insert(*name, value);
        }
    }
    let (mut socket, _) = connect_async(upgrade)
        .await
        .map_err(|e| lost(format!("cannot open a WebSocket to {url}: {e}")))?;
    send(&mut socket, &Message::ConnectionInit { payload: None }).await?;
    let acknowledged = tokio::time::timeout(ACK_TIMEOUT, async {
        loop {
            match read(&mut socket).await? {
                Incoming::Other(Message::ConnectionAck { .. }) => return Ok(()),
                Incoming::Other(Message::Ping { .. }) => {
                    send(&mut socket, &Message::Pong { payload: None }).await?
                }
                other => return Err(lost(format!("expected connection_ack, got {other:?}"))),
            }
        }
    })
    .await;
    match acknowledged {
        Ok(result) => result?,
        Err(_) => return Err(lost(format!("{url} did not acknowledge the connection"))),
    }
    send(
        &mut socket,
        &Message::Subscribe {
            id: "1".into(),
            payload: request.payload,
        },
    )
    .await?;
    Ok(socket)
}

async fn send(socket: &mut Socket, message: &Message) -> Result<(), UpstreamEvent> {
    socket
        .send(tungstenite::Message::text(message.to_text()))
        .await
        .map_err(lost)
}

/// A message from the subgraph.
#[derive(Debug)]
enum Incoming {
    /// A `next` message's payload, parsed with numbers kept as written.
    Next(crate::json::Value),
    /// Any other message.
    Other(Message),
}

fn incoming(text: &str) -> Result<Incoming, UpstreamEvent> {
    if let Ok(crate::json::Value::Object(mut message)) = crate::json::parse(text.as_bytes())
        && message.get("type").and_then(crate::json::Value::as_str) == Some("next")
        && let Some(payload) = message.shift_remove("payload")
    {
        return Ok(Incoming::Next(payload));
    }
    serde_json::from_str(text)
        .map(Incoming::Other)
        .map_err(|e| lost(format!("a malformed message from the subgraph: {e}")))
}

/// The next protocol message (control frames are handled by the socket itself).
async fn read(socket: &mut Socket) -> Result<Incoming, UpstreamEvent> {
    loop {
        match socket.next().await {
            None => return Err(lost("the subgraph closed the connection")),
            Some(Err(error)) => return Err(lost(error)),
            Some(Ok(tungstenite::Message::Close(frame))) => {
                let why = frame.map_or_else(String::new, |f| format!(": {} {}", f.code, f.reason));
                return Err(lost(format!("the subgraph closed the connection{why}")));
            }
            Some(Ok(tungstenite::Message::Text(text))) => {
                return incoming(&text);
            }
            Some(Ok(_)) => continue,
        }
    }
}

fn events(socket: Socket) -> impl Stream<Item = UpstreamEvent> + Send + 'static {
    stream::unfold(Some(socket), |socket| async move {
        let mut socket = socket?;
        loop {
            let event = match read(&mut socket).await {
                Ok(Incoming::Next(payload)) => {
                    return Some((UpstreamEvent::Next(payload), Some(socket)));
                }
                Ok(Incoming::Other(Message::Ping { .. })) => {
                    match send(&mut socket, &Message::Pong { payload: None }).await {
                        Ok(()) => continue,
                        Err(event) => event,
                    }
                }
                Ok(Incoming::Other(Message::Pong { .. })) => continue,
                Ok(Incoming::Other(Message::Error { payload, .. })) => {
                    UpstreamEvent::Error(payload)
                }
                Ok(Incoming::Other(Message::Complete { .. })) => UpstreamEvent::Complete,
                Ok(other) => lost(format!(
                    "an unexpected message from the subgraph: {other:?}"
                )),
                Err(event) => event,
            };
            // Terminal: say goodbye politely where the socket still works, then end.
            let _ = socket.close(None).await;
            return Some((event, None));
        }
    })
}
