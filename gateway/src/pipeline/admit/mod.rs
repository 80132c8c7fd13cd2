//! Admission: the request's document resolved (persisted operations), parsed and
//! validated (cached), its operation chosen, variables coerced, introspection allowed and
//! limits checked. What passes is an [`Admitted`] operation, ready for planning.

mod documents;
pub(crate) mod limits;
mod persisted;
mod prepare;
mod stream_rules;

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use serde_json::{Map, Value};

pub use documents::{CachedDocument, DEFAULT_DOCUMENT_CACHE_BYTES, Documents, key_name, normalise};
pub use limits::{DEFAULT_MAX_FIELDS, OperationLimits, OperationMeasure, check, measure};
pub(crate) use persisted::manifest_documents;
pub use persisted::{ManifestError, PersistedQueries, sha256_hex};
pub use prepare::{
    HttpMethod, MAX_DOCUMENT_BYTES, MAX_REPORTED_ERRORS, PreparedOperation, parse_and_validate,
    prepare, select_operation,
};

use crate::pipeline::{ErrorCode, GraphqlRequest, PipelineError, RootFieldKinds, budget};
use crate::{supergraph::Supergraph, telemetry::Metrics};

pub use crate::config::DEFAULT_MAX_TOKENS;

/// An operation that passed every check before planning.
pub struct Admitted {
    /// Its validated document, as cached.
    pub document: Arc<CachedDocument>,
    /// The operation chosen, with coerced variables.
    pub prepared: PreparedOperation,
    /// Which kinds of root fields it selects.
    pub kinds: RootFieldKinds,
    /// The coerced variables as JSON (what subgraph requests carry).
    pub variables: Map<String, Value>,
    /// The text the client wrote of variables whose numbers `variables` holds less
    /// exactly, where coercion left them as sent: subgraphs get this text.
    pub exact_variables: Arc<BTreeMap<String, String>>,
}

/// The admission stage's settings and its document cache.
pub struct Admission {
    /// Validated documents by text.
    pub documents: Documents,
    /// Operation limits checked before planning.
    pub limits: OperationLimits,
    /// Most tokens a document may have.
    pub max_tokens: Option<usize>,
    /// APQ, safelist or neither.
    pub persisted: PersistedQueries,
    /// Whether `__schema`/`__type` are answered.
    pub introspection: bool,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            documents: Documents::new(DEFAULT_DOCUMENT_CACHE_BYTES),
            limits: OperationLimits::default(),
            max_tokens: Some(DEFAULT_MAX_TOKENS),
            persisted: PersistedQueries::apq(),
            introspection: true,
        }
    }
}

impl Admission {
    /// The document text of a request (persisted operations resolved).
    pub async fn query(&self, request: &GraphqlRequest) -> Result<Arc<str>, PipelineError> {
        Ok(self
            .persisted
            .resolve(request)
            .await?
            .unwrap_or_else(|| Arc::from("")))
    }

    /// Admits a request whose document is parsed and validated now (or found cached).
    pub fn admit(
        &self,
        supergraph: &Supergraph,
        query: &str,
        request: &GraphqlRequest,
        method: HttpMethod,
        deadline: Option<Instant>,
        metrics: &Metrics,
    ) -> Result<Admitted, PipelineError> {
        budget::check(deadline, "waiting to parse the document")?;
        let document =
            self.documents
                .get(&supergraph.api_schema, query, self.max_tokens, metrics)?;
        self.admit_document(supergraph, document, request, method, deadline)
    }

    /// The rest of admission once the document is validated: the operation, the GET
    /// rules, variables, introspection and limits.
    pub fn admit_document(
        &self,
        supergraph: &Supergraph,
        document: Arc<CachedDocument>,
        request: &GraphqlRequest,
        method: HttpMethod,
        deadline: Option<Instant>,
    ) -> Result<Admitted, PipelineError> {
        budget::check(deadline, "validating the document")?;
        let prepared = select_operation(
            &supergraph.api_schema,
            document.document.clone(),
            request,
            method,
        )?;
        let kinds = RootFieldKinds::of(&prepared);
        if kinds.schema_introspection && !self.introspection {
            return Err(PipelineError::single(
                ErrorCode::IntrospectionDisabled,
                "introspection is disabled on this gateway",
            ));
        }
        let variables: Map<String, Value> = match serde_json::to_value(&*prepared.variables) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let measure = measure(
            &supergraph.schema,
            &prepared.document,
            &prepared.operation,
            &variables,
            self.limits.default_list_size,
            deadline,
        )?;
        check(&self.limits, &measure)?;
        let exact_variables = request
            .exact_variables
            .iter()
            .filter(|(name, text)| {
                serde_json::from_str::<Value>(text).ok().as_ref() == variables.get(name.as_str())
            })
            .map(|(name, text)| (name.clone(), text.clone()))
            .collect();
        Ok(Admitted {
            document,
            prepared,
            kinds,
            variables,
            exact_variables: Arc::new(exact_variables),
        })
    }
}
