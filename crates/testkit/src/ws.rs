//! A `graphql-transport-ws` client for tests: a real WebSocket connection, as browsers and
//! the gateway open them.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// One open `graphql-transport-ws` connection.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl WsClient {
    /// Connects to `url` (`ws://…/graphql`) and completes `connection_init` with `payload`.
    pub async fn connect(url: &str, payload: Value) -> Result<Self> {
        Self::connect_with_headers(url, &[], payload).await
    }

    /// As [`WsClient::connect`], with extra headers on the upgrade request (what the
    /// gateway sends a subgraph: its credential and the caller's claims).
    pub async fn connect_with_headers(
        url: &str,
        headers: &[(&'static str, String)],
        payload: Value,
    ) -> Result<Self> {
        let mut request = url.into_client_request()?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(*name, HeaderValue::from_str(value)?);
        }
        let (socket, _) = connect_async(request)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let mut client = Self { socket };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await?;
        match client.message(Duration::from_secs(10)).await? {
            Some(ack) if ack["type"] == "connection_ack" => Ok(client),
            other => bail!("expected connection_ack, got {other:?}"),
        }
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, message: Value) -> Result<()> {
        self.socket.send(Message::text(message.to_string())).await?;
        Ok(())
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) -> Result<()> {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables }
        }))
        .await
    }

    /// The next protocol message within `wait` (pings are answered, not returned); `None`
    /// when nothing came or the connection closed.
    pub async fn message(&mut self, wait: Duration) -> Result<Option<Value>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return Ok(None);
            };
            match frame {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(error)) => return Err(error.into()),
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text)?;
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await?;
                        continue;
                    }
                    return Ok(Some(value));
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The `payload` of the next `next` message of any operation within `wait`.
    pub async fn next_payload(&mut self, wait: Duration) -> Result<Option<Value>> {
        match self.message(wait).await? {
            Some(message) if message["type"] == "next" => Ok(Some(message["payload"].clone())),
            Some(other) => bail!("expected a next message, got {other}"),
            None => Ok(None),
        }
    }
}
