//! A subgraph's replicas: requests take turns over the replicas that answer; one whose
//! connection fails is left out until a probe (or its cool-down) lets it back.

use std::{
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// How long a replica that failed a request is skipped when no probe says otherwise.
pub(super) const COOL_DOWN: Duration = Duration::from_secs(5);

/// The URLs of one subgraph and which of them answer.
#[derive(Debug)]
pub struct Replicas {
    urls: Vec<String>,
    /// Per replica: until when it is skipped, in ms since `epoch` (0: in service).
    down_until: Vec<AtomicU64>,
    next: AtomicUsize,
    epoch: Instant,
}

impl Replicas {
    /// Replicas at these URLs (at least one).
    pub fn new(urls: Vec<String>) -> Self {
        Self {
            down_until: urls.iter().map(|_| AtomicU64::new(0)).collect(),
            urls,
            next: AtomicUsize::new(0),
            epoch: Instant::now(),
        }
    }

    /// Every URL, in configuration order.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether replica `i` takes requests now.
    pub fn in_service(&self, i: usize) -> bool {
        self.down_until
            .get(i)
            .is_some_and(|d| d.load(Ordering::Relaxed) <= self.now_ms())
    }

    /// The replicas to try for one request: those in service from the next in turn, then
    /// the others (a request still goes somewhere when every replica looks down). No
    /// allocation: this runs for every subgraph fetch.
    pub fn order(&self) -> impl Iterator<Item = usize> + use<> {
        let n = self.urls.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n.max(1);
        // Which replicas are in service, read once (bit i: replica i, the first 64).
        let up = (0..n.min(64))
            .filter(|i| self.in_service(*i))
            .fold(0u64, |mask, i| mask | (1 << i));
        let is_up = move |i: usize| i >= 64 || up & (1 << i) != 0;
        let turn = move || (0..n).map(move |k| (start + k) % n);
        turn()
            .filter(move |i| is_up(*i))
            .chain(turn().filter(move |i| !is_up(*i)))
    }

    /// The URL of replica `i`.
    pub fn url(&self, i: usize) -> &str {
        self.urls.get(i).map_or("", String::as_str)
    }

    /// Takes replica `i` out of service for `period`.
    pub fn mark_down(&self, i: usize, period: Duration) {
        if let Some(d) = self.down_until.get(i) {
            let until = self
                .now_ms()
                .saturating_add(u64::try_from(period.as_millis()).unwrap_or(u64::MAX));
            d.store(until.max(1), Ordering::Relaxed);
        }
    }

    /// Puts replica `i` back in service.
    pub fn mark_up(&self, i: usize) {
        if let Some(d) = self.down_until.get(i) {
            d.store(0, Ordering::Relaxed);
        }
    }
}

/// Probes every replica of subgraphs that have more than one with `{ __typename }` each
/// `interval`, taking the ones that do not answer out of service and the ones that do back
/// in. Ends when the replicas are dropped (the engine was replaced).
pub(super) fn probe_replicas(
    http: reqwest::Client,
    replicas: Vec<Weak<Replicas>>,
    secret: Option<Arc<str>>,
    interval: Duration,
) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let timeout = interval.min(Duration::from_secs(2));
        loop {
            tokio::time::sleep(interval).await;
            let live: Vec<Arc<Replicas>> = replicas.iter().filter_map(Weak::upgrade).collect();
            if live.is_empty() {
                return;
            }
            let probes = live.iter().flat_map(|set| {
                (0..set.urls.len()).map(|i| {
                    let (http, set, secret) = (http.clone(), set.clone(), secret.clone());
                    async move {
                        let mut request = http
                            .post(set.url(i))
                            .timeout(timeout)
                            .header(reqwest::header::CONTENT_TYPE, "application/json")
                            .body(r#"{"query":"{ __typename }"}"#);
                        if let Some(secret) = &secret {
                            request = request.header(super::client::SECRET_HEADER, secret.as_ref());
                        }
                        let up = request.send().await.is_ok_and(|r| r.status().is_success());
                        if up {
                            set.mark_up(i);
                        } else {
                            set.mark_down(i, interval.saturating_mul(2));
                        }
                    }
                })
            });
            futures::future::join_all(probes).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(replicas: &Replicas) -> usize {
        replicas.order().next().expect("a replica")
    }

    #[test]
    fn turns_skip_a_replica_out_of_service_until_it_is_back() {
        let replicas = Replicas::new(vec!["a".into(), "b".into(), "c".into()]);
        let firsts: Vec<usize> = (0..6).map(|_| first(&replicas)).collect();
        assert_eq!(firsts, [0, 1, 2, 0, 1, 2], "round robin");
        replicas.mark_down(1, Duration::from_secs(60));
        for _ in 0..6 {
            let order: Vec<usize> = replicas.order().collect();
            assert_eq!(order.len(), 3, "each replica once");
            assert_ne!(order[0], 1);
            assert_eq!(order.last(), Some(&1), "tried last, not never");
        }
        replicas.mark_up(1);
        assert!((0..3).any(|_| first(&replicas) == 1));
    }

    #[test]
    fn a_cool_down_ends_by_itself() {
        let replicas = Replicas::new(vec!["a".into(), "b".into()]);
        replicas.mark_down(0, Duration::from_millis(30));
        assert!(!replicas.in_service(0));
        std::thread::sleep(Duration::from_millis(60));
        assert!(replicas.in_service(0));
    }
}
