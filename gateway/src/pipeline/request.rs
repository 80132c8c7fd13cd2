use std::collections::BTreeMap;

use apollo_compiler::response::JsonMap;
use serde::Deserialize;
use serde_json::value::RawValue;

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
    /// The variables whose numbers `variables` holds less exactly than the client wrote
    /// them (integers beyond 64 bits, long decimals, `1.50`), as written: what subgraphs
    /// are sent, so numbers are never re-rounded on their way through.
    #[serde(skip)]
    pub exact_variables: BTreeMap<String, String>,
}

impl GraphqlRequest {
    /// A request from its JSON body, the text of inexactly held variables kept: the body
    /// is read once, its `variables` kept as text and read from there both ways.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            query: Option<String>,
            operation_name: Option<String>,
            #[serde(borrow)]
            variables: Option<&'a RawValue>,
            extensions: Option<JsonMap>,
        }
        let wire: Wire<'_> = serde_json::from_slice(body)?;
        let (variables, exact_variables) = match wire.variables {
            Some(raw) => (
                serde_json::from_str(raw.get())?,
                exact_variables_in(raw.get()),
            ),
            None => (None, BTreeMap::new()),
        };
        Ok(Self {
            query: wire.query,
            operation_name: wire.operation_name,
            variables,
            extensions: wire.extensions,
            exact_variables,
        })
    }
}

/// The variables of a JSON object's text (a GET request's `variables`) whose text says
/// more than `f64` numbers keep.
pub fn exact_variables_in(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str::<BTreeMap<String, &RawValue>>(text)
        .map(exact)
        .unwrap_or_default()
}

fn exact(variables: BTreeMap<String, &RawValue>) -> BTreeMap<String, String> {
    variables
        .into_iter()
        .filter(|(_, raw)| {
            let text = raw.get();
            // Only a number can be held differently; most values have none worth a look.
            text.bytes().any(|b| b.is_ascii_digit())
                && match (
                    crate::json::parse(text.as_bytes()),
                    serde_json::from_str::<serde_json::Value>(text),
                ) {
                    (Ok(exact), Ok(held)) => crate::json::Value::from(held) != exact,
                    _ => false,
                }
        })
        .map(|(name, raw)| (name, raw.get().to_owned()))
        .collect()
}
