/// Why a supergraph cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupergraphError {
    /// The SDL does not parse or validate as a GraphQL schema.
    #[error("the supergraph is not a valid GraphQL schema:\n{0}")]
    Invalid(String),
    /// It has no `@link` to the join spec: not a supergraph.
    #[error("not a supergraph: the schema has no @link to https://specs.apollo.dev/join")]
    NotASupergraph,
    /// A join spec version we do not implement.
    #[error("unsupported join spec version v{0}: supported are v0.2 to v0.5")]
    UnsupportedJoinVersion(String),
    /// A `@link` whose url has no `/vX.Y` version.
    #[error("@link(url: \"{0}\") has no version")]
    MalformedLink(String),
    /// A join directive misses an argument or has one of the wrong shape.
    #[error("{element}: @{directive} {problem}")]
    BadDirective {
        /// Schema coordinate of the element (`Query.users`).
        element: String,
        /// The directive's local name.
        directive: String,
        /// What is wrong.
        problem: String,
    },
    /// A `@join__*` application names a graph that `join__Graph` does not define.
    #[error("{element}: unknown subgraph '{graph}' (not a value of join__Graph)")]
    UnknownGraph {
        /// Schema coordinate of the element.
        element: String,
        /// The graph named.
        graph: String,
    },
    /// An element relies on a feature the gateway cannot plan yet: refused at load rather
    /// than answered wrongly.
    #[error("{element}: {feature}, which this gateway does not support yet")]
    Unsupported {
        /// Schema coordinate of the element (`Cart.greeting(locale:)`).
        element: String,
        /// What the element does, naming the directive or argument.
        feature: String,
    },
    /// Removing the machinery and inaccessible elements left an invalid schema.
    #[error("the API schema derived from the supergraph is invalid:\n{0}")]
    InvalidApiSchema(String),
}
