//! Questions the planner asks of the supergraph's `@join__*` metadata.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    Name,
    executable::{FieldSet, Selection, SelectionSet},
    schema::ExtendedType,
};

use super::{PlannerError, subgraph_types::SubgraphTypes};
use crate::supergraph::{FieldOwner, Supergraph, TypeOwner};

/// Indexes computed once per supergraph.
#[derive(Debug)]
pub(crate) struct GraphIndex {
    /// Object types each abstract type can be, in schema order.
    possible: HashMap<Name, Vec<Name>>,
    graph_index: HashMap<String, usize>,
    /// Type relations and field types per subgraph.
    pub(crate) subgraph_types: SubgraphTypes,
}

impl GraphIndex {
    pub(crate) fn new(supergraph: &Supergraph) -> Self {
        let schema = &supergraph.schema;
        let implementers = schema.implementers_map();
        let mut possible: HashMap<Name, Vec<Name>> = HashMap::new();
        for (name, ty) in &schema.types {
            match ty {
                ExtendedType::Union(u) => {
                    possible.insert(
                        name.clone(),
                        u.members.iter().map(|m| m.name.clone()).collect(),
                    );
                }
                ExtendedType::Interface(_) => {
                    let mut objects: Vec<Name> = implementers
                        .get(name)
                        .map(|i| i.objects.iter().cloned().collect())
                        .unwrap_or_default();
                    objects.sort_by_key(|o| schema.types.get_index_of(o));
                    possible.insert(name.clone(), objects);
                }
                _ => {}
            }
        }
        let graph_index = supergraph
            .subgraphs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.graph.clone(), i))
            .collect();
        let subgraph_types = SubgraphTypes::new(supergraph, &possible);
        Self {
            possible,
            graph_index,
            subgraph_types,
        }
    }
}

/// The supergraph, indexed for planning.
pub(crate) struct FederationGraph<'a> {
    pub(crate) supergraph: &'a Supergraph,
    pub(crate) index: &'a GraphIndex,
}

impl FederationGraph<'_> {
    pub(crate) fn index_of(&self, graph: &str) -> usize {
        self.index
            .graph_index
            .get(graph)
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn name_of<'s>(&'s self, graph: &'s str) -> &'s str {
        self.supergraph
            .subgraph(graph)
            .map_or(graph, |s| s.name.as_str())
    }

    /// Whether the type is an interface or a union.
    pub(crate) fn is_abstract(&self, ty: &str) -> bool {
        self.index.possible.contains_key(ty)
    }

    /// The object types a type can be at runtime (itself for an object).
    pub(crate) fn possible_types(&self, ty: &Name) -> Vec<Name> {
        self.index
            .possible
            .get(ty)
            .cloned()
            .unwrap_or_else(|| vec![ty.clone()])
    }

    fn type_owners(&self, ty: &str) -> &[TypeOwner] {
        self.supergraph
            .type_owners
            .get(ty)
            .map_or(&[], Vec::as_slice)
    }

    fn field_owners(&self, ty: &str, field: &str) -> &[FieldOwner] {
        self.supergraph
            .field_owners
            .get(&(ty.to_owned(), field.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the subgraph defines the type at all.
    pub(crate) fn defines_type(&self, ty: &str, graph: &str) -> bool {
        self.type_owners(ty).iter().any(|o| o.graph == graph)
    }

    /// Whether the subgraph sees this interface as an `@interfaceObject`.
    pub(crate) fn is_interface_object_in(&self, ty: &str, graph: &str) -> bool {
        self.type_owners(ty)
            .iter()
            .any(|o| o.graph == graph && o.interface_object)
    }

    /// Whether some subgraph resolves the type by a key (it is an entity).
    pub(crate) fn is_entity(&self, ty: &str) -> bool {
        self.type_owners(ty)
            .iter()
            .any(|o| o.resolvable && o.key.is_some())
    }

    /// Resolvable `@key` field sets of the type in the subgraph.
    pub(crate) fn keys(&self, ty: &str, graph: &str) -> Vec<&str> {
        self.type_owners(ty)
            .iter()
            .filter(|o| o.graph == graph && o.resolvable)
            .filter_map(|o| o.key.as_deref())
            .collect()
    }

    /// Subgraphs able to resolve the field, in supergraph order, honouring `@external`
    /// and `@override` (progressive override labels active in `labels`). An interface
    /// field resolves in a subgraph only if it does for every implementation defined
    /// there (an implementation's copy may be `@external` or overridden away).
    pub(crate) fn resolvers(&self, ty: &str, field: &str, labels: &HashSet<String>) -> Vec<&str> {
        let owners = self.field_owners(ty, field);
        owners
            .iter()
            .filter(|o| !o.external && !o.used_overridden)
            .filter(|o| {
                // The overriding side of a progressive override only while its label is on.
                if o.override_from.is_some()
                    && let Some(label) = &o.override_label
                {
                    return labels.contains(label);
                }
                // The overridden side: off when another owner takes it from this subgraph.
                let name = self.name_of(&o.graph);
                !owners.iter().any(|other| {
                    other.override_from.as_deref() == Some(name)
                        && other.graph != o.graph
                        && other
                            .override_label
                            .as_ref()
                            .is_none_or(|label| labels.contains(label))
                })
            })
            .map(|o| o.graph.as_str())
            .filter(|g| self.every_implementation_resolves(ty, field, g, labels))
            .collect()
    }

    fn every_implementation_resolves(
        &self,
        ty: &str,
        field: &str,
        graph: &str,
        labels: &HashSet<String>,
    ) -> bool {
        let interface = matches!(
            self.supergraph.schema.types.get(ty),
            Some(ExtendedType::Interface(_))
        );
        if !interface || self.is_interface_object_in(ty, graph) {
            return true;
        }
        let Some(objects) = self.index.possible.get(ty) else {
            return true;
        };
        objects
            .iter()
            .filter(|object| self.defines_type(object, graph))
            .all(|object| self.resolvers(object, field, labels).contains(&graph))
    }

    /// Whether the subgraph resolves the field (ignoring `@provides`).
    pub(crate) fn resolves(
        &self,
        ty: &str,
        field: &str,
        graph: &str,
        labels: &HashSet<String>,
    ) -> bool {
        field == "__typename" || self.resolvers(ty, field, labels).contains(&graph)
    }

    /// `@requires` of the field in the subgraph.
    pub(crate) fn requires(&self, ty: &str, field: &str, graph: &str) -> Option<&str> {
        self.field_owners(ty, field)
            .iter()
            .find(|o| o.graph == graph)
            .and_then(|o| o.requires.as_deref())
    }

    /// `@provides` of the field in the subgraph.
    pub(crate) fn provides(&self, ty: &str, field: &str, graph: &str) -> Option<&str> {
        self.field_owners(ty, field)
            .iter()
            .find(|o| o.graph == graph)
            .and_then(|o| o.provides.as_deref())
    }

    /// Parses a `@key`/`@requires`/`@provides` field set on a type.
    pub(crate) fn field_set(&self, ty: &Name, source: &str) -> Result<SelectionSet, PlannerError> {
        FieldSet::parse(
            &self.supergraph.schema,
            ty.clone(),
            source,
            "field-set.graphql",
        )
        .map(|fs| fs.selection_set)
        .map_err(|e| PlannerError::FieldSet {
            type_name: ty.to_string(),
            field_set: source.to_owned(),
            message: e.errors.to_string(),
        })
    }

    /// Whether every field of the selection resolves in the subgraph without a hop.
    pub(crate) fn resolves_all(
        &self,
        selection: &SelectionSet,
        graph: &str,
        labels: &HashSet<String>,
    ) -> bool {
        selection.selections.iter().all(|s| match s {
            Selection::Field(f) => {
                self.resolves(&selection.ty, &f.name, graph, labels)
                    && self.resolves_all(&f.selection_set, graph, labels)
            }
            Selection::InlineFragment(i) => self.resolves_all(&i.selection_set, graph, labels),
            Selection::FragmentSpread(_) => false,
        })
    }
}
