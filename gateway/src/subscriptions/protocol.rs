//! The `graphql-transport-ws` messages (both directions), as the protocol defines them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The WebSocket subprotocol name.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// One protocol message.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Client → server, first: authentication and other parameters.
    ConnectionInit {
        /// Anything the client sends (`{"Authorization": "Bearer …"}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Map<String, Value>>,
    },
    /// Server → client: the connection is accepted.
    ConnectionAck {
        /// Optional parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Value>,
    },
    /// Either way: are you there?
    Ping {
        /// Optional parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Value>,
    },
    /// Either way: the answer to a ping.
    Pong {
        /// Optional parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Value>,
    },
    /// Client → server: run an operation under `id`.
    Subscribe {
        /// Unique among the connection's running operations.
        id: String,
        /// `{query, operationName?, variables?, extensions?}`.
        payload: Value,
    },
    /// Server → client: one result of `id`.
    Next {
        /// The operation.
        id: String,
        /// A GraphQL response.
        payload: Value,
    },
    /// Server → client: `id` failed before executing (validation…); it is over.
    Error {
        /// The operation.
        id: String,
        /// GraphQL errors.
        payload: Vec<Value>,
    },
    /// Either way: `id` is over (no more `next`), or the client stops it.
    Complete {
        /// The operation.
        id: String,
    },
}

impl Message {
    /// As a text frame.
    pub fn to_text(&self) -> String {
        // Serialising these enums of JSON values cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Close codes the protocol defines.
pub mod close {
    /// A message the protocol does not allow, or malformed.
    pub const INVALID_MESSAGE: u16 = 4400;
    /// `subscribe` before `connection_ack`.
    pub const UNAUTHORIZED: u16 = 4401;
    /// `connection_init` refused (bad token).
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// An `id` already running.
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    /// A second `connection_init`.
    pub const TOO_MANY_INIT: u16 = 4429;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn messages_read_and_write_the_protocols_json() {
        let subscribe: Message = serde_json::from_value(json!({
            "id": "1", "type": "subscribe", "payload": { "query": "subscription { x }" }
        }))
        .expect("subscribe");
        assert_eq!(
            subscribe,
            Message::Subscribe {
                id: "1".into(),
                payload: json!({ "query": "subscription { x }" })
            }
        );
        assert_eq!(
            Message::ConnectionAck { payload: None }.to_text(),
            r#"{"type":"connection_ack"}"#
        );
        assert_eq!(
            Message::Complete { id: "9".into() }.to_text(),
            r#"{"type":"complete","id":"9"}"#
        );
        assert!(serde_json::from_str::<Message>(r#"{"type":"nope"}"#).is_err());
    }
}
