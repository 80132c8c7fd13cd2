//! The executor: runs a plan against the subgraphs and shapes the response.

mod breaker;
mod client;
mod execute;
mod paths;
mod project;
mod replicas;
mod representation;

pub use breaker::BreakerSettings;
pub use client::{
    API_KEY_HEADER, CLAIMS_HEADER, FetchError, Fetched, Forwarded, HttpSubgraphClient,
    REQUEST_ID_HEADER, SECRET_HEADER, SubgraphClient, SubgraphEndpoint, SubgraphResponse,
};
pub use execute::{EntityCaching, RawResult, execute, execute_from, subgraph_errors};
pub use replicas::Replicas;

use apollo_compiler::{ExecutableDocument, Schema, executable::Operation};

use crate::auth::Denied;
use crate::json::{Map, Value};

/// A GraphQL response body, serialised in one pass from the merged data.
#[derive(serde::Serialize)]
struct Response<'d> {
    data: project::Out<'d>,
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    errors: &'d [Value],
    #[serde(skip_serializing_if = "Option::is_none")]
    extensions: Option<&'d Value>,
}

/// Projects raw merged data onto the operation and serialises the response body:
/// `{data, errors?, extensions?}`; also says whether it has errors.
pub fn serialize_response(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &project::Variables,
    raw: RawResult,
    extensions: Option<&Value>,
    denied: &Denied,
) -> (Vec<u8>, bool) {
    let RawResult {
        data, mut errors, ..
    } = raw;
    let projected = project::Projector {
        schema,
        document,
        variables,
        errors: &mut errors,
        fields: Default::default(),
        denied,
    }
    .project(&operation.selection_set, &data);
    let response = Response {
        data: projected,
        errors: &errors,
        extensions,
    };
    // Serialising JSON values into memory cannot fail.
    (
        serde_json::to_vec(&response).unwrap_or_default(),
        !errors.is_empty(),
    )
}

/// Deep-merges an object into the raw data root (introspection results).
pub fn merge_into(data: &mut Value, object: Map) {
    if let Value::Object(root) = data {
        paths::merge_map(root, object);
    }
}
