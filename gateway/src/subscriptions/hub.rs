//! Upstream subscriptions shared by every client asking the same thing: one WebSocket per
//! distinct (subgraph, operation, variables, caller), fanned out to its clients through a
//! bounded buffer. A client that falls more than the buffer behind is ended with an error
//! rather than letting memory grow; the upstream closes when its last client leaves.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use futures::{Stream, StreamExt, stream};
use serde_json::Value;
use tokio::{sync::broadcast, task::JoinHandle};

use super::upstream::{self, UpstreamEvent, UpstreamRequest};

/// Identifies an upstream subscription: subgraph index, `{query, variables}` as text, and
/// the caller's claims (never shared across callers).
type Key = (usize, String, Option<String>);

/// One running upstream subscription.
struct Upstream {
    sender: broadcast::Sender<Arc<UpstreamEvent>>,
    /// Set before its last event: clients joining later must open a new one.
    ended: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        // The last client left: close the subgraph's WebSocket.
        self.task.abort();
    }
}

/// The upstream subscriptions of one engine.
pub struct Hub {
    running: Mutex<HashMap<Key, Weak<Upstream>>>,
    buffer: usize,
}

/// A client's view of an upstream subscription.
pub struct Feed {
    upstream: Arc<Upstream>,
    receiver: broadcast::Receiver<Arc<UpstreamEvent>>,
}

fn lock(
    table: &Mutex<HashMap<Key, Weak<Upstream>>>,
) -> std::sync::MutexGuard<'_, HashMap<Key, Weak<Upstream>>> {
    table.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    /// A hub whose upstreams buffer at most `buffer` events for their slowest client.
    pub fn new(buffer: usize) -> Self {
        Self {
            running: Mutex::default(),
            buffer: buffer.max(1),
        }
    }

    /// Upstream subscriptions running now.
    pub fn upstreams(&self) -> usize {
        lock(&self.running)
            .values()
            .filter_map(Weak::upgrade)
            .filter(|u| !u.ended.load(Ordering::SeqCst))
            .count()
    }

    /// Joins the upstream subscription for `request` to subgraph `subgraph` on behalf of
    /// `claims`, opening it if none runs.
    pub fn join(&self, subgraph: usize, request: UpstreamRequest, claims: Option<String>) -> Feed {
        let key: Key = (subgraph, request.payload.to_string(), claims);
        let mut running = lock(&self.running);
        running.retain(|_, upstream| {
            upstream
                .upgrade()
                .is_some_and(|u| !u.ended.load(Ordering::SeqCst))
        });
        if let Some(upstream) = running.get(&key).and_then(Weak::upgrade)
            && !upstream.ended.load(Ordering::SeqCst)
        {
            let receiver = upstream.sender.subscribe();
            return Feed { upstream, receiver };
        }
        let (sender, receiver) = broadcast::channel(self.buffer);
        let events = sender.clone();
        let ended = Arc::new(AtomicBool::new(false));
        let ending = ended.clone();
        let task = tokio::spawn(async move {
            let mut upstream = Box::pin(upstream::open(request));
            while let Some(event) = upstream.next().await {
                let terminal = !matches!(event, UpstreamEvent::Next(_));
                if terminal {
                    ending.store(true, Ordering::SeqCst);
                }
                // No receiver left is fine: the last client is leaving and aborts us.
                let _ = events.send(Arc::new(event));
                if terminal {
                    return;
                }
            }
            ending.store(true, Ordering::SeqCst);
        });
        let upstream = Arc::new(Upstream {
            sender,
            ended,
            task,
        });
        running.insert(key, Arc::downgrade(&upstream));
        Feed { upstream, receiver }
    }
}

impl Feed {
    /// The events, ending after a terminal one; a client that fell more than the buffer
    /// behind gets `Lost` instead of the events it missed.
    pub fn events(self) -> impl Stream<Item = Arc<UpstreamEvent>> + Send + 'static {
        stream::unfold(Some(self), |feed| async move {
            let mut feed = feed?;
            match feed.receiver.recv().await {
                Ok(event) => {
                    let terminal = !matches!(*event, UpstreamEvent::Next(_));
                    Some((event, (!terminal).then_some(feed)))
                }
                Err(broadcast::error::RecvError::Lagged(skipped)) => Some((
                    Arc::new(UpstreamEvent::Lost(format!(
                        "the client fell {skipped} events behind and was unsubscribed (it reads \
                         slower than events arrive)"
                    ))),
                    None,
                )),
                Err(broadcast::error::RecvError::Closed) => {
                    drop(feed.upstream);
                    None
                }
            }
        })
    }
}

/// The `{query, variables}` payload of an upstream subscription.
pub fn payload(query: &str, variables: serde_json::Map<String, Value>) -> Value {
    serde_json::json!({ "query": query, "variables": variables })
}
