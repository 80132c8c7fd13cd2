//! Field authorization from the supergraph: `@authenticated` and `@requiresScopes` on
//! fields and on the types they return. Denied fields are removed before planning (no
//! subgraph is asked for them) and answered `null` with an error at their path:
//! `UNAUTHENTICATED` for an anonymous caller, `FORBIDDEN` naming the missing scope for a
//! token without it (the codes the subgraphs answer too).

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Node,
    ast::{DirectiveList, Value},
    executable::{Field, Operation, Selection, SelectionSet},
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

    /// `Ok` when the caller meets the requirement, else why not.
    fn check(&self, claims: Option<&Claims>) -> Result<(), Denial> {
        let Some(claims) = claims else {
            return Err(Denial::Unauthenticated);
        };
        if self.scopes.is_empty() {
            return Ok(());
        }
        let granted = claims.scopes();
        if self
            .scopes
            .iter()
            .any(|all| all.iter().all(|s| granted.contains(s)))
        {
            Ok(())
        } else {
            Err(Denial::MissingScopes(self.scopes.clone()))
        }
    }
}

/// Why a field is denied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// No (valid) token: `UNAUTHENTICATED`.
    Unauthenticated,
    /// A token without any of these scope sets: `FORBIDDEN`.
    MissingScopes(Vec<Vec<String>>),
}

impl Denial {
    /// The error code: `UNAUTHENTICATED` or `FORBIDDEN`.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Unauthenticated => "UNAUTHENTICATED",
            Denial::MissingScopes(_) => "FORBIDDEN",
        }
    }

    /// The Spanish message for a client, naming the field (`Type.field`) and what it
    /// needs (the subgraphs word it the same way).
    pub fn message(&self, field: &str) -> String {
        match self {
            Denial::Unauthenticated => {
                format!("Inicia sesión: {field} requiere un token")
            }
            Denial::MissingScopes(any) => {
                let needed = any
                    .iter()
                    .map(|all| {
                        all.iter()
                            .map(|s| format!("«{s}»"))
                            .collect::<Vec<_>>()
                            .join(" y ")
                    })
                    .collect::<Vec<_>>()
                    .join(" o ");
                format!("Permiso insuficiente: {field} requiere el alcance {needed}")
            }
        }
    }
}

/// The field pointers of an operation the caller may not see, and why.
#[derive(Clone, Debug, Default)]
pub struct Denied {
    fields: HashMap<usize, Denial>,
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
        self.fields.contains_key(&key(field))
    }

    /// Why this field node is denied (`None`: it is not).
    pub fn reason(&self, field: &Node<Field>) -> Option<&Denial> {
        self.fields.get(&key(field))
    }

    /// The first denied root field of `operation` (fragments followed), as `Type.field`,
    /// and why.
    pub fn root(
        &self,
        document: &ExecutableDocument,
        operation: &Operation,
    ) -> Option<(String, &Denial)> {
        let mut seen_fragments = HashSet::new();
        self.root_in(document, &operation.selection_set, &mut seen_fragments)
    }

    fn root_in(
        &self,
        document: &ExecutableDocument,
        selection: &SelectionSet,
        seen_fragments: &mut HashSet<String>,
    ) -> Option<(String, &Denial)> {
        selection.selections.iter().find_map(|s| match s {
            Selection::Field(f) => self
                .reason(f)
                .map(|denial| (format!("{}.{}", selection.ty, f.name), denial)),
            Selection::InlineFragment(i) => {
                self.root_in(document, &i.selection_set, seen_fragments)
            }
            Selection::FragmentSpread(spread) => {
                if !seen_fragments.insert(spread.fragment_name.to_string()) {
                    return None;
                }
                let fragment = document.fragments.get(&spread.fragment_name)?;
                self.root_in(document, &fragment.selection_set, seen_fragments)
            }
        })
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
                    let verdict = [field_rule, type_rule]
                        .into_iter()
                        .flatten()
                        .try_for_each(|r| r.check(claims));
                    match verdict {
                        Ok(()) => {
                            self.walk(document, &f.selection_set, claims, denied, seen_fragments)
                        }
                        Err(denial) => {
                            denied.fields.insert(key(f), denial);
                        }
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
