//! The in-process bus of embedded mode: Redis Streams semantics on tokio primitives.
//!
//! Messages live in one bounded buffer shared by all groups. A group reads it with its own
//! cursor; a delivered message stays pending for the group until acknowledged. Pending
//! messages are handed out again once idle longer than `claim_idle`, or at once when
//! their member's [`Subscription`] is dropped. When the buffer is full, the oldest message
//! every group has acknowledged is dropped; if there is none, `publish` waits (up to
//! `publish_timeout`) instead of losing a message: the relay then retries from the outbox.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use async_trait::async_trait;
use futures::{StreamExt, stream::BoxStream};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::stats::{BusStats, GroupStats},
};
use tokio::{
    sync::{Notify, broadcast::error::RecvError},
    time::Instant,
};

/// Messages a tail may fall behind before it skips the oldest.
const TAIL_CAPACITY: usize = 4096;

use crate::{
    bus::{Delivery, EventBus, Subscription},
    error::BusError,
};

/// Settings of the in-process bus.
#[derive(Clone, Debug)]
pub struct InProcessOptions {
    /// Most messages kept (delivered or not).
    pub capacity: usize,
    /// How long a message may stay unacknowledged before another delivery.
    pub claim_idle: Duration,
    /// How long `next_batch` waits for messages.
    pub block: Duration,
    /// How long `publish` waits for room in a full buffer.
    pub publish_timeout: Duration,
}

impl Default for InProcessOptions {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            claim_idle: Duration::from_secs(30),
            block: Duration::from_secs(1),
            publish_timeout: Duration::from_secs(5),
        }
    }
}

/// The in-process bus; clones share the same buffer.
#[derive(Clone)]
pub struct InProcessBus {
    shared: Arc<Shared>,
}

struct Shared {
    options: InProcessOptions,
    state: Mutex<State>,
    /// New messages, or pending ones freed by a dropped member.
    readable: Notify,
    /// Acknowledgements, which may free room in the buffer.
    room: Notify,
    /// Every published message, for tails.
    live: tokio::sync::broadcast::Sender<Arc<EventEnvelope>>,
}

#[derive(Default)]
struct State {
    /// Retained messages; `entries[i]` has sequence number `first_seq + i`.
    entries: VecDeque<Entry>,
    first_seq: u64,
    groups: HashMap<String, Group>,
    next_member: u64,
    /// Messages dropped to make room (every group had acknowledged them).
    trimmed: u64,
}

struct Entry {
    event: Arc<EventEnvelope>,
    /// When it was published (for the age of what a group has not acknowledged).
    at: Instant,
}

struct Group {
    /// Next sequence number never delivered to this group.
    cursor: u64,
    pending: BTreeMap<u64, Pending>,
    /// Members subscribed now.
    members: u64,
}

struct Pending {
    member: u64,
    since: Instant,
    /// The member was dropped: deliver again without waiting.
    orphaned: bool,
}

impl State {
    fn next_seq(&self) -> u64 {
        self.first_seq + self.entries.len() as u64
    }

    /// Drops the oldest message if every group has delivered and acknowledged it.
    fn trim_one(&mut self) -> bool {
        let seq = self.first_seq;
        if self.entries.is_empty() {
            return false;
        }
        let done = self
            .groups
            .values()
            .all(|g| g.cursor > seq && !g.pending.contains_key(&seq));
        if done {
            self.entries.pop_front();
            self.first_seq += 1;
            self.trimmed += 1;
        }
        done
    }
}

impl InProcessBus {
    /// A bus with the given settings.
    pub fn new(options: InProcessOptions) -> Self {
        Self {
            shared: Arc::new(Shared {
                options,
                state: Mutex::new(State::default()),
                readable: Notify::new(),
                room: Notify::new(),
                live: tokio::sync::broadcast::channel(TAIL_CAPACITY).0,
            }),
        }
    }

    /// Messages currently retained.
    pub fn len(&self) -> usize {
        self.shared.lock().entries.len()
    }

    /// Whether no message is retained.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer and the groups named in `groups` (none: every group; a named group
    /// nobody joined yet shows no member and nothing pending).
    pub fn statistics(&self, groups: Option<&[String]>) -> BusStats {
        let state = self.shared.lock();
        let now = Instant::now();
        let first = state.first_seq;
        let next = state.next_seq();
        let age = |seq: u64| {
            state
                .entries
                .get(usize::try_from(seq.saturating_sub(first)).unwrap_or(usize::MAX))
                .map(|entry| u64::try_from((now - entry.at).as_millis()).unwrap_or(u64::MAX))
        };
        let mut names: Vec<&String> = match groups {
            None => state.groups.keys().collect(),
            Some(groups) => groups.iter().collect(),
        };
        names.sort();
        names.dedup();
        let groups = names
            .into_iter()
            .map(|name| match state.groups.get(name) {
                Some(group) => {
                    let cursor = group.cursor.max(first);
                    let oldest = group
                        .pending
                        .keys()
                        .next()
                        .copied()
                        .or((cursor < next).then_some(cursor));
                    GroupStats {
                        group: name.clone(),
                        consumers: group.members,
                        pending: group.pending.len() as u64,
                        lag: Some(next - cursor),
                        oldest_unacked_age_ms: oldest.and_then(age),
                    }
                }
                None => GroupStats {
                    group: name.clone(),
                    ..GroupStats::default()
                },
            })
            .collect();
        BusStats {
            kind: "in-process".to_owned(),
            stream: "in-process".to_owned(),
            length: state.entries.len() as u64,
            published: Some(next),
            trimmed: Some(state.trimmed),
            groups,
        }
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new(InProcessOptions::default())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent state (no multi-step updates
        // across a panic point), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: &EventEnvelope) -> Result<(), BusError> {
        let shared = &self.shared;
        let deadline = Instant::now() + shared.options.publish_timeout;
        let event = Arc::new(event.clone());
        loop {
            let room = shared.room.notified();
            tokio::pin!(room);
            {
                let mut state = shared.lock();
                if state.entries.len() >= shared.options.capacity {
                    state.trim_one();
                }
                if state.entries.len() < shared.options.capacity {
                    state.entries.push_back(Entry {
                        event: event.clone(),
                        at: Instant::now(),
                    });
                    drop(state);
                    let _ = shared.live.send(event);
                    shared.readable.notify_waiters();
                    return Ok(());
                }
                // Registered before unlocking, so an ack in between is not missed.
                room.as_mut().enable();
            }
            if tokio::time::timeout_at(deadline, room).await.is_err() {
                return Err(BusError::Full {
                    capacity: shared.options.capacity,
                });
            }
        }
    }

    async fn subscribe(
        &self,
        group: &str,
        _consumer: &str,
    ) -> Result<Box<dyn Subscription>, BusError> {
        let mut state = self.shared.lock();
        let first = state.first_seq;
        state
            .groups
            .entry(group.to_owned())
            .or_insert(Group {
                cursor: first,
                pending: BTreeMap::new(),
                members: 0,
            })
            .members += 1;
        let member = state.next_member;
        state.next_member += 1;
        Ok(Box::new(InProcessSubscription {
            shared: self.shared.clone(),
            group: group.to_owned(),
            member,
        }))
    }
    async fn stats(&self, groups: Option<&[String]>) -> Result<BusStats, BusError> {
        Ok(self.statistics(groups))
    }

    async fn tail(&self) -> Result<BoxStream<'static, EventEnvelope>, BusError> {
        let receiver = self.shared.live.subscribe();
        let events = futures::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some(((*event).clone(), receiver)),
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "tail fell behind and skipped messages");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
        Ok(events.boxed())
    }
}

struct InProcessSubscription {
    shared: Arc<Shared>,
    group: String,
    member: u64,
}

impl InProcessSubscription {
    /// Takes what is deliverable now, or returns when the next pending message expires.
    fn take(&self, state: &mut State, max: usize) -> (Vec<Delivery>, Option<Instant>) {
        let claim_idle = self.shared.options.claim_idle;
        let now = Instant::now();
        let first = state.first_seq;
        let next = state.next_seq();
        let State {
            entries, groups, ..
        } = state;
        let Some(group) = groups.get_mut(&self.group) else {
            return (Vec::new(), None);
        };
        let mut out = Vec::new();
        let mut next_expiry: Option<Instant> = None;
        for (seq, pending) in group.pending.iter_mut() {
            if out.len() >= max {
                break;
            }
            let expires = pending.since + claim_idle;
            if pending.orphaned || expires <= now {
                pending.member = self.member;
                pending.since = now;
                pending.orphaned = false;
                if let Some(entry) = entries.get((seq - first) as usize) {
                    out.push(Delivery {
                        id: seq.to_string(),
                        event: (*entry.event).clone(),
                        redelivered: true,
                    });
                }
            } else {
                next_expiry = Some(next_expiry.map_or(expires, |e| e.min(expires)));
            }
        }
        group.cursor = group.cursor.max(first);
        while out.len() < max && group.cursor < next {
            let seq = group.cursor;
            group.cursor += 1;
            group.pending.insert(
                seq,
                Pending {
                    member: self.member,
                    since: now,
                    orphaned: false,
                },
            );
            if let Some(entry) = entries.get((seq - first) as usize) {
                out.push(Delivery {
                    id: seq.to_string(),
                    event: (*entry.event).clone(),
                    redelivered: false,
                });
            }
        }
        (out, next_expiry)
    }
}

#[async_trait]
impl Subscription for InProcessSubscription {
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + self.shared.options.block;
        loop {
            let readable = self.shared.readable.notified();
            tokio::pin!(readable);
            let wake_at = {
                let mut state = self.shared.lock();
                let (batch, next_expiry) = self.take(&mut state, max.max(1));
                if !batch.is_empty() {
                    return Ok(batch);
                }
                readable.as_mut().enable();
                next_expiry.map_or(deadline, |e| e.min(deadline))
            };
            if Instant::now() >= deadline {
                return Ok(Vec::new());
            }
            // Woken by a publish, a dropped member, an expiring pending message or the
            // end of the block time; the loop then looks again.
            let _ = tokio::time::timeout_at(wake_at, readable).await;
        }
    }

    async fn ack(&mut self, id: &str) -> Result<(), BusError> {
        let seq: u64 = id.parse().map_err(|_| BusError::UnknownId(id.to_owned()))?;
        let removed = {
            let mut state = self.shared.lock();
            state
                .groups
                .get_mut(&self.group)
                .and_then(|g| g.pending.remove(&seq))
                .is_some()
        };
        if removed {
            self.shared.room.notify_waiters();
        }
        Ok(())
    }
}

impl Drop for InProcessSubscription {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        let mut freed = false;
        if let Some(group) = state.groups.get_mut(&self.group) {
            group.members = group.members.saturating_sub(1);
            for pending in group.pending.values_mut() {
                if pending.member == self.member {
                    pending.orphaned = true;
                    freed = true;
                }
            }
        }
        drop(state);
        if freed {
            self.shared.readable.notify_waiters();
        }
    }
}
