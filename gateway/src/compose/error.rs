//! Why composition failed: every error names the subgraph(s) and the schema coordinate.

/// A composition failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComposeError {
    /// Nothing to compose.
    #[error("no subgraphs to compose")]
    NoSubgraphs,
    /// Two subgraphs share a name.
    #[error("subgraph `{0}` is given twice")]
    DuplicateSubgraph(String),
    /// A subgraph SDL does not parse or build as a schema.
    #[error("subgraph `{subgraph}`: invalid SDL:\n{message}")]
    Parse {
        /// The subgraph.
        subgraph: String,
        /// The parser's diagnostics.
        message: String,
    },
    /// A problem inside one subgraph (a bad field set, an orphan `@external`, …).
    #[error("subgraph `{subgraph}`, {coordinate}: {problem}")]
    Subgraph {
        /// The subgraph.
        subgraph: String,
        /// `Type` or `Type.field`.
        coordinate: String,
        /// What is wrong.
        problem: String,
    },
    /// Subgraphs disagree about an element.
    #[error("{coordinate} (subgraphs {}): {problem}", list(.subgraphs))]
    Conflict {
        /// `Type`, `Type.field` or `Type.field(arg:)`.
        coordinate: String,
        /// The subgraphs involved.
        subgraphs: Vec<String>,
        /// What is wrong.
        problem: String,
    },
    /// A federation feature the gateway cannot serve yet (`@fromContext`): refused, since
    /// composing without it would give clients wrong answers.
    #[error(
        "subgraph `{subgraph}`, {coordinate}: {feature}, which this gateway does not support yet"
    )]
    Unsupported {
        /// The subgraph.
        subgraph: String,
        /// `Type.field(argument:)` or another coordinate.
        coordinate: String,
        /// What the element does, naming the directive.
        feature: String,
    },
    /// The composed supergraph is not valid (a case composition does not handle).
    #[error("the composed supergraph is invalid: {0}")]
    Supergraph(String),
    /// Several of the above, one per line.
    #[error("{} composition errors:\n{}", .0.len(), lines(.0))]
    Several(Vec<ComposeError>),
}

impl ComposeError {
    /// One error, or [`ComposeError::Several`]; `None` when the list is empty.
    pub(crate) fn from_all(mut errors: Vec<ComposeError>) -> Option<Self> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(Self::Several(errors)),
        }
    }
}

fn list(subgraphs: &[String]) -> String {
    subgraphs
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lines(errors: &[ComposeError]) -> String {
    errors
        .iter()
        .map(|e| format!("- {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}
