//! Per-subgraph circuit breaker: after `failure_threshold` consecutive failed requests a
//! subgraph is not called for `open_for` (requests fail at once instead of each waiting
//! for a timeout); then one trial request decides whether it closes again.
//!
//! What counts as a failure ([`outcome`]): only what says the subgraph is unreachable or
//! overloaded — a transport error, a timeout, HTTP 502/503/504 (whatever the body), or a
//! non-GraphQL body with any other status but 4xx/500. A subgraph that answers 500 (a
//! panic on one caller's input, say), 4xx, or a GraphQL response with errors is up: it
//! answered at once, so nobody waits on it, and opening the circuit then would let one
//! caller's bad input make the subgraph unavailable to everyone.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use super::client::FetchError;
use crate::config::CircuitBreakerConfig;

/// How a finished request bears on its subgraph's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The subgraph answered (possibly with errors, possibly 500): it is up.
    Answered,
    /// The subgraph is unreachable or overloaded.
    Outage,
}

/// The outcome of a request given its result and, for an answer, its HTTP status.
pub(crate) fn outcome<T>(result: &Result<(T, u16), FetchError>) -> Outcome {
    let unavailable = |status: u16| matches!(status, 502..=504);
    match result {
        Ok((_, status)) if unavailable(*status) => Outcome::Outage,
        Ok(_) => Outcome::Answered,
        Err(FetchError::Transport { .. } | FetchError::Timeout { .. }) => Outcome::Outage,
        Err(FetchError::Malformed { status, .. }) => {
            // A bare 500 (a handler's panic: a bug met by this request's input) or a 4xx
            // (a refusal of this request) is about the request; a 200 that is not GraphQL
            // means something else answers at the subgraph's address.
            if unavailable(*status) || !(*status == 500 || (400..500).contains(status)) {
                Outcome::Outage
            } else {
                Outcome::Answered
            }
        }
        // Refused by the breaker itself: no news about the subgraph.
        Err(FetchError::CircuitOpen { .. }) => Outcome::Answered,
    }
}

/// When a breaker opens and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures that open it (0: never).
    pub failure_threshold: u32,
    /// How long it stays open before a trial request.
    pub open_for: Duration,
}

impl From<&CircuitBreakerConfig> for BreakerSettings {
    fn from(config: &CircuitBreakerConfig) -> Self {
        Self {
            failure_threshold: config.failure_threshold,
            open_for: Duration::from_millis(config.open_ms),
        }
    }
}

impl Default for BreakerSettings {
    /// Off: a client built without settings never opens.
    fn default() -> Self {
        Self {
            failure_threshold: 0,
            open_for: Duration::from_secs(10),
        }
    }
}

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial request is out; the others wait for its outcome by failing fast.
    HalfOpen,
}

/// What the breaker says about a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send it.
    Allowed,
    /// Do not: the subgraph is considered down for this long still.
    Rejected { retry_after: Duration },
}

/// The breaker of one subgraph.
#[derive(Debug)]
pub(crate) struct Breaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

impl Breaker {
    pub(crate) fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request may go now (an expired open state lets one trial through).
    pub(crate) fn admit(&self, now: Instant) -> Admission {
        if self.settings.failure_threshold == 0 {
            return Admission::Allowed;
        }
        let mut state = self.state();
        match *state {
            State::Closed { .. } => Admission::Allowed,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen;
                Admission::Allowed
            }
            State::Open { until } => Admission::Rejected {
                retry_after: until - now,
            },
            State::HalfOpen => Admission::Rejected {
                retry_after: Duration::ZERO,
            },
        }
    }

    /// Records a request's outcome; returns `true` when this failure opened the breaker.
    pub(crate) fn record(&self, outcome: Outcome, now: Instant) -> bool {
        let ok = outcome == Outcome::Answered;
        if self.settings.failure_threshold == 0 {
            return false;
        }
        let mut state = self.state();
        let open = State::Open {
            until: now + self.settings.open_for,
        };
        match (&*state, ok) {
            (_, true) => {
                *state = State::Closed { failures: 0 };
                false
            }
            (State::HalfOpen, false) => {
                *state = open;
                true
            }
            (State::Closed { failures }, false) => {
                let failures = failures + 1;
                if failures >= self.settings.failure_threshold {
                    *state = open;
                    true
                } else {
                    *state = State::Closed { failures };
                    false
                }
            }
            // A late failure of a request sent before it opened changes nothing.
            (State::Open { .. }, false) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_closes_after_a_good_trial() {
        let breaker = Breaker::new(BreakerSettings {
            failure_threshold: 3,
            open_for: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        assert!(!breaker.record(Outcome::Outage, t0));
        assert!(
            !breaker.record(Outcome::Answered, t0),
            "a success resets the count"
        );
        assert!(!breaker.record(Outcome::Outage, t0));
        assert!(!breaker.record(Outcome::Outage, t0));
        assert_eq!(breaker.admit(t0), Admission::Allowed);
        assert!(
            breaker.record(Outcome::Outage, t0),
            "the third consecutive failure opens it"
        );
        assert_eq!(
            breaker.admit(t0 + Duration::from_secs(4)),
            Admission::Rejected {
                retry_after: Duration::from_secs(6)
            }
        );
        let later = t0 + Duration::from_secs(10);
        assert_eq!(breaker.admit(later), Admission::Allowed, "one trial");
        assert!(
            matches!(breaker.admit(later), Admission::Rejected { .. }),
            "only one"
        );
        assert!(
            breaker.record(Outcome::Outage, later),
            "a failed trial opens it again"
        );
        let after = later + Duration::from_secs(10);
        assert_eq!(breaker.admit(after), Admission::Allowed);
        breaker.record(Outcome::Answered, after);
        assert_eq!(breaker.admit(after), Admission::Allowed);
        assert_eq!(breaker.admit(after), Admission::Allowed, "closed again");
    }

    #[test]
    fn only_unreachable_or_overloaded_subgraphs_count_as_failures() {
        let malformed = |status| {
            outcome::<()>(&Err(FetchError::Malformed {
                subgraph: "s".into(),
                status,
            }))
        };
        assert_eq!(outcome(&Ok(((), 200))), Outcome::Answered);
        assert_eq!(outcome(&Ok(((), 500))), Outcome::Answered, "GraphQL errors");
        assert_eq!(outcome(&Ok(((), 400))), Outcome::Answered);
        for status in [502, 503, 504] {
            assert_eq!(outcome(&Ok(((), status))), Outcome::Outage, "{status}");
            assert_eq!(malformed(status), Outcome::Outage, "{status}");
        }
        assert_eq!(malformed(500), Outcome::Answered, "a panic on this input");
        assert_eq!(
            malformed(413),
            Outcome::Answered,
            "a refusal of this request"
        );
        assert_eq!(malformed(200), Outcome::Outage, "not a GraphQL server");
        let transport = FetchError::Transport {
            subgraph: "s".into(),
            message: "refused".into(),
        };
        assert_eq!(outcome::<()>(&Err(transport)), Outcome::Outage);
        let timeout = FetchError::Timeout {
            subgraph: "s".into(),
            timeout_ms: 1,
        };
        assert_eq!(outcome::<()>(&Err(timeout)), Outcome::Outage);
    }

    #[test]
    fn a_zero_threshold_never_opens() {
        let breaker = Breaker::new(BreakerSettings {
            failure_threshold: 0,
            open_for: Duration::from_secs(1),
        });
        for _ in 0..100 {
            breaker.record(Outcome::Outage, Instant::now());
        }
        assert_eq!(breaker.admit(Instant::now()), Admission::Allowed);
    }
}
