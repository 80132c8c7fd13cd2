//! Telemetry: Prometheus metrics (`/metrics`) and OpenTelemetry traces (OTLP export).

pub(crate) mod events;
mod metrics;
mod otel;

pub use metrics::{Metrics, Outcome};
pub use otel::{TelemetryError, TracingGuard};
pub(crate) use otel::{
    inject_context, layer, provider, record_status, traced_fetch, traced_request,
};
