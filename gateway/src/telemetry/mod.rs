//! Telemetry: Prometheus metrics (`/metrics`).

mod metrics;

pub use metrics::{Metrics, Outcome};
