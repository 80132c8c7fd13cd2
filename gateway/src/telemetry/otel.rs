//! OpenTelemetry traces: the gateway's spans exported over OTLP/HTTP (protobuf), and the W3C
//! trace context (`traceparent`) taken from clients and passed on to subgraphs.

use std::future::Future;

use axum::http::HeaderMap;
use opentelemetry::{
    propagation::TextMapPropagator,
    trace::{TraceContextExt, TracerProvider as _},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    runtime,
    trace::{Sampler, SdkTracerProvider, span_processor_with_async_runtime::BatchSpanProcessor},
};
use tokio::runtime::{Handle, RuntimeFlavor};
use tracing::{Instrument, Span, Subscriber, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{Layer, filter::Targets, registry::LookupSpan};

use super::Outcome;
use crate::{config::TelemetryConfig, engine::EngineResponse, pipeline::GraphqlRequest};

/// Why trace export could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// Export runs as a task on the tokio runtime, so there must be one.
    #[error("OpenTelemetry export needs a running tokio runtime")]
    NoRuntime,
    /// The OTLP exporter could not be built.
    #[error("cannot export traces to {endpoint}: {source}")]
    Exporter {
        /// Where spans were to go.
        endpoint: String,
        /// Why not.
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// Keeps trace export running; dropping it exports the spans still buffered and stops it.
#[derive(Debug, Default)]
#[must_use = "dropping the guard stops trace export"]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
}

impl TracingGuard {
    pub(crate) fn new(provider: Option<SdkTracerProvider>) -> Self {
        Self { provider }
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        let Some(provider) = self.provider.take() else {
            return;
        };
        // Shutting down blocks until the export task, on the runtime, has sent what is
        // buffered: this thread must not be one that task needs.
        match Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(RuntimeFlavor::CurrentThread) => {
                // The only runtime thread is this one: wait elsewhere, without blocking it.
                std::thread::spawn(move || provider.shutdown());
            }
            Ok(_) => {
                let _ = tokio::task::block_in_place(|| provider.shutdown());
            }
            Err(_) => {
                let _ = provider.shutdown();
            }
        }
    }
}

/// The tracer provider exporting to the configured collector; none without an endpoint.
pub(crate) fn provider(
    config: &TelemetryConfig,
) -> Result<Option<SdkTracerProvider>, TelemetryError> {
    let Some(base) = &config.otlp_endpoint else {
        return Ok(None);
    };
    // The batch processor spawns its task at once, which panics outside a runtime.
    if Handle::try_current().is_err() {
        return Err(TelemetryError::NoRuntime);
    }
    let endpoint = format!("{}/v1/traces", base.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(&endpoint)
        .build()
        .map_err(|source| TelemetryError::Exporter {
            endpoint: endpoint.clone(),
            source,
        })?;
    Ok(Some(
        SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(exporter, runtime::Tokio).build())
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                config.sample_ratio,
            ))))
            .with_resource(
                Resource::builder()
                    .with_service_name(config.service_name.clone())
                    .build(),
            )
            .build(),
    ))
}

/// The layer turning the gateway's own spans (info and above) into OpenTelemetry spans;
/// other crates' spans stay out of the traces whatever `RUST_LOG` says.
pub(crate) fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S> + use<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("gateway"))
        .with_filter(Targets::new().with_target("gateway", tracing::Level::INFO))
}

/// Runs one client GraphQL request in its `graphql.request` span, which continues the
/// caller's trace when the request carries a `traceparent`.
pub(crate) async fn traced_request(
    headers: &HeaderMap,
    request: &GraphqlRequest,
    run: impl Future<Output = EngineResponse>,
) -> EngineResponse {
    let span = tracing::info_span!(
        "graphql.request",
        otel.kind = "server",
        otel.status_code = Empty,
        graphql.operation.name = Empty,
        request_id = headers
            .get(crate::executor::REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        outcome = Empty,
    );
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    if parent.span().span_context().is_valid() {
        // Fails only without the OpenTelemetry layer, where there is no trace to join.
        let _ = span.set_parent(parent);
    }
    let response = run.instrument(span.clone()).await;
    if let Some(name) = response
        .operation_name
        .as_deref()
        .or(request.operation_name.as_deref())
    {
        span.record("graphql.operation.name", name);
    }
    // As the metrics count it (`Engine::execute`).
    let outcome = if response.request_error.is_some() {
        Outcome::Rejected
    } else if response.has_errors {
        Outcome::Error
    } else {
        Outcome::Ok
    };
    span.record("outcome", tracing::field::debug(outcome));
    if outcome == Outcome::Error {
        span.record("otel.status_code", "ERROR");
    }
    response
}

/// Runs one subgraph fetch in its `subgraph.fetch` span (a child of the request's), marked
/// as failed when the fetch fails.
pub(crate) async fn traced_fetch<T, E: std::fmt::Display>(
    subgraph: &str,
    fetch: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let span = tracing::info_span!(
        "subgraph.fetch",
        otel.kind = "client",
        otel.status_code = Empty,
        subgraph.name = subgraph,
        http.response.status_code = Empty,
        error = Empty,
    );
    let result = fetch.instrument(span.clone()).await;
    if let Err(error) = &result {
        span.record("otel.status_code", "ERROR");
        span.record("error", tracing::field::display(error));
    }
    result
}

/// Records the HTTP status of a subgraph's answer on the current `subgraph.fetch` span.
pub(crate) fn record_status(status: u16) {
    // As i64: the OpenTelemetry layer turns unsigned fields into strings.
    Span::current().record("http.response.status_code", i64::from(status));
}

/// Adds the current span's W3C trace context (`traceparent`) to a subgraph request, so the
/// subgraph's own spans join the client's trace.
pub(crate) fn inject_context(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let context = Span::current().context();
    // Without export there is no trace to continue.
    if !context.span().span_context().is_valid() {
        return request;
    }
    let mut headers = HeaderMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut HeaderInjector(&mut headers));
    request.headers(headers)
}
