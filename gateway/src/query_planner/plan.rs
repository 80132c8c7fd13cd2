//! Plan nodes: serde data (internally tagged by `kind`) with a readable text form.

use std::fmt::{self, Write as _};

use serde::{Serialize, Serializer};

use super::{defer::DeferCondition, selection::SubSelection};

/// One step of a path into the response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object field, by response key.
    Key(String),
    /// Every element of a list (`@`).
    List,
    /// Only objects whose `__typename` is one of these (`|[A,B]`).
    TypeCondition(Vec<String>),
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(key) => f.write_str(key),
            PathStep::List => f.write_str("@"),
            PathStep::TypeCondition(types) => write!(f, "|[{}]", types.join(",")),
        }
    }
}

impl Serialize for PathStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A path into the response, from its root.
pub type ResponsePath = Vec<PathStep>;

fn path_text(path: &[PathStep]) -> String {
    let steps: Vec<String> = path.iter().map(ToString::to_string).collect();
    steps.join(".")
}

/// A field a subgraph request selects under an alias because, in that subgraph, it does not
/// merge with another field of its response key (their types differ there, though not in
/// the supergraph): the executor moves it back to its key before merging the fetch's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rename {
    /// Where the objects holding the field are, inside the fetch's data (for an entity
    /// fetch, inside each entity); keys as the subgraph answers them, aliases included.
    pub path: ResponsePath,
    /// The alias sent.
    pub from: String,
    /// The response key it stands for.
    pub to: String,
}

impl fmt::Display for Rename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Rename(path: {:?}, {} => {})",
            path_text(&self.path),
            self.from,
            self.to
        )
    }
}

/// The operation kind a fetch sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FetchKind {
    /// A query.
    Query,
    /// A mutation (root fields run in order).
    Mutation,
    /// A subscription (its one root field, over a WebSocket).
    Subscription,
}

/// A request to one subgraph.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchNode {
    /// Its id within the plan.
    pub id: usize,
    /// Fetches whose data it needs (the executor starts it as soon as they are merged).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<usize>,
    /// The subgraph's name.
    pub service_name: String,
    /// Its index in the supergraph's subgraph list.
    #[serde(skip)]
    pub subgraph_index: usize,
    /// Query, mutation or subscription.
    pub operation_kind: FetchKind,
    /// The document sent.
    pub operation: String,
    /// Operation variables forwarded to the subgraph.
    pub variable_usages: Vec<String>,
    /// For entity fetches: the representation taken from each object (`__typename`, key,
    /// required fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<SubSelection>,
    /// For `@interfaceObject` targets: the `__typename` sent instead of the concrete one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typename_rewrite: Option<String>,
    /// For root fetches: the top-level response keys it fills (errors are pathed there
    /// when the subgraph fails).
    #[serde(skip)]
    pub response_keys: Vec<String>,
    /// Aliased fields to move back to their response keys in the fetch's data, in the
    /// order to apply them (deepest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<Rename>,
}

/// The operation name every planned fetch starts with (`Operation__<subgraph>__<id>`): the
/// executor puts the client's operation name in its place, so one cached plan serves an
/// operation whatever the client calls it.
pub const PLACEHOLDER_NAME: &str = "Operation";

impl FetchNode {
    /// The document to send, its operation named after the client's operation.
    pub fn operation_named(&self, client_operation: Option<&str>) -> std::borrow::Cow<'_, str> {
        let renamed = client_operation
            .filter(|name| *name != PLACEHOLDER_NAME && is_name(name))
            .and_then(|name| {
                let (word, rest) = self.operation.split_once(' ')?;
                let tail = rest.strip_prefix(PLACEHOLDER_NAME)?;
                tail.starts_with("__")
                    .then(|| format!("{word} {name}{tail}"))
            });
        renamed.map_or(
            std::borrow::Cow::Borrowed(&self.operation),
            std::borrow::Cow::Owned,
        )
    }
}

/// Whether `name` is a GraphQL name (what a parsed document's operation name always is).
fn is_name(name: &str) -> bool {
    name.bytes()
        .enumerate()
        .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()))
        && !name.is_empty()
}

/// One `_entities` selection of a [`PlanNode::Batch`].
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityPart {
    /// The plan id of the entity fetch this part stands for.
    pub id: usize,
    /// The response key of its `_entities` field (`_e0`).
    pub alias: String,
    /// The variable holding its representations (`r0`).
    pub variable: String,
    /// Where the objects are.
    pub paths: Vec<ResponsePath>,
    /// The representation taken from each object.
    pub requires: SubSelection,
    /// For `@interfaceObject` targets: the `__typename` sent instead of the concrete one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typename_rewrite: Option<String>,
    /// Its selection as a stand-alone `_entities` document (the entity cache's key).
    #[serde(skip)]
    pub operation: String,
    /// Aliased fields to move back to their response keys in each of its entities, in
    /// the order to apply them (deepest first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renames: Vec<Rename>,
}

/// A node of the plan.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind")]
pub enum PlanNode {
    /// Children one after the other.
    Sequence {
        /// The children.
        nodes: Vec<PlanNode>,
    },
    /// Children concurrently.
    Parallel {
        /// The children.
        nodes: Vec<PlanNode>,
    },
    /// A root fetch; its data merges at the response root.
    Fetch(FetchNode),
    /// Runs one branch depending on a boolean variable (`@include`/`@skip(if: $var)`).
    #[serde(rename_all = "camelCase")]
    Condition {
        /// The variable.
        condition: String,
        /// Run when it is true.
        #[serde(skip_serializing_if = "Option::is_none")]
        if_clause: Option<Box<PlanNode>>,
        /// Run when it is false.
        #[serde(skip_serializing_if = "Option::is_none")]
        else_clause: Option<Box<PlanNode>>,
    },
    /// Several entity fetches to one subgraph sent as one request: each part is an
    /// aliased `_entities` selection with its own representations.
    Batch {
        /// The parts, in alias order.
        parts: Vec<EntityPart>,
        /// The request (its `requires` is unused: each part has its own).
        node: FetchNode,
    },
    /// An entity fetch for the objects found at these paths; results merge into them.
    Flatten {
        /// Where the objects are (one fetch serves every path, representations deduplicated).
        paths: Vec<ResponsePath>,
        /// The `_entities` fetch.
        node: FetchNode,
    },
}

/// The fetches of one defer site: they run after the response they extend (the primary
/// one, or the parent site's) is delivered, with the objects it fetched as their input.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeferredNode {
    /// The site's number (see [`super::defer_sites`]).
    pub id: usize,
    /// The site's `label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The site it is nested in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    /// When it defers (else its fetches run with the primary ones).
    pub condition: DeferCondition,
    /// Where its fragment is in the response.
    pub paths: Vec<ResponsePath>,
    /// Its fetches; `None` when the primary fetches already bring all it selects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<PlanNode>,
}

/// The plan of one operation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueryPlan {
    /// The root node; `None` when nothing needs a subgraph (introspection, `__typename`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<PlanNode>,
    /// One entry per defer site, in site order (parents before the sites they hold).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deferred: Vec<DeferredNode>,
}

impl QueryPlan {
    /// Every fetch of the plan, in plan order.
    pub fn fetches(&self) -> Vec<&FetchNode> {
        fn walk<'a>(node: &'a PlanNode, out: &mut Vec<&'a FetchNode>) {
            match node {
                PlanNode::Sequence { nodes } | PlanNode::Parallel { nodes } => {
                    nodes.iter().for_each(|n| walk(n, out))
                }
                PlanNode::Fetch(fetch)
                | PlanNode::Flatten { node: fetch, .. }
                | PlanNode::Batch { node: fetch, .. } => out.push(fetch),
                PlanNode::Condition {
                    if_clause,
                    else_clause,
                    ..
                } => {
                    if_clause.iter().for_each(|n| walk(n, out));
                    else_clause.iter().for_each(|n| walk(n, out));
                }
            }
        }
        let mut out = Vec::new();
        let deferred = self.deferred.iter().filter_map(|d| d.node.as_ref());
        for node in self.node.iter().chain(deferred) {
            walk(node, &mut out);
        }
        out
    }
}

fn paths_text(paths: &[ResponsePath]) -> String {
    let paths: Vec<String> = paths
        .iter()
        .map(|p| format!("{:?}", path_text(p)))
        .collect();
    paths.join(", ")
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_node(out: &mut String, node: &PlanNode, depth: usize) {
    indent(out, depth);
    match node {
        PlanNode::Sequence { nodes } | PlanNode::Parallel { nodes } => {
            let name = if matches!(node, PlanNode::Sequence { .. }) {
                "Sequence"
            } else {
                "Parallel"
            };
            out.push_str(name);
            out.push_str(" {\n");
            for child in nodes {
                write_node(out, child, depth + 1);
            }
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Fetch(fetch) => write_fetch(out, fetch, depth),
        PlanNode::Condition {
            condition,
            if_clause,
            else_clause,
        } => {
            let (word, branch) = match (if_clause, else_clause) {
                (Some(branch), _) => ("Include", branch),
                (None, Some(branch)) => ("Skip", branch),
                (None, None) => return,
            };
            let _ = writeln!(out, "{word}(if: ${condition}) {{");
            write_node(out, branch, depth + 1);
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Batch { parts, node } => {
            let _ = writeln!(out, "Batch(service: {:?}) {{", node.service_name);
            for part in parts {
                indent(out, depth + 1);
                let _ = writeln!(
                    out,
                    "{}: Flatten(path: {}) {} =>",
                    part.alias,
                    paths_text(&part.paths),
                    part.requires
                );
                for rename in &part.renames {
                    indent(out, depth + 2);
                    let _ = writeln!(out, "{rename}");
                }
            }
            indent(out, depth + 1);
            out.push_str(&node.operation);
            out.push('\n');
            indent(out, depth);
            out.push_str("},\n");
        }
        PlanNode::Flatten { paths, node } => {
            let _ = writeln!(out, "Flatten(path: {}) {{", paths_text(paths));
            indent(out, depth + 1);
            write_fetch(out, node, depth + 1);
            indent(out, depth);
            out.push_str("},\n");
        }
    }
}

fn write_fetch(out: &mut String, fetch: &FetchNode, depth: usize) {
    let _ = writeln!(out, "Fetch(service: {:?}) {{", fetch.service_name);
    if let Some(requires) = &fetch.requires {
        indent(out, depth + 1);
        let _ = writeln!(out, "{requires} =>");
    }
    indent(out, depth + 1);
    out.push_str(&fetch.operation);
    out.push('\n');
    for rename in &fetch.renames {
        indent(out, depth + 1);
        let _ = writeln!(out, "{rename}");
    }
    indent(out, depth);
    out.push_str("},\n");
}

impl fmt::Display for QueryPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("QueryPlan {\n");
        if let Some(node) = &self.node {
            write_node(&mut out, node, 1);
        }
        for deferred in &self.deferred {
            indent(&mut out, 1);
            let _ = write!(out, "Deferred(id: {}", deferred.id);
            if let Some(label) = &deferred.label {
                let _ = write!(out, ", label: {label:?}");
            }
            if let Some(parent) = deferred.parent {
                let _ = write!(out, ", parent: {parent}");
            }
            if let DeferCondition::Variable(variable) = &deferred.condition {
                let _ = write!(out, ", if: ${variable}");
            }
            let _ = writeln!(out, ", path: {}) {{", paths_text(&deferred.paths));
            if let Some(node) = &deferred.node {
                write_node(&mut out, node, 2);
            }
            indent(&mut out, 1);
            out.push_str("},\n");
        }
        out.push('}');
        f.write_str(&out)
    }
}
