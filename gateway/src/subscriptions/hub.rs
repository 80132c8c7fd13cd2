//! Upstream subscriptions shared by every client asking the same thing: one WebSocket per
//! distinct (subgraph, operation, variables, caller), fanned out to its clients through a
//! bounded buffer ([`Fanout`]). A client that falls more than the buffer behind is ended
//! with `Lost` rather than letting memory grow; the upstream closes when its last client
//! leaves.

use std::sync::Arc;

use futures::{StreamExt, stream::BoxStream};
use serde_json::Value;

use super::{
    fanout::Fanout,
    upstream::{self, UpstreamEvent, UpstreamRequest},
};

/// The upstream subscriptions of one engine.
pub struct Hub(Fanout<Arc<UpstreamEvent>>);

impl Hub {
    /// A hub whose upstreams buffer at most `buffer` events for their slowest client.
    pub fn new(buffer: usize) -> Self {
        Self(Fanout::new(buffer))
    }

    /// Upstream subscriptions running now.
    pub fn upstreams(&self) -> usize {
        self.0.running()
    }

    /// The events of the upstream subscription for `request` to subgraph `subgraph` on
    /// behalf of `claims`, opening it if none runs; they end after a terminal one.
    pub fn join(
        &self,
        subgraph: usize,
        request: UpstreamRequest,
        claims: Option<String>,
    ) -> BoxStream<'static, Arc<UpstreamEvent>> {
        let key = (subgraph, request.payload.to_string(), claims);
        let start = move || {
            upstream::open(request)
                .map(|event| {
                    let last = !matches!(event, UpstreamEvent::Next(_));
                    (Arc::new(event), last)
                })
                .boxed()
        };
        let lagged = |skipped| {
            Arc::new(UpstreamEvent::Lost(format!(
                "the client fell {skipped} events behind and was unsubscribed (it reads \
                 slower than events arrive)"
            )))
        };
        self.0.join(key, start, lagged)
    }
}

/// The `{query, variables}` payload of an upstream subscription.
pub fn payload(query: &str, variables: serde_json::Map<String, Value>) -> Value {
    serde_json::json!({ "query": query, "variables": variables })
}
