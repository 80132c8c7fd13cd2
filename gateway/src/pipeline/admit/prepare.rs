use apollo_compiler::{
    ExecutableDocument, Node, Schema,
    executable::{Operation, OperationType},
    request::coerce_variable_values,
    response::{GraphQLError, JsonMap},
    validation::Valid,
};

use std::sync::Arc;

use crate::pipeline::{ErrorCode, GraphqlRequest, PipelineError};

/// How the request arrived, for the GET rules of GraphQL-over-HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET: queries only.
    Get,
    /// POST: anything but subscriptions.
    Post,
    /// A streaming transport (WebSocket, server-sent events): anything, subscriptions too.
    Streaming,
}

/// A validated operation, ready for planning.
#[derive(Debug)]
pub struct PreparedOperation {
    /// The whole validated document (shared with the document cache).
    pub document: Arc<Valid<ExecutableDocument>>,
    /// The operation to run.
    pub operation: Node<Operation>,
    /// Coerced variable values.
    pub variables: Valid<JsonMap>,
}

/// Largest document accepted, in bytes, before any parsing work.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// Parses and validates against the API schema with every rule of the spec, picks the
/// operation by `operationName`, and coerces variables.
pub fn prepare(
    api_schema: &Valid<Schema>,
    request: &GraphqlRequest,
    method: HttpMethod,
) -> Result<PreparedOperation, PipelineError> {
    let query = request.query.as_deref().unwrap_or_default();
    let document = Arc::new(parse_and_validate(api_schema, query, None)?);
    select_operation(api_schema, document, request, method)
}

/// Parses (at most `max_tokens` tokens) and validates a document with every rule of the
/// spec (cacheable by its text).
pub fn parse_and_validate(
    api_schema: &Valid<Schema>,
    query: &str,
    max_tokens: Option<usize>,
) -> Result<Valid<ExecutableDocument>, PipelineError> {
    if query.trim().is_empty() {
        return Err(PipelineError::single(
            ErrorCode::BadRequest,
            "the request has no query document",
        ));
    }
    if query.len() > MAX_DOCUMENT_BYTES {
        return Err(PipelineError::single(
            ErrorCode::BadRequest,
            format!(
                "the document is {} bytes; at most {MAX_DOCUMENT_BYTES} are accepted",
                query.len()
            ),
        ));
    }
    // Syntax first, so a document that does not parse is told apart from one that breaks
    // a validation rule.
    let mut parser = apollo_compiler::parser::Parser::new();
    if let Some(max) = max_tokens {
        parser = parser.token_limit(max);
    }
    let ast = match parser.parse_ast(query, "operation.graphql") {
        Ok(ast) => ast,
        Err(e) => {
            // Asked of the parser, not read from messages: rendering a diagnostic prints
            // its source line, which for a one-line 16 KB document is most of the cost.
            let over = max_tokens.is_some_and(|max| parser.tokens_reached() > max);
            let code = if over {
                ErrorCode::MaxTokens
            } else {
                ErrorCode::ParseFailed
            };
            return Err(diagnostics(code, &e.errors));
        }
    };
    // With `@defer` declared in the API schema, this includes the defer rules: labels
    // static and unique, none on mutation or subscription root fields.
    let document = ast
        .to_executable_validate(api_schema)
        .map_err(|e| diagnostics(ErrorCode::ValidationFailed, &e.errors))?;
    super::stream_rules::check(&document)?;
    Ok(document)
}

/// Most errors one response lists: a broken document can have one per token (16 KB of
/// unmatched braces has 24,000), and the first few say what is wrong.
pub const MAX_REPORTED_ERRORS: usize = 50;

/// The first [`MAX_REPORTED_ERRORS`] diagnostics as GraphQL errors with `code`, and one
/// more saying how many were left out.
fn diagnostics(
    code: ErrorCode,
    list: &apollo_compiler::validation::DiagnosticList,
) -> PipelineError {
    let mut errors: Vec<_> = list
        .iter()
        .take(MAX_REPORTED_ERRORS)
        .map(|d| d.to_json())
        .collect();
    let left_out = list.len().saturating_sub(MAX_REPORTED_ERRORS);
    if left_out > 0 {
        errors.push(GraphQLError::new(
            format!("{left_out} more errors not listed"),
            None,
            &Default::default(),
        ));
    }
    PipelineError { code, errors }.with_codes()
}

/// Picks the operation by `operationName`, applies the GET rules and coerces variables.
pub fn select_operation(
    api_schema: &Valid<Schema>,
    document: Arc<Valid<ExecutableDocument>>,
    request: &GraphqlRequest,
    method: HttpMethod,
) -> Result<PreparedOperation, PipelineError> {
    let operation = document
        .operations
        .get(request.operation_name.as_deref())
        .map_err(|e| {
            PipelineError::single(ErrorCode::OperationResolution, e.message().to_string())
        })?
        .clone();
    if method == HttpMethod::Get && operation.operation_type != OperationType::Query {
        return Err(PipelineError::single(
            ErrorCode::MethodNotAllowed,
            format!(
                "{} operations are only accepted with POST",
                operation.operation_type
            ),
        ));
    }
    if operation.operation_type == OperationType::Subscription && method != HttpMethod::Streaming {
        return Err(PipelineError::single(
            ErrorCode::BadRequest,
            "subscriptions are served over a WebSocket (graphql-transport-ws) or server-sent \
             events (Accept: text/event-stream), not a single HTTP response",
        ));
    }
    let empty = JsonMap::new();
    let variables = coerce_variable_values(
        api_schema,
        &operation,
        request.variables.as_ref().unwrap_or(&empty),
    )
    .map_err(|e| {
        PipelineError {
            code: ErrorCode::BadUserInput,
            errors: vec![e.to_graphql_error(&document.sources)],
        }
        .with_codes()
    })?;
    Ok(PreparedOperation {
        document,
        operation,
        variables,
    })
}
