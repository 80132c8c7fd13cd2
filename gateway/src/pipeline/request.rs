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
    /// A request from its JSON body, the text of inexactly held variables kept.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        let mut request: Self = serde_json::from_slice(body)?;
        if request.variables.as_ref().is_some_and(|v| !v.is_empty()) {
            request.exact_variables = exact_variables(body);
        }
        Ok(request)
    }
}

/// The variables of a request body whose text says more than `f64` numbers keep.
fn exact_variables(body: &[u8]) -> BTreeMap<String, String> {
    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        variables: Option<BTreeMap<String, &'a RawValue>>,
    }
    match serde_json::from_slice::<Raw<'_>>(body) {
        Ok(Raw {
            variables: Some(variables),
        }) => exact(variables),
        _ => BTreeMap::new(),
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
