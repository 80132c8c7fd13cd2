use apollo_compiler::{
    Name, Schema, collections::HashMap, introspection, response::ExecutionResponse,
    schema::Implementers, validation::Valid,
};

use crate::pipeline::{ErrorCode, PipelineError, PreparedOperation};

/// Which kinds of root fields an operation selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RootFieldKinds {
    /// `__schema` or `__type`.
    pub schema_introspection: bool,
    /// `__typename` at the root.
    pub root_typename: bool,
    /// Fields that subgraphs resolve.
    pub concrete: bool,
}

impl RootFieldKinds {
    /// Classifies the root fields of a prepared operation.
    pub fn of(prepared: &PreparedOperation) -> Self {
        let mut kinds = Self::default();
        for field in prepared.operation.root_fields(&prepared.document) {
            match field.name.as_str() {
                "__schema" | "__type" => kinds.schema_introspection = true,
                "__typename" => kinds.root_typename = true,
                _ => kinds.concrete = true,
            }
        }
        kinds
    }
}

/// Answers the introspection part of a query from the API schema (concrete fields are
/// left out, for the planner). Deeply nested introspection is refused.
pub fn execute_introspection(
    api_schema: &Valid<Schema>,
    implementers: &HashMap<Name, Implementers>,
    prepared: &PreparedOperation,
) -> Result<ExecutionResponse, PipelineError> {
    let request_error = |e: apollo_compiler::request::RequestError| {
        PipelineError {
            code: ErrorCode::ValidationFailed,
            errors: vec![e.to_graphql_error(&prepared.document.sources)],
        }
        .with_codes()
    };
    introspection::check_max_depth(&prepared.document, &prepared.operation)
        .map_err(request_error)?;
    introspection::partial_execute(
        api_schema,
        implementers,
        &prepared.document,
        &prepared.operation,
        &prepared.variables,
    )
    .map_err(request_error)
}
