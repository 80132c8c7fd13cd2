//! The request path, one module per stage: [`admit`] (persisted operations, parse,
//! validate, operation, variables, limits) → [`authorize`] (fields the caller may not
//! see) → [`plan`] (the plan cache) → execution (the [`crate::executor`] runs the plan) →
//! [`respond`] (introspection, error codes, projection), with the [`response_cache`]
//! around execution. The [`crate::engine`] runs them in order.

pub mod admit;
pub mod authorize;
pub mod budget;
mod error;
mod memory;
pub mod plan;
mod request;
pub mod respond;
pub mod response_cache;

pub use admit::{
    DEFAULT_MAX_FIELDS, HttpMethod, MAX_DOCUMENT_BYTES, MAX_REPORTED_ERRORS, ManifestError,
    OperationLimits, OperationMeasure, PersistedQueries, PreparedOperation, check as check_limits,
    measure, parse_and_validate, prepare, select_operation, sha256_hex,
};
pub use error::{ErrorCode, PipelineError};
pub use request::{GraphqlRequest, exact_variables_in};
pub use respond::{RootFieldKinds, execute_introspection};
