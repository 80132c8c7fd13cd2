//! Types as each subgraph sees them. A subgraph request must be valid against that
//! subgraph's schema, which may relate fewer types than the supergraph (a union with fewer
//! members, an object not declared as implementing an interface) and may type a field
//! differently (`String!` where the supergraph says `String`, a union member where the
//! supergraph says the union).

use std::collections::{HashMap, HashSet};

use apollo_compiler::{Name, ast::Type};

use super::{graph::FederationGraph, selection::Step};
use crate::supergraph::Supergraph;

/// The per-subgraph type relations and field types, indexed once per supergraph.
#[derive(Debug, Default)]
pub(crate) struct SubgraphTypes {
    /// Object types each abstract type can be in each subgraph, in schema order, by
    /// `(abstract type, graph)`.
    possible: HashMap<(Name, String), Vec<Name>>,
    /// Field types that differ from the supergraph's, by `(type, field, graph)`.
    field_types: HashMap<(Name, Name, String), Type>,
}

impl SubgraphTypes {
    /// Indexes the supergraph; `possible` are its own object types per abstract type.
    pub(crate) fn new(supergraph: &Supergraph, possible: &HashMap<Name, Vec<Name>>) -> Self {
        let schema = &supergraph.schema;
        let defines = |ty: &str, graph: &str| {
            supergraph
                .type_owners
                .get(ty)
                .is_some_and(|owners| owners.iter().any(|o| o.graph == graph))
        };
        let mut index = HashMap::new();
        for (abstract_type, objects) in possible {
            for subgraph in &supergraph.subgraphs {
                let graph = subgraph.graph.as_str();
                let mut found: Vec<Name> = match supergraph.subtypes.get(abstract_type.as_str()) {
                    Some(_) => {
                        let mut out = Vec::new();
                        collect_subtypes(
                            supergraph,
                            abstract_type,
                            graph,
                            &mut HashSet::new(),
                            &mut out,
                        );
                        out
                    }
                    // Nothing said per subgraph (an older join spec): the supergraph's
                    // relation, for the types the subgraph defines.
                    None => objects
                        .iter()
                        .filter(|o| defines(o, graph))
                        .cloned()
                        .collect(),
                };
                found.sort_by_key(|o| schema.types.get_index_of(o));
                found.dedup();
                index.insert((abstract_type.clone(), graph.to_owned()), found);
            }
        }
        let mut field_types = HashMap::new();
        for ((ty, field), owners) in &supergraph.field_owners {
            for owner in owners {
                let Some(text) = &owner.type_in_subgraph else {
                    continue;
                };
                // Checked when the supergraph was parsed; a bad one just keeps the
                // supergraph's type.
                let (Ok(ty), Ok(field), Ok(parsed)) = (
                    Name::new(ty),
                    Name::new(field),
                    Type::parse(text.as_str(), "join-field-type.graphql"),
                ) else {
                    continue;
                };
                field_types.insert((ty, field, owner.graph.clone()), parsed);
            }
        }
        Self {
            possible: index,
            field_types,
        }
    }
}

/// The object types of `abstract_type` in `graph` by its `@join__implements` and
/// `@join__unionMember` (through interfaces implementing interfaces).
fn collect_subtypes(
    supergraph: &Supergraph,
    abstract_type: &str,
    graph: &str,
    seen: &mut HashSet<String>,
    out: &mut Vec<Name>,
) {
    if !seen.insert(abstract_type.to_owned()) {
        return;
    }
    let Some(subtypes) = supergraph.subtypes.get(abstract_type) else {
        return;
    };
    for subtype in subtypes.iter().filter(|s| s.graph == graph) {
        match supergraph.schema.types.get(subtype.name.as_str()) {
            Some(apollo_compiler::schema::ExtendedType::Object(_)) => {
                if let Ok(name) = Name::new(&subtype.name) {
                    out.push(name);
                }
            }
            Some(_) => collect_subtypes(supergraph, &subtype.name, graph, seen, out),
            None => {}
        }
    }
}

/// A position in a subgraph request: the type there as the subgraph sees it, and the
/// object types the subgraph can return there.
#[derive(Debug)]
pub(crate) struct Position {
    /// The type in the subgraph's schema.
    pub(crate) ty: Name,
    /// The object types possible there, in schema order.
    pub(crate) runtime: Vec<Name>,
}

impl FederationGraph<'_> {
    /// The object types `ty` can be in `graph` (itself for an object type).
    pub(crate) fn possible_types_in(&self, ty: &Name, graph: &str) -> Vec<Name> {
        if !self.is_abstract(ty) {
            return vec![ty.clone()];
        }
        self.index
            .subgraph_types
            .possible
            .get(&(ty.clone(), graph.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// The type of `parent.field` in `graph`: its `@join__field(type:)` there, else the
    /// supergraph's. `None` for a field the supergraph does not have on `parent`.
    pub(crate) fn field_type_in(&self, parent: &Name, field: &Name, graph: &str) -> Option<Type> {
        if let Some(ty) = self.index.subgraph_types.field_types.get(&(
            parent.clone(),
            field.clone(),
            graph.to_owned(),
        )) {
            return Some(ty.clone());
        }
        self.supergraph
            .schema
            .type_field(parent, field)
            .ok()
            .map(|def| def.ty.clone())
    }

    /// Where `steps` lead in a request to `graph` whose selection is on `root`: field
    /// types as `graph` has them, type conditions narrowing what it can return. `None`
    /// when a step is not a field of the supergraph.
    pub(crate) fn position(&self, graph: &str, root: &Name, steps: &[Step]) -> Option<Position> {
        let mut ty = root.clone();
        let mut runtime = self.possible_types_in(root, graph);
        for step in steps {
            match step {
                Step::Field(field) => {
                    ty = self
                        .field_type_in(&ty, &field.name, graph)?
                        .inner_named_type()
                        .clone();
                    runtime = self.possible_types_in(&ty, graph);
                }
                // A condition the subgraph does not define only carries directives (the
                // planner never narrows to a type the subgraph lacks).
                Step::Fragment(condition, _) if self.defines_type(condition, graph) => {
                    let narrowed = self.possible_types_in(condition, graph);
                    runtime.retain(|t| narrowed.contains(t));
                    ty = condition.clone();
                }
                Step::Fragment(..) => {}
            }
        }
        Some(Position { ty, runtime })
    }
}
