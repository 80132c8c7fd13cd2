//! Field authorization from the supergraph: `@authenticated` and `@requiresScopes` on
//! fields and on the types they return. Denied fields are removed before planning (no
//! subgraph is asked for them) and answered `null` with an error at their path.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Node,
    ast::{DirectiveList, Value},
    executable::{Field, Selection, SelectionSet},
    schema::ExtendedType,
};

use super::Claims;
use crate::supergraph::Supergraph;

/// What a field or type requires.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Requirement {
    authenticated: bool,
    /// Any one of these sets, each needed in full (`@requiresScopes(scopes: [[a, b], [c]])`).
    scopes: Vec<Vec<String>>,
}

impl Requirement {
    fn read(directives: &DirectiveList) -> Option<Self> {
        let mut requirement = Self::default();
        for directive in directives.iter() {
            match directive.name.as_str() {
                "authenticated" => requirement.authenticated = true,
                "requiresScopes" => {
                    if let Some(Value::List(any)) =
                        directive.specified_argument_by_name("scopes").map(|v| &**v)
                    {
                        requirement.scopes.extend(any.iter().filter_map(|all| {
                            match &**all {
                                Value::List(all) => Some(
                                    all.iter()
                                        .filter_map(|s| s.as_str().map(str::to_owned))
                                        .collect(),
                                ),
                                _ => None,
                            }
                        }));
                    }
                }
                _ => {}
            }
        }
        (requirement != Self::default()).then_some(requirement)
    }

    fn allows(&self, claims: Option<&Claims>) -> bool {
        let Some(claims) = claims else {
            return false;
        };
        if self.scopes.is_empty() {
            return true;
        }
        let granted = claims.scopes();
        self.scopes
            .iter()
            .any(|all| all.iter().all(|s| granted.contains(s)))
    }
}

/// The field pointers of an operation the caller may not see.
#[derive(Clone, Debug, Default)]
pub struct Denied {
    fields: HashSet<usize>,
}

/// A field node's identity: its address, shared by the clones of a document.
fn key(field: &Node<Field>) -> usize {
    std::ptr::from_ref::<Field>(field) as usize
}

impl Denied {
    /// Whether nothing is denied.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether this field node is denied.
    pub fn contains(&self, field: &Node<Field>) -> bool {
        self.fields.contains(&key(field))
    }

    /// A copy of the document without the denied fields (what is planned).
    pub fn filter(&self, document: &ExecutableDocument) -> ExecutableDocument {
        let mut filtered = document.clone();
        let operations = filtered
            .operations
            .anonymous
            .iter_mut()
            .chain(filtered.operations.named.values_mut());
        for operation in operations {
            self.retain(&mut operation.make_mut().selection_set);
        }
        for fragment in filtered.fragments.values_mut() {
            self.retain(&mut fragment.make_mut().selection_set);
        }
        filtered
    }

    fn retain(&self, selection: &mut SelectionSet) {
        selection.selections.retain(|s| match s {
            Selection::Field(f) => !self.contains(f),
            _ => true,
        });
        for s in &mut selection.selections {
            match s {
                Selection::Field(f) if !f.selection_set.selections.is_empty() => {
                    self.retain(&mut f.make_mut().selection_set)
                }
                Selection::InlineFragment(i) => self.retain(&mut i.make_mut().selection_set),
                _ => {}
            }
        }
    }
}

/// The authorization rules of a supergraph.
#[derive(Debug, Default)]
pub struct AccessPolicy {
    fields: HashMap<(String, String), Requirement>,
    types: HashMap<String, Requirement>,
}

impl AccessPolicy {
    /// Reads `@authenticated`/`@requiresScopes` from the supergraph.
    pub fn from_supergraph(supergraph: &Supergraph) -> Self {
        let mut policy = Self::default();
        for (name, ty) in &supergraph.schema.types {
            if let Some(requirement) =
                Requirement::read(&ty.directives().iter().map(|d| d.node.clone()).collect())
            {
                policy.types.insert(name.to_string(), requirement);
            }
            let fields = match ty {
                ExtendedType::Object(o) => &o.fields,
                ExtendedType::Interface(i) => &i.fields,
                _ => continue,
            };
            for (field, def) in fields {
                if let Some(requirement) = Requirement::read(&def.directives) {
                    policy
                        .fields
                        .insert((name.to_string(), field.to_string()), requirement);
                }
            }
        }
        policy
    }

    /// Whether the supergraph has no rule at all (nothing to check).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.types.is_empty()
    }

    /// The fields of `selection` (fragments followed) the caller may not see.
    pub fn denied(
        &self,
        document: &ExecutableDocument,
        selection: &SelectionSet,
        claims: Option<&Claims>,
    ) -> Denied {
        let mut denied = Denied::default();
        let mut seen_fragments = HashSet::new();
        self.walk(
            document,
            selection,
            claims,
            &mut denied,
            &mut seen_fragments,
        );
        denied
    }

    fn walk(
        &self,
        document: &ExecutableDocument,
        selection: &SelectionSet,
        claims: Option<&Claims>,
        denied: &mut Denied,
        seen_fragments: &mut HashSet<String>,
    ) {
        for s in &selection.selections {
            match s {
                Selection::Field(f) => {
                    let field_rule = self
                        .fields
                        .get(&(selection.ty.to_string(), f.name.to_string()));
                    let type_rule = self.types.get(f.selection_set.ty.as_str());
                    let allowed = [field_rule, type_rule]
                        .into_iter()
                        .flatten()
                        .all(|r| r.allows(claims));
                    if allowed {
                        self.walk(document, &f.selection_set, claims, denied, seen_fragments);
                    } else {
                        denied.fields.insert(key(f));
                    }
                }
                Selection::InlineFragment(i) => {
                    self.walk(document, &i.selection_set, claims, denied, seen_fragments)
                }
                Selection::FragmentSpread(spread) => {
                    if seen_fragments.insert(spread.fragment_name.to_string())
                        && let Some(fragment) = document.fragments.get(&spread.fragment_name)
                    {
                        self.walk(
                            document,
                            &fragment.selection_set,
                            claims,
                            denied,
                            seen_fragments,
                        );
                    }
                }
            }
        }
    }
}
