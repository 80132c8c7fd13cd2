//! Live events: every event on the bus, fanned out inside this process to the subscription
//! resolvers that watch it. A feed task (the event bus's `tail`) publishes into it.

use std::{sync::Arc, time::Duration};

use futures::{Stream, StreamExt, stream};
use tokio::sync::broadcast;

use crate::{DomainResult, events::EventEnvelope};

/// How many events a slow subscriber may fall behind before it skips the oldest.
const CAPACITY: usize = 4096;

/// This process's fan-out of the bus's events.
#[derive(Clone)]
pub struct LiveEvents {
    sender: broadcast::Sender<Arc<EventEnvelope>>,
}

impl Default for LiveEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveEvents {
    /// An empty fan-out.
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }

    /// How many watchers listen now: a subscription counts from the moment its resolver
    /// ran, so a test can wait for it instead of sleeping.
    pub fn watchers(&self) -> usize {
        self.sender.receiver_count()
    }

    /// Hands an event to every current watcher (none: dropped).
    pub fn publish(&self, event: EventEnvelope) {
        let _ = self.sender.send(Arc::new(event));
    }

    /// Events from now on. A watcher that falls more than the buffer behind skips what it
    /// missed (logged): resolvers read current state, so the next event catches them up.
    pub fn watch(&self) -> impl Stream<Item = Arc<EventEnvelope>> + Send + use<> {
        stream::unfold(self.sender.subscribe(), |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some((event, receiver)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "a subscription fell behind and skipped events");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }

    /// Events named in `tipos` (without version: `PagoExitoso`) whose `datos` has each
    /// `(field, value)` of `filters`.
    pub fn watch_matching(
        &self,
        tipos: &'static [&'static str],
        filters: Vec<(&'static str, String)>,
    ) -> impl Stream<Item = Arc<EventEnvelope>> + Send + use<> {
        self.watch().filter(move |event| {
            let name = event.tipo.split('.').next().unwrap_or_default();
            let matches = tipos.contains(&name)
                && filters.iter().all(|(field, value)| {
                    event.datos.get(field).and_then(|v| v.as_str()) == Some(value.as_str())
                });
            futures::future::ready(matches)
        })
    }

    /// For each event as [`LiveEvents::watch_matching`] selects them, the entity whose id it
    /// carries at `datos[id_field]`, as `load` reads it now from that id and the event (the
    /// state after the event or a later one, never a stale copy; `load` may use the event to
    /// present the state it announces); an event naming an unreadable entity is skipped.
    pub fn load_each<T, F, Fut>(
        &self,
        tipos: &'static [&'static str],
        filters: Vec<(&'static str, String)>,
        id_field: &'static str,
        load: F,
    ) -> impl Stream<Item = T> + Send + use<T, F, Fut>
    where
        T: Send + 'static,
        F: Fn(uuid::Uuid, Arc<EventEnvelope>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = DomainResult<T>> + Send + 'static,
    {
        let load = Arc::new(load);
        self.watch_matching(tipos, filters)
            .filter_map(move |event| {
                let load = load.clone();
                async move {
                    let id = event.datos.get(id_field)?.as_str()?.parse().ok()?;
                    let tipo = event.tipo.clone();
                    match load(id, event).await {
                        Ok(entity) => Some(entity),
                        Err(error) => {
                            tracing::warn!(%error, %id, %tipo, "live event: entity not readable");
                            None
                        }
                    }
                }
            })
    }

    /// One tick per burst of matching events: the first event of a burst starts a window of
    /// `window`, and the tick comes at its end, however many events fell in it (a dashboard
    /// needs the state after a burst, not one update per event).
    pub fn bursts<F>(&self, matches: F, window: Duration) -> impl Stream<Item = ()> + Send + use<F>
    where
        F: Fn(&EventEnvelope) -> bool + Send + 'static,
    {
        let events = self
            .watch()
            .filter(move |e| futures::future::ready(matches(e)));
        stream::unfold(Box::pin(events), move |mut events| async move {
            events.next().await?;
            let deadline = tokio::time::Instant::now() + window;
            while let Ok(Some(_)) = tokio::time::timeout_at(deadline, events.next()).await {}
            Some(((), events))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(tipo: &str) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::now_v7(),
            tipo: tipo.to_owned(),
            agregado_id: "a".into(),
            ocurrido_en: chrono::Utc::now(),
            datos: serde_json::json!({}),
        }
    }

    #[tokio::test]
    async fn watchers_get_events_published_after_they_start() {
        let live = LiveEvents::new();
        live.publish(event("Antes.v1"));
        let mut first = Box::pin(live.watch());
        let mut second = Box::pin(live.watch());
        live.publish(event("Despues.v1"));
        assert_eq!(
            first.next().await.map(|e| e.tipo.clone()).as_deref(),
            Some("Despues.v1")
        );
        assert_eq!(
            second.next().await.map(|e| e.tipo.clone()).as_deref(),
            Some("Despues.v1")
        );
    }

    #[tokio::test]
    async fn watchers_can_filter_by_type_and_data() {
        let live = LiveEvents::new();
        let mut matching = Box::pin(live.watch_matching(
            &["PagoExitoso", "PagoFallido"],
            vec![("afiliadoId", "a1".to_owned())],
        ));
        let with = |tipo: &str, afiliado: &str| EventEnvelope {
            datos: serde_json::json!({ "afiliadoId": afiliado }),
            ..event(tipo)
        };
        live.publish(with("PagoExitoso.v1", "otro"));
        live.publish(with("PagoSolicitado.v1", "a1"));
        live.publish(with("PagoFallido.v2", "a1"));
        let found = matching.next().await.expect("an event");
        assert_eq!(found.tipo, "PagoFallido.v2");
    }

    #[tokio::test]
    async fn a_burst_gives_one_tick() {
        let live = LiveEvents::new();
        let mut ticks = Box::pin(live.bursts(|e| e.tipo != "Otro.v1", Duration::from_millis(100)));
        for _ in 0..20 {
            live.publish(event("Pago.v1"));
        }
        live.publish(event("Otro.v1"));
        assert_eq!(
            tokio::time::timeout(Duration::from_secs(2), ticks.next())
                .await
                .ok()
                .flatten(),
            Some(())
        );
        assert!(
            tokio::time::timeout(Duration::from_millis(300), ticks.next())
                .await
                .is_err(),
            "the whole burst was one tick"
        );
    }
}
