use apollo_compiler::response::GraphQLError;

/// Stable codes of request errors, sent as `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body is not a GraphQL request.
    BadRequest,
    /// The document does not parse.
    ParseFailed,
    /// The document breaks a validation rule of the spec.
    ValidationFailed,
    /// `operationName` is missing, unknown or ambiguous.
    OperationResolution,
    /// A variable is missing or of the wrong type.
    BadUserInput,
    /// A mutation (or subscription) was sent with GET.
    MethodNotAllowed,
    /// The operation cannot be planned over the supergraph's subgraphs.
    QueryPlanningFailed,
    /// `__schema`/`__type` asked while introspection is off.
    IntrospectionDisabled,
    /// Fields nested deeper than allowed.
    MaxDepth,
    /// More aliases than allowed.
    MaxAliases,
    /// More root fields than allowed.
    MaxRootFields,
    /// More fields (fragments expanded) than allowed.
    MaxFields,
    /// More tokens than allowed (the document is not parsed further).
    MaxTokens,
    /// The static cost estimate is over the limit.
    CostLimit,
    /// A persisted-query hash the gateway does not know (the client sends the document).
    PersistedQueryNotFound,
    /// The document does not have the hash sent with it.
    PersistedQueryHashMismatch,
    /// Persisted queries are off, or an unknown protocol version.
    PersistedQueryNotSupported,
    /// Safelist mode: the operation is not in the manifest.
    PersistedQueryNotInList,
    /// The request's time budget ran out (HTTP 504).
    RequestTimeout,
    /// An operation that needs a token sent without one (a subscription whose root field
    /// the caller may not see is refused as a whole; HTTP 401).
    Unauthenticated,
    /// A token without the scope an operation's root field needs (HTTP 403).
    Forbidden,
    /// A live query where the gateway has no invalidation events to follow.
    LiveQueryUnavailable,
    /// A bug in the gateway while preparing the request (HTTP 500); logged.
    InternalServerError,
}

impl ErrorCode {
    /// The SCREAMING_SNAKE_CASE code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::OperationResolution => "OPERATION_RESOLUTION_FAILURE",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::QueryPlanningFailed => "QUERY_PLANNING_FAILED",
            ErrorCode::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            ErrorCode::MaxDepth => "MAX_DEPTH_LIMIT",
            ErrorCode::MaxAliases => "MAX_ALIASES_LIMIT",
            ErrorCode::MaxRootFields => "MAX_ROOT_FIELDS_LIMIT",
            ErrorCode::MaxFields => "MAX_FIELDS_LIMIT",
            ErrorCode::MaxTokens => "MAX_TOKENS_LIMIT",
            ErrorCode::CostLimit => "COST_LIMIT_EXCEEDED",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            ErrorCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            ErrorCode::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            // Apollo Router's code for its request timeout.
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::InternalServerError => "INTERNAL_SERVER_ERROR",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::LiveQueryUnavailable => "LIVE_QUERY_UNAVAILABLE",
        }
    }

    /// HTTP status for `application/graphql-response+json` (GraphQL-over-HTTP).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::QueryPlanningFailed => 500,
            ErrorCode::IntrospectionDisabled => 403,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::RequestTimeout => 504,
            ErrorCode::InternalServerError => 500,
            // Apollo clients expect 200 and then send the document.
            ErrorCode::PersistedQueryNotFound => 200,
            _ => 400,
        }
    }
}

/// A request error: nothing executes, the response has no `data`.
#[derive(Debug, thiserror::Error)]
#[error("{code:?}: {} error(s), first: {}", errors.len(), errors.first().map_or("", |e| e.message.as_str()))]
pub struct PipelineError {
    /// The category.
    pub code: ErrorCode,
    /// GraphQL errors with locations where known.
    pub errors: Vec<GraphQLError>,
}

impl PipelineError {
    /// One error without location.
    pub fn single(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            errors: vec![GraphQLError::new(message, None, &Default::default())],
        }
        .with_codes()
    }

    /// Sets `extensions.code` on every error.
    pub(crate) fn with_codes(mut self) -> Self {
        for error in &mut self.errors {
            error.extensions.insert("code", self.code.as_str().into());
        }
        self
    }

    /// The response body: `{"errors": [...]}`, no `data` key.
    pub fn to_response(&self) -> serde_json::Value {
        serde_json::json!({ "errors": self.errors })
    }
}
