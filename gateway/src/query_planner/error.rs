/// Why an operation could not be planned.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlannerError {
    /// No subgraph can resolve a field where the operation asks for it.
    #[error("no subgraph can resolve {type_name}.{field} from subgraph {from}")]
    Unresolvable {
        /// The parent type.
        type_name: String,
        /// The field.
        field: String,
        /// The subgraph the planner was in.
        from: String,
    },
    /// A `@key`, `@requires` or `@provides` field set does not parse against the supergraph.
    #[error("invalid field set {field_set:?} on {type_name}: {message}")]
    FieldSet {
        /// The type the field set applies to.
        type_name: String,
        /// The field set.
        field_set: String,
        /// What is wrong.
        message: String,
    },
    /// Two different fields would share one response key in a subgraph request.
    #[error("response key {key:?} is used by two different fields at one position (unsupported)")]
    ResponseKeyConflict {
        /// The key.
        key: String,
    },
    /// Key hops nested too deep (a cycle in the supergraph's keys).
    #[error("entity key resolution for {type_name} needs too many hops")]
    TooManyHops {
        /// The entity type.
        type_name: String,
    },
    /// Planning went past its bound of work (a query too large to plan).
    #[error("the operation is too large to plan: over {0} field positions")]
    TooLarge(usize),
    /// The schema has no root type for this operation kind.
    #[error("the supergraph has no {0} root type")]
    NoRootType(String),
}
