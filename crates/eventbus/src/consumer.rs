//! The consumer runtime: runs one [`EventHandler`] over its context's database.
//!
//! For each message of a `tipo` the handler applies: begin a transaction, record the event
//! in the inbox (already there: skip), handle it, commit, and only then acknowledge.
//! Other messages are acknowledged unread. A failing handler is retried in place with
//! backoff; if it keeps failing the message stays unacknowledged and comes back after the
//! bus's claim timeout.

use std::{sync::Arc, time::Duration};

use sea_orm::{DatabaseConnection, TransactionTrait};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::{EventHandler, inbox},
};
use tokio::sync::watch;

use crate::{
    bus::{Delivery, EventBus, Subscription},
    error::ConsumeError,
};

/// Settings of a consumer.
#[derive(Clone, Debug)]
pub struct ConsumerOptions {
    /// Messages asked for at once.
    pub batch_size: usize,
    /// Attempts of a failing message before leaving it to redelivery.
    pub attempts: u32,
    /// First pause after a failure; doubles up to `max_backoff`.
    pub backoff: Duration,
    /// Longest pause after failures.
    pub max_backoff: Duration,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        Self {
            batch_size: 64,
            attempts: 3,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// What applying one event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The handler applied it and the transaction committed.
    Applied,
    /// The inbox already had it: nothing done.
    Duplicate,
    /// Not a `tipo` the handler applies.
    Ignored,
}

/// Runs one handler: its consumer group on the bus, its effects in `db`.
pub struct Consumer {
    db: DatabaseConnection,
    bus: Arc<dyn EventBus>,
    handler: Arc<dyn EventHandler>,
    member: String,
    options: ConsumerOptions,
}

impl Consumer {
    /// A consumer of `handler` over `db`; its group is `handler.consumer()`, and its member
    /// name is unique to this process run.
    pub fn new(
        db: DatabaseConnection,
        bus: Arc<dyn EventBus>,
        handler: Arc<dyn EventHandler>,
    ) -> Self {
        let member = format!("{}-{}", handler.consumer(), uuid::Uuid::now_v7().simple());
        Self {
            db,
            bus,
            handler,
            member,
            options: ConsumerOptions::default(),
        }
    }

    /// Replaces the settings.
    pub fn with_options(mut self, options: ConsumerOptions) -> Self {
        self.options = options;
        self
    }

    /// Applies one event exactly once per consumer: inbox record and effect commit together.
    pub async fn apply(&self, event: &EventEnvelope) -> Result<Outcome, ConsumeError> {
        if !self.handler.tipos().contains(&event.tipo.as_str()) {
            return Ok(Outcome::Ignored);
        }
        let txn = self.db.begin().await?;
        if !inbox::record(&txn, self.handler.consumer(), event.id).await? {
            txn.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        if let Err(error) = self.handler.handle(&txn, event).await {
            txn.rollback().await?;
            return Err(error.into());
        }
        // Handlers may append their own events: wake this process's relays.
        subgraph_kit::messaging::outbox::commit(txn).await?;
        Ok(Outcome::Applied)
    }

    /// Applies with retries; `true` when the message may be acknowledged.
    async fn process(&self, delivery: &Delivery, shutdown: &watch::Receiver<bool>) -> bool {
        let mut pause = self.options.backoff;
        for attempt in 1..=self.options.attempts.max(1) {
            match self.apply(&delivery.event).await {
                Ok(outcome) => {
                    tracing::debug!(consumer = self.handler.consumer(), id = %delivery.event.id,
                        tipo = %delivery.event.tipo, ?outcome, "event consumed");
                    return true;
                }
                Err(error) => {
                    tracing::warn!(consumer = self.handler.consumer(), id = %delivery.event.id,
                        tipo = %delivery.event.tipo, attempt, %error, "event not applied");
                }
            }
            if *shutdown.borrow() {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(self.options.max_backoff);
        }
        false
    }

    /// Consumes until `shutdown` turns true. Bus failures are retried with backoff.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let consumer = self.handler.consumer();
        let mut pause = self.options.backoff;
        let mut subscription: Option<Box<dyn Subscription>> = None;
        while !*shutdown.borrow() {
            let result = match subscription.as_mut() {
                None => match self.bus.subscribe(consumer, &self.member).await {
                    Ok(sub) => {
                        subscription = Some(sub);
                        Ok(())
                    }
                    Err(error) => Err(ConsumeError::Bus(error)),
                },
                Some(sub) => {
                    // Only the wait is cancelled by shutdown, never a transaction.
                    let batch = tokio::select! {
                        batch = sub.next_batch(self.options.batch_size) => batch,
                        changed = shutdown.changed() => {
                            if changed.is_err() {
                                break;
                            }
                            continue;
                        }
                    };
                    self.consume(sub.as_mut(), batch, &shutdown).await
                }
            };
            match result {
                Ok(()) => pause = self.options.backoff,
                Err(error) => {
                    tracing::warn!(consumer, %error, "event bus failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        changed = shutdown.changed() => if changed.is_err() { break },
                    }
                    pause = (pause * 2).min(self.options.max_backoff);
                }
            }
        }
        tracing::debug!(consumer, "consumer stopped");
    }

    async fn consume(
        &self,
        sub: &mut dyn Subscription,
        batch: Result<Vec<Delivery>, crate::error::BusError>,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(), ConsumeError> {
        for delivery in batch? {
            if self.process(&delivery, shutdown).await {
                sub.ack(&delivery.id).await?;
            }
            // Unprocessed messages of the batch stay pending and come back after the
            // claim timeout.
            if *shutdown.borrow() {
                break;
            }
        }
        Ok(())
    }
}
