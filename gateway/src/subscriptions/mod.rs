//! Federated subscriptions: the root field runs as a subscription on its subgraph over
//! `graphql-transport-ws` (shared between identical client subscriptions), and every event
//! is completed with the fields other subgraphs own through the rest of the query plan,
//! batched `_entities` fetches included, before it reaches the client.

mod fanout;
mod hub;
mod live;
pub mod protocol;
mod request;
mod upstream;

pub use fanout::{Fanout, StreamKey};
pub use hub::{Hub, payload};
pub use upstream::{UpstreamEvent, UpstreamRequest, websocket_url};
