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
    /// Field owners by type, then field: looked up by `&str` without allocating.
    fields: HashMap<String, HashMap<String, Vec<FieldOwner>>>,
    /// Every `@key`, `@requires` and `@provides` field set, parsed once: by the type it
    /// applies to, then its text.
    field_sets: HashMap<String, HashMap<String, SelectionSet>>,
}

/// Parses a field set on a type of the supergraph.
fn parse_field_set(
    supergraph: &Supergraph,
    ty: &Name,
    source: &str,
) -> Result<SelectionSet, PlannerError> {
    FieldSet::parse(&supergraph.schema, ty.clone(), source, "field-set.graphql")
        .map(|fs| fs.selection_set)
        .map_err(|e| PlannerError::FieldSet {
            type_name: ty.to_string(),
            field_set: source.to_owned(),
            message: e.errors.to_string(),
        })
}

/// The field sets of the supergraph's join metadata, parsed (those that parse: the others
/// are reported when planning needs them).
fn field_sets(supergraph: &Supergraph) -> HashMap<String, HashMap<String, SelectionSet>> {
    let mut out: HashMap<String, HashMap<String, SelectionSet>> = HashMap::new();
    let mut add = |ty: &Name, source: &str| {
        let by_source = out.entry(ty.to_string()).or_default();
        if !by_source.contains_key(source)
            && let Ok(parsed) = parse_field_set(supergraph, ty, source)
        {
            by_source.insert(source.to_owned(), parsed);
        }
    };
    for (ty, owners) in &supergraph.type_owners {
        let Ok(ty) = Name::new(ty) else { continue };
        for key in owners.iter().filter_map(|o| o.key.as_deref()) {
            add(&ty, key);
        }
    }
    for ((ty, field), owners) in &supergraph.field_owners {
        let Ok(parent) = Name::new(ty) else { continue };
        let returned = supergraph
            .schema
            .type_field(ty, field)
            .ok()
            .map(|def| def.ty.inner_named_type().clone());
        for owner in owners {
            if let Some(requires) = &owner.requires {
                add(&parent, requires);
            }
            if let (Some(provides), Some(returned)) = (&owner.provides, &returned) {
                add(returned, provides);
            }
        }
    }
    out
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
        let mut fields: HashMap<String, HashMap<String, Vec<FieldOwner>>> = HashMap::new();
        for ((ty, field), owners) in &supergraph.field_owners {
            fields
                .entry(ty.clone())
                .or_default()
                .insert(field.clone(), owners.clone());
        }
        Self {
            possible,
            graph_index,
            subgraph_types,
            fields,
            field_sets: field_sets(supergraph),
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
        self.index
            .fields
            .get(ty)
            .and_then(|fields| fields.get(field))
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
            .filter(|o| self.owner_resolves(ty, field, owners, o, labels))
            .map(|o| o.graph.as_str())
            .collect()
    }

    /// Whether `owner`, one of the field's `owners`, resolves it (see [`Self::resolvers`]).
    fn owner_resolves(
        &self,
        ty: &str,
        field: &str,
        owners: &[FieldOwner],
        owner: &FieldOwner,
        labels: &HashSet<String>,
    ) -> bool {
        if owner.external || owner.used_overridden {
            return false;
        }
        // The overriding side of a progressive override only while its label is on.
        if owner.override_from.is_some()
            && let Some(label) = &owner.override_label
            && !labels.contains(label)
        {
            return false;
        }
        if owner.override_label.is_none() || owner.override_from.is_none() {
            // The overridden side: off when another owner takes it from this subgraph.
            let name = self.name_of(&owner.graph);
            let taken = owners.iter().any(|other| {
                other.override_from.as_deref() == Some(name)
                    && other.graph != owner.graph
                    && other
                        .override_label
                        .as_ref()
                        .is_none_or(|label| labels.contains(label))
            });
            if taken {
                return false;
            }
        }
        self.every_implementation_resolves(ty, field, &owner.graph, labels)
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
            .all(|object| self.resolves(object, field, graph, labels))
    }

    /// Whether the subgraph resolves the field (ignoring `@provides`).
    pub(crate) fn resolves(
        &self,
        ty: &str,
        field: &str,
        graph: &str,
        labels: &HashSet<String>,
    ) -> bool {
        if field == "__typename" {
            return true;
        }
        let owners = self.field_owners(ty, field);
        owners
            .iter()
            .any(|o| o.graph == graph && self.owner_resolves(ty, field, owners, o, labels))
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
        match self
            .index
            .field_sets
            .get(ty.as_str())
            .and_then(|by_source| by_source.get(source))
        {
            Some(parsed) => Ok(parsed.clone()),
            None => parse_field_set(self.supergraph, ty, source),
        }
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
