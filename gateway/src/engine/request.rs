//! What a request brings besides its GraphQL body, and what the engine answers.

use std::time::Instant;

use super::incremental::DeferredPayloads;
use crate::executor::incremental::IncrementalFormat;
use crate::{
    auth::Claims,
    cache::CacheStatus,
    executor,
    pipeline::{ErrorCode, HttpMethod, PipelineError, admit::Admitted},
};

/// Per-request options.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    /// How the request arrived.
    pub method: Option<HttpMethod>,
    /// Add the plan to `extensions.queryPlan`.
    pub expose_plan: bool,
    /// The client request's id, forwarded to subgraphs.
    pub request_id: Option<String>,
    /// The caller's verified JWT claims (none: anonymous).
    pub claims: Option<Claims>,
    /// When the request must be answered by (none: the engine's request timeout from
    /// now). Past it the request ends with `REQUEST_TIMEOUT`, CPU-heavy stages included.
    pub deadline: Option<Instant>,
    /// The client's API key header, forwarded to subgraphs unverified.
    pub api_key: Option<String>,
    /// Set when the transport delivers `@defer`red fragments and `@stream`ed items in
    /// payloads of their own (multipart, server-sent events, WebSocket), in this shape;
    /// else one merged response answers.
    pub incremental: Option<IncrementalFormat>,
}

/// The outcome: a GraphQL response body and, for request errors, their code.
#[derive(Debug)]
pub struct EngineResponse {
    /// `{data?, errors?, extensions?}`, serialised JSON.
    pub body: bytes::Bytes,
    /// Set when the request failed before execution (no `data`).
    pub request_error: Option<ErrorCode>,
    /// Whether the executed response has errors.
    pub has_errors: bool,
    /// The name of the operation run, once known.
    pub operation_name: Option<String>,
    /// For a cacheable query: whether it came from the response cache, and its freshness.
    pub cache: Option<CacheStatus>,
    /// With incremental delivery: the payloads after `body` (the initial one).
    pub deferred: Option<DeferredPayloads>,
}

impl EngineResponse {
    /// The response to a request refused before execution.
    pub(crate) fn refused(error: PipelineError) -> Self {
        Self {
            body: error.to_response().to_string().into(),
            request_error: Some(error.code),
            has_errors: true,
            operation_name: None,
            cache: None,
            deferred: None,
        }
    }
}

/// What the subgraph requests of an admitted operation carry of the client's request.
pub(crate) fn forwarded(options: &RequestOptions, admitted: &Admitted) -> executor::Forwarded {
    executor::Forwarded {
        request_id: options.request_id.clone(),
        claims: options
            .claims
            .as_ref()
            .map(|c| serde_json::Value::Object(c.raw.clone()).to_string()),
        api_key: options.api_key.clone(),
        operation_name: admitted
            .prepared
            .operation
            .name
            .as_ref()
            .map(ToString::to_string),
        exact_variables: admitted.exact_variables.clone(),
    }
}
