//! The executor: runs a plan against the subgraphs and shapes the response.

mod client;
mod execute;
mod paths;
mod project;
mod representation;

pub use client::{
    FetchError, HttpSubgraphClient, SubgraphClient, SubgraphEndpoint, SubgraphResponse,
};
pub use execute::{RawResult, execute};

use apollo_compiler::{ExecutableDocument, Schema, executable::Operation};
use serde_json::{Map, Value};

/// Projects raw merged data onto the operation: `(data, errors)` of the response.
pub fn shape_response(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &Map<String, Value>,
    raw: RawResult,
) -> (Value, Vec<Value>) {
    let mut errors = raw.errors;
    let data = project::Projector {
        schema,
        document,
        variables,
        errors: &mut errors,
        fields: Default::default(),
    }
    .project(&operation.selection_set, &raw.data);
    (data, errors)
}

/// Deep-merges an object into the raw data root (introspection results).
pub fn merge_into(data: &mut Value, object: Map<String, Value>) {
    if let Value::Object(root) = data {
        paths::merge_map(root, object);
    }
}
