//! Aliases for fields that do not merge in one subgraph's request. GraphQL requires fields
//! of one response key to have the same response shape (`SameResponseShape`), even in
//! fragments on different types. A client query is checked against the supergraph, whose
//! field types may be looser than a subgraph's (`code: ID` there, `ID!` in the subgraph
//! for one union member), so `... on A { code } ... on B { code }` can be valid for the
//! client and invalid for the subgraph. Such fields are sent as `code__alias_0: code`, and
//! the executor moves the answer back to `code` before merging it ([`Rename`]).

use std::collections::HashSet;

use apollo_compiler::{Name, ast::Type};

use super::{
    graph::FederationGraph,
    plan::{PathStep, Rename, ResponsePath},
    selection::{SubField, SubItem, SubSelection},
};

/// Aliases the fields of `selection` (a request to `graph`, on `root`) that would not merge
/// with another field of their response key in that subgraph; returns the renames to
/// apply to its data, deepest first.
pub(crate) fn alias_conflicts(
    graph: &FederationGraph<'_>,
    subgraph: &str,
    root: &Name,
    selection: &mut SubSelection,
) -> Vec<Rename> {
    let mut found = Found::default();
    let members = [Member {
        selection,
        ty: root.clone(),
        address: Vec::new(),
    }];
    Level { graph, subgraph }.check(&members, &ResponsePath::new(), &mut found);
    for (address, alias) in found.aliases {
        if let Some(field) = field_at(selection, &address) {
            field.alias = Some(alias);
        }
    }
    // Recorded parents first; applied children first, while the paths (which name the
    // aliases sent) still match the data.
    found.renames.reverse();
    found.renames
}

/// What the check found: fields to alias (by address) and the renames undoing it.
#[derive(Default)]
struct Found {
    aliases: Vec<(Vec<usize>, Name)>,
    renames: Vec<Rename>,
}

/// One selection set whose fields merge with others' in the subgraph's response: the
/// request's root, or the selections of fields sharing one response key.
struct Member<'s> {
    selection: &'s SubSelection,
    /// The type of its objects in the subgraph.
    ty: Name,
    /// Item indices from the request's root to the field owning it.
    address: Vec<usize>,
}

/// A field of a level, flattened out of its fragments.
struct Entry<'s> {
    field: &'s SubField,
    /// Its type in the subgraph; `None` when unknown (never aliased then).
    ty: Option<Type>,
    address: Vec<usize>,
}

struct Level<'g, 'a> {
    graph: &'g FederationGraph<'a>,
    subgraph: &'g str,
}

impl Level<'_, '_> {
    /// Checks one level of the response: the fields of `members` at `path`, grouped by
    /// response key; each key's fields fall into classes of one response shape, the first
    /// keeping the key and the others aliased. Then each class's sub-selections, as the
    /// next level.
    fn check(&self, members: &[Member<'_>], path: &ResponsePath, found: &mut Found) {
        let mut entries = Vec::new();
        for member in members {
            self.collect(member.selection, &member.ty, &member.address, &mut entries);
        }
        let mut keys: Vec<&Name> = Vec::new();
        for entry in &entries {
            let key = entry.field.response_key();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut used: HashSet<String> = keys.iter().map(ToString::to_string).collect();
        for key in keys {
            let mut classes: Vec<(Option<&Type>, Vec<&Entry<'_>>)> = Vec::new();
            for entry in entries.iter().filter(|e| e.field.response_key() == key) {
                match classes
                    .iter_mut()
                    .find(|(ty, _)| self.same_shape(*ty, entry.ty.as_ref()))
                {
                    Some((ty, class)) => {
                        if ty.is_none() {
                            *ty = entry.ty.as_ref();
                        }
                        class.push(entry);
                    }
                    None => classes.push((entry.ty.as_ref(), vec![entry])),
                }
            }
            for (n, (ty, class)) in classes.into_iter().enumerate() {
                let response_key = if n == 0 {
                    key.to_string()
                } else {
                    let alias = fresh_alias(key, &used);
                    used.insert(alias.clone());
                    for entry in &class {
                        if let Ok(alias) = Name::new(&alias) {
                            found.aliases.push((entry.address.clone(), alias));
                        }
                    }
                    // The alias is used only by this class's fields, so every object
                    // holding it gets the key back: no type condition needed.
                    found.renames.push(Rename {
                        path: path.clone(),
                        from: alias.clone(),
                        to: key.to_string(),
                    });
                    alias
                };
                let Some(ty) = ty else {
                    continue;
                };
                let children: Vec<Member<'_>> = class
                    .iter()
                    .filter_map(|entry| {
                        Some(Member {
                            selection: entry.field.selections.as_ref()?,
                            ty: entry.ty.as_ref()?.inner_named_type().clone(),
                            address: entry.address.clone(),
                        })
                    })
                    .collect();
                if children.is_empty() {
                    continue;
                }
                let mut inner = path.clone();
                inner.push(PathStep::Key(response_key));
                inner.extend(std::iter::repeat_n(PathStep::List, list_depth(ty)));
                self.check(&children, &inner, found);
            }
        }
    }

    /// The fields of a selection set on `ty`, through its fragments.
    fn collect<'s>(
        &self,
        selection: &'s SubSelection,
        ty: &Name,
        address: &[usize],
        out: &mut Vec<Entry<'s>>,
    ) {
        for (i, item) in selection.items.iter().enumerate() {
            let mut at = address.to_vec();
            at.push(i);
            match item {
                SubItem::Field(field) => out.push(Entry {
                    field,
                    ty: self.graph.field_type_in(ty, &field.name, self.subgraph),
                    address: at,
                }),
                SubItem::Fragment {
                    type_condition,
                    selections,
                    ..
                } => self.collect(selections, type_condition, &at, out),
            }
        }
    }

    /// `SameResponseShape` at this level: the same list and non-null wrappers, and the
    /// same leaf type (composite types are compared field by field at the next level).
    /// An unknown type is taken to agree.
    fn same_shape(&self, a: Option<&Type>, b: Option<&Type>) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return true;
        };
        match (a, b) {
            (Type::NonNullNamed(x), Type::NonNullNamed(y)) | (Type::Named(x), Type::Named(y)) => {
                let composite = |t: &Name| {
                    self.graph
                        .supergraph
                        .schema
                        .types
                        .get(t)
                        .is_some_and(|d| !d.is_leaf())
                };
                x == y || (composite(x) && composite(y))
            }
            (Type::NonNullList(x), Type::NonNullList(y)) | (Type::List(x), Type::List(y)) => {
                self.same_shape(Some(x), Some(y))
            }
            _ => false,
        }
    }
}

/// `key__alias_N`, with the first `N` no field of the level uses.
fn fresh_alias(key: &str, used: &HashSet<String>) -> String {
    (0..)
        .map(|n| format!("{key}__alias_{n}"))
        .find(|alias| !used.contains(alias))
        .unwrap_or_else(|| format!("{key}__alias"))
}

fn list_depth(ty: &Type) -> usize {
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
        Type::Named(_) | Type::NonNullNamed(_) => 0,
    }
}

/// The field at an address of item indices.
fn field_at<'s>(selection: &'s mut SubSelection, address: &[usize]) -> Option<&'s mut SubField> {
    let (first, rest) = address.split_first()?;
    match selection.items.get_mut(*first)? {
        SubItem::Field(field) => {
            if rest.is_empty() {
                Some(field)
            } else {
                field_at(field.selections.as_mut()?, rest)
            }
        }
        SubItem::Fragment { selections, .. } => field_at(selections, rest),
    }
}
