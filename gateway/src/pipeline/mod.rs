//! The operation pipeline before planning: request → parsed, fully validated operation with
//! coerced variables, and the introspection part answered from the API schema.

pub mod budget;
mod error;
mod introspection;
mod limits;
mod persisted;
mod prepare;
mod request;

pub use error::{ErrorCode, PipelineError};
pub use introspection::{RootFieldKinds, execute_introspection};
pub use limits::{
    DEFAULT_MAX_FIELDS, OperationLimits, OperationMeasure, check as check_limits, measure,
};
pub use persisted::{ManifestError, PersistedQueries, sha256_hex};
pub use prepare::{
    HttpMethod, MAX_DOCUMENT_BYTES, MAX_REPORTED_ERRORS, PreparedOperation, parse_and_validate,
    prepare, select_operation,
};
pub use request::GraphqlRequest;
