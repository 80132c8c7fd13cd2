//! A `graphql-transport-ws` client: a real WebSocket connection, as browsers open them.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// One open connection.
pub(crate) struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// How a connection ended.
#[derive(Debug, PartialEq)]
pub(crate) enum Event {
    /// A protocol message.
    Message(Value),
    /// Closed, with this code.
    Closed(Option<u16>),
    /// Nothing within the wait.
    Silence,
}

impl WsClient {
    /// Opens a WebSocket to `url` (no `connection_init` yet).
    pub(crate) async fn open(url: &str) -> Self {
        let mut request = url.into_client_request().expect("ws url");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, response) = connect_async(request).await.expect("websocket");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        Self { socket }
    }

    /// Opens and initialises with `payload`; panics unless acknowledged.
    pub(crate) async fn connect(url: &str, payload: Value) -> Self {
        let mut client = Self::open(url).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.event(Duration::from_secs(10)).await {
            Event::Message(ack) if ack["type"] == "connection_ack" => client,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub(crate) async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send");
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } }))
            .await;
    }

    /// The next message (pings answered), close or silence within `wait`.
    pub(crate) async fn event(&mut self, wait: Duration) -> Event {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return Event::Silence;
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("json message");
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Event::Message(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Event::Closed(frame.map(|f| u16::from(f.code)));
                }
                None | Some(Err(_)) => return Event::Closed(None),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next message, which must come within `wait`.
    pub(crate) async fn message(&mut self, wait: Duration) -> Value {
        match self.event(wait).await {
            Event::Message(message) => message,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}
