//! The executor: runs a plan against the subgraphs and shapes the response.

mod breaker;
mod client;
mod entities;
mod execute;
pub mod incremental;
mod merge;
mod paths;
mod project;
mod replicas;
mod representation;
mod request;

pub use breaker::BreakerSettings;
pub use client::{
    API_KEY_HEADER, CLAIMS_HEADER, FetchError, Fetched, Forwarded, HttpSubgraphClient,
    REQUEST_ID_HEADER, SECRET_HEADER, SubgraphClient, SubgraphEndpoint, SubgraphResponse,
};
pub use execute::{EntityCaching, RawResult, delivery_of, execute, execute_delivery, execute_from};
pub use merge::subgraph_errors;
pub use replicas::Replicas;

use apollo_compiler::{ExecutableDocument, Schema, executable::Operation};

use crate::auth::Denied;
use crate::json::{Map, Value};

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
        data,
        mut errors,
        received,
        ..
    } = raw;
    // Written in one pass, straight from the merged data. Entities reused in several
    // places make the answer larger than what subgraphs sent: room for twice that (pages
    // never written are never resident) spares copying a growing buffer.
    let mut body = Vec::with_capacity(received.saturating_mul(2).max(64));
    body.extend_from_slice(b"{\"data\":");
    project::Projector {
        schema,
        document,
        variables,
        errors: &mut errors,
        fields: Default::default(),
        denied,
        deferring: None,
        base: Vec::new(),
    }
    .project(&operation.selection_set, &data, &mut body);
    if !errors.is_empty() {
        body.extend_from_slice(b",\"errors\":[");
        for (i, error) in errors.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            crate::json::write_value(&mut body, error);
        }
        body.push(b']');
    }
    if let Some(extensions) = extensions {
        body.extend_from_slice(b",\"extensions\":");
        crate::json::write_value(&mut body, extensions);
    }
    body.push(b'}');
    (body, !errors.is_empty())
}

/// Deep-merges an object into the raw data root (introspection results).
pub fn merge_into(data: &mut Value, object: Map) {
    if let Value::Object(root) = data {
        paths::merge_map(root, object);
    }
}
