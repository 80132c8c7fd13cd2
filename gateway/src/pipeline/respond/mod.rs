//! Responding: the introspection part answered from the API schema, every error given a
//! code, and the merged data projected onto the operation and written in one pass.

mod introspection;

pub use introspection::{RootFieldKinds, execute_introspection};

use apollo_compiler::{Name, collections::HashMap, schema::Implementers};

use crate::auth::Denied;
use crate::executor::{self, RawResult};
use crate::json::{self as data, Value};
use crate::pipeline::{PipelineError, admit::Admitted};
use crate::query_planner::QueryPlan;
use crate::supergraph::Supergraph;

/// Answers of at most this many bytes from subgraphs are shaped on the request's thread;
/// larger ones on a blocking thread (handing over costs more than shaping a small one).
pub const SHAPE_INLINE_BYTES: usize = 256 << 10;

/// Adds the introspection part to the executed result and gives every error a code.
pub fn complete(
    raw: &mut RawResult,
    supergraph: &Supergraph,
    implementers: &HashMap<Name, Implementers>,
    admitted: &Admitted,
) -> Result<(), PipelineError> {
    if admitted.kinds.schema_introspection {
        let response =
            execute_introspection(&supergraph.api_schema, implementers, &admitted.prepared)?;
        if let Ok(serde_json::Value::Object(object)) = serde_json::to_value(&response.data)
            && let Value::Object(object) = serde_json::Value::Object(object).into()
        {
            executor::merge_into(&mut raw.data, object);
        }
        for error in response.errors {
            if let Ok(e) = serde_json::to_value(&error) {
                raw.errors.push(e.into());
            }
        }
    }
    give_codes(&mut raw.errors);
    Ok(())
}

/// Gives every error without `extensions.code` one (see [`default_code`]).
pub fn give_codes(errors: &mut [Value]) {
    for error in errors {
        default_code(error);
    }
}

/// The response body (`{data, errors?, extensions?}`) of a completed result, and whether
/// it has errors.
pub fn shape(
    supergraph: &Supergraph,
    admitted: &Admitted,
    raw: RawResult,
    extensions: Option<&Value>,
    denied: &Denied,
) -> (Vec<u8>, bool) {
    executor::serialize_response(
        &supergraph.api_schema,
        &admitted.prepared.document,
        &admitted.prepared.operation,
        &admitted.variables,
        raw,
        extensions,
        denied,
    )
}

/// `extensions` exposing the plan (`queryPlan.text` and `queryPlan.plan`).
pub fn plan_extensions(plan: &QueryPlan) -> Value {
    crate::json!({ "queryPlan": { "text": plan.to_string(), "plan": plan } })
}

/// Gives an error without `extensions.code` one: a subgraph's error (it names its
/// `service`) is `DOWNSTREAM_SERVICE_ERROR`, as Apollo Gateway marks them; anything else
/// the gateway made is `INTERNAL_SERVER_ERROR`.
fn default_code(error: &mut Value) {
    let Value::Object(error) = error else {
        return;
    };
    let extensions = error.get_or_insert_with("extensions", || Value::Object(data::Map::default()));
    if let Value::Object(extensions) = extensions
        && !extensions.contains_key("code")
    {
        let code = if extensions.contains_key("service") {
            "DOWNSTREAM_SERVICE_ERROR"
        } else {
            "INTERNAL_SERVER_ERROR"
        };
        extensions.insert("code", code.into());
    }
}
