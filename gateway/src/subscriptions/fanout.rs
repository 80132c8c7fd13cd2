//! One running stream shared by every client asking the same thing (an upstream
//! subscription, or the completed events of identical client subscriptions), sent to each
//! through a bounded buffer. A client further behind than the buffer gets a last `lagged`
//! item and its stream ends rather than letting memory grow; the shared stream stops when
//! its last client leaves. A stream that has sent its last item takes no new clients.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use futures::{Stream, StreamExt, stream::BoxStream};
use tokio::{sync::broadcast, task::JoinHandle};

/// Identifies a shared stream: an index (subgraph, or plan address kept alive by the
/// stream), the request or variables as JSON text, and the caller's claims (never shared
/// across callers).
pub type StreamKey = (usize, String, Option<String>);

/// One running shared stream: items with whether each is the last; `None` when the source
/// ended without saying.
struct Running<T> {
    sender: broadcast::Sender<Option<(T, bool)>>,
    /// Set before the last item is sent: clients joining later must start a new stream.
    ended: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl<T> Drop for Running<T> {
    fn drop(&mut self) {
        // The last client left: stop the source (closing an upstream's WebSocket).
        self.task.abort();
    }
}

/// The shared streams of one kind.
pub struct Fanout<T> {
    running: Mutex<HashMap<StreamKey, Weak<Running<T>>>>,
    buffer: usize,
}

impl<T: Clone + Send + Sync + 'static> Fanout<T> {
    /// Shared streams buffering at most `buffer` items for their slowest client.
    pub fn new(buffer: usize) -> Self {
        Self {
            running: Mutex::default(),
            buffer: buffer.max(1),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<StreamKey, Weak<Running<T>>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Shared streams running now.
    pub fn running(&self) -> usize {
        self.table()
            .values()
            .filter_map(Weak::upgrade)
            .filter(|s| !s.ended.load(Ordering::SeqCst))
            .count()
    }

    /// Joins the stream for `key`, starting it from `start` (items and whether each is the
    /// last) if none runs; `lagged` is what a client that fell behind gets last.
    pub fn join(
        &self,
        key: StreamKey,
        start: impl FnOnce() -> BoxStream<'static, (T, bool)>,
        lagged: impl Fn(u64) -> T + Send + 'static,
    ) -> BoxStream<'static, T> {
        let mut running = self.table();
        running.retain(|_, s| s.upgrade().is_some_and(|s| !s.ended.load(Ordering::SeqCst)));
        let shared = match running.get(&key).and_then(Weak::upgrade) {
            Some(shared) if !shared.ended.load(Ordering::SeqCst) => shared,
            _ => {
                let (sender, _) = broadcast::channel(self.buffer);
                let ended = Arc::new(AtomicBool::new(false));
                let (items, ending) = (sender.clone(), ended.clone());
                let mut source = start();
                let task = tokio::spawn(async move {
                    while let Some((item, last)) = source.next().await {
                        if last {
                            ending.store(true, Ordering::SeqCst);
                        }
                        // No client left is fine: the last one is leaving and aborts us.
                        let _ = items.send(Some((item, last)));
                        if last {
                            return;
                        }
                    }
                    ending.store(true, Ordering::SeqCst);
                    let _ = items.send(None);
                });
                let shared = Arc::new(Running {
                    sender,
                    ended,
                    task,
                });
                running.insert(key, Arc::downgrade(&shared));
                shared
            }
        };
        let receiver = shared.sender.subscribe();
        drop(running);
        client(shared, receiver, lagged).boxed()
    }
}

/// One client's stream of a shared one (holding it alive), ending after the last item.
fn client<T: Clone + Send + Sync + 'static>(
    shared: Arc<Running<T>>,
    receiver: broadcast::Receiver<Option<(T, bool)>>,
    lagged: impl Fn(u64) -> T + Send + 'static,
) -> impl Stream<Item = T> + Send + 'static {
    futures::stream::unfold(Some((shared, receiver, lagged)), |state| async move {
        let (shared, mut receiver, lagged) = state?;
        match receiver.recv().await {
            Ok(Some((item, last))) => Some((item, (!last).then_some((shared, receiver, lagged)))),
            Ok(None) | Err(broadcast::error::RecvError::Closed) => None,
            Err(broadcast::error::RecvError::Lagged(skipped)) => Some((lagged(skipped), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> StreamKey {
        (n, "{}".into(), None)
    }

    fn source(
        mut rx: tokio::sync::mpsc::UnboundedReceiver<(u32, bool)>,
    ) -> BoxStream<'static, (u32, bool)> {
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
    }

    #[tokio::test]
    async fn identical_clients_share_one_source_and_each_gets_every_item() {
        let fanout = Fanout::new(16);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut a = fanout.join(key(1), move || source(rx), |_| 0);
        let mut b = fanout.join(key(1), || unreachable!("shared"), |_| 0);
        assert_eq!(fanout.running(), 1);
        tx.send((1, false)).expect("send");
        drop(tx);
        assert_eq!(a.next().await, Some(1));
        assert_eq!(b.next().await, Some(1));
        assert_eq!(a.next().await, None, "the end reaches every client");
        assert_eq!(b.next().await, None);
    }

    #[tokio::test]
    async fn the_last_item_ends_every_client_and_a_new_client_starts_anew() {
        let fanout = Fanout::new(16);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut a = fanout.join(key(3), move || source(rx), |_| 0);
        tx.send((7, true)).expect("send");
        assert_eq!(a.next().await, Some(7));
        assert_eq!(a.next().await, None, "nothing after the last item");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut b = fanout.join(key(3), move || source(rx), |_| 0);
        tx.send((8, false)).expect("send");
        assert_eq!(b.next().await, Some(8), "a stream of its own");
    }

    #[tokio::test]
    async fn a_client_behind_the_buffer_is_ended_with_the_lagged_item() {
        let fanout = Fanout::new(2);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut slow = fanout.join(
            key(2),
            move || source(rx),
            |n| 1000 + u32::try_from(n).unwrap_or(0),
        );
        for n in 0..10 {
            tx.send((n, false)).expect("send");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let last = slow.next().await.expect("an item");
        assert!(last > 1000, "{last}");
        assert_eq!(slow.next().await, None);
    }
}
