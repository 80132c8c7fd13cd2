//! Completed subscription events shared by identical client subscriptions: the same plan,
//! variables and caller get the same bytes, so each event is completed (entity fetches,
//! projection, serialisation) once and sent to every such client through a bounded buffer.
//! A client further behind than the buffer gets `lagged` and its stream ends; the shared
//! stream stops when its last client leaves.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicBool, Ordering},
    },
};

use bytes::Bytes;
use futures::{Stream, StreamExt, stream::BoxStream};
use tokio::{sync::broadcast, task::JoinHandle};

/// Identifies a completed stream: the plan (by address, kept alive by the stream), the
/// variables as JSON text, and the caller's claims.
pub type CompletionKey = (usize, String, Option<String>);

/// One running shared stream. `None` on the channel marks its end.
struct Shared {
    sender: broadcast::Sender<Option<Bytes>>,
    ended: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last client left: stop completing (and leave the upstream).
        self.task.abort();
    }
}

/// The shared completed streams of one engine.
pub struct Fanout {
    running: Mutex<HashMap<CompletionKey, Weak<Shared>>>,
    buffer: usize,
}

impl Fanout {
    /// Shared streams buffering at most `buffer` events for their slowest client.
    pub fn new(buffer: usize) -> Self {
        Self {
            running: Mutex::default(),
            buffer: buffer.max(1),
        }
    }

    /// Shared streams running now.
    pub fn running(&self) -> usize {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running
            .values()
            .filter_map(Weak::upgrade)
            .filter(|s| !s.ended.load(Ordering::SeqCst))
            .count()
    }

    /// Joins the stream for `key`, starting it from `start` if none runs; `lagged` is what
    /// a client that fell behind gets last.
    pub fn join(
        &self,
        key: CompletionKey,
        start: impl FnOnce() -> BoxStream<'static, Bytes>,
        lagged: impl Fn(u64) -> Bytes + Send + 'static,
    ) -> BoxStream<'static, Bytes> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|_, s| s.upgrade().is_some_and(|s| !s.ended.load(Ordering::SeqCst)));
        let shared = match running.get(&key).and_then(Weak::upgrade) {
            Some(shared) if !shared.ended.load(Ordering::SeqCst) => shared,
            _ => {
                let (sender, _) = broadcast::channel(self.buffer);
                let ended = Arc::new(AtomicBool::new(false));
                let (events, ending) = (sender.clone(), ended.clone());
                let mut source = start();
                let task = tokio::spawn(async move {
                    while let Some(body) = source.next().await {
                        // No client left is fine: the last one is leaving and aborts us.
                        let _ = events.send(Some(body));
                    }
                    ending.store(true, Ordering::SeqCst);
                    let _ = events.send(None);
                });
                let shared = Arc::new(Shared {
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

/// One client's stream of a shared one (holding it alive).
fn client(
    shared: Arc<Shared>,
    receiver: broadcast::Receiver<Option<Bytes>>,
    lagged: impl Fn(u64) -> Bytes + Send + 'static,
) -> impl Stream<Item = Bytes> + Send + 'static {
    futures::stream::unfold(Some((shared, receiver, lagged)), |state| async move {
        let (shared, mut receiver, lagged) = state?;
        match receiver.recv().await {
            Ok(Some(body)) => Some((body, Some((shared, receiver, lagged)))),
            Ok(None) | Err(broadcast::error::RecvError::Closed) => None,
            Err(broadcast::error::RecvError::Lagged(skipped)) => Some((lagged(skipped), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> CompletionKey {
        (n, "{}".into(), None)
    }

    #[tokio::test]
    async fn identical_clients_share_one_source_and_each_gets_every_item() {
        let fanout = Fanout::new(16);
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let source = {
            let started = started.clone();
            move || {
                started.fetch_add(1, Ordering::SeqCst);
                tokio_stream(rx)
            }
        };
        let mut a = fanout.join(key(1), source, |_| Bytes::from_static(b"lagged"));
        let mut b = fanout.join(
            key(1),
            || unreachable!("shared"),
            |_| Bytes::from_static(b"lagged"),
        );
        tx.send(Bytes::from_static(b"1")).expect("send");
        drop(tx);
        assert_eq!(a.next().await.as_deref(), Some(&b"1"[..]));
        assert_eq!(b.next().await.as_deref(), Some(&b"1"[..]));
        assert_eq!(a.next().await, None, "the end reaches every client");
        assert_eq!(b.next().await, None);
        assert_eq!(started.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_client_behind_the_buffer_is_ended_with_the_lagged_item() {
        let fanout = Fanout::new(2);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let mut slow = fanout.join(
            key(2),
            move || tokio_stream(rx),
            |n| Bytes::from(format!("lagged {n}")),
        );
        for n in 0..10 {
            tx.send(Bytes::from(n.to_string())).expect("send");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let last = slow.next().await.expect("an item");
        assert!(last.starts_with(b"lagged"), "{last:?}");
        assert_eq!(slow.next().await, None);
    }

    fn tokio_stream(
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Bytes>,
    ) -> BoxStream<'static, Bytes> {
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
    }
}
