use apollo_compiler::response::JsonMap;
use serde::Deserialize;

/// A GraphQL-over-HTTP request body (or GET parameters, decoded).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphqlRequest {
    /// The document.
    pub query: Option<String>,
    /// Which operation of the document to run.
    pub operation_name: Option<String>,
    /// Variable values, as JSON.
    pub variables: Option<JsonMap>,
    /// Protocol extensions (persisted queries, …).
    pub extensions: Option<JsonMap>,
}
