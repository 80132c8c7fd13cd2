//! The `@defer` directives of an operation ("defer sites"), numbered the same way by the
//! planner (which splits deferred selections into their own fetches) and by the response
//! shaping (which delivers them later): in a canonical walk of the operation, so two
//! documents with the same normalised text number their sites alike.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{Directive, DirectiveList, Value},
    executable::{Operation, Selection, SelectionSet},
};
use serde::Serialize;

/// The directive's name.
pub const DEFER: &str = "defer";

/// When a defer site splits the response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DeferCondition {
    /// Always (`if` absent or `true`).
    Always,
    /// When this boolean variable is true.
    Variable(String),
}

impl DeferCondition {
    /// Whether the site defers with these variable values (a missing variable takes the
    /// directive's default, `true`).
    pub fn holds(&self, variables: &serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            DeferCondition::Always => true,
            DeferCondition::Variable(name) => variables
                .get(name)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(true),
        }
    }
}

/// One `@defer` of an operation that may split the response.
#[derive(Clone, Debug)]
pub struct DeferSite<'a> {
    /// Its number: the order of the canonical walk.
    pub id: usize,
    /// Its `label`, if given.
    pub label: Option<String>,
    /// When it defers.
    pub condition: DeferCondition,
    /// The directive (its address tells the site apart).
    pub directive: &'a Node<Directive>,
    /// The fragment's type condition (`None`: the enclosing type).
    pub type_condition: Option<&'a Name>,
    /// The fragment's selection.
    pub selection: &'a SelectionSet,
}

/// The defer sites of an operation, in canonical order: depth first, each named fragment
/// walked once (at its first spread). `@defer(if: false)` is no site.
pub fn defer_sites<'a>(
    document: &'a ExecutableDocument,
    operation: &'a Operation,
) -> Vec<DeferSite<'a>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(document, &operation.selection_set, &mut seen, &mut out);
    out
}

fn walk<'a>(
    document: &'a ExecutableDocument,
    selection: &'a SelectionSet,
    seen: &mut HashSet<&'a Name>,
    out: &mut Vec<DeferSite<'a>>,
) {
    for s in &selection.selections {
        match s {
            Selection::Field(f) => walk(document, &f.selection_set, seen, out),
            Selection::InlineFragment(i) => {
                push_site(
                    &i.directives,
                    i.type_condition.as_ref(),
                    &i.selection_set,
                    out,
                );
                walk(document, &i.selection_set, seen, out);
            }
            Selection::FragmentSpread(spread) => {
                let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                    continue;
                };
                push_site(
                    &spread.directives,
                    Some(fragment.type_condition()),
                    &fragment.selection_set,
                    out,
                );
                if seen.insert(&spread.fragment_name) {
                    walk(document, &fragment.selection_set, seen, out);
                }
            }
        }
    }
}

fn push_site<'a>(
    directives: &'a DirectiveList,
    type_condition: Option<&'a Name>,
    selection: &'a SelectionSet,
    out: &mut Vec<DeferSite<'a>>,
) {
    let Some(directive) = directives.get(DEFER) else {
        return;
    };
    let condition = match directive.specified_argument_by_name("if").map(|v| &**v) {
        Some(Value::Boolean(false)) => return,
        Some(Value::Variable(name)) => DeferCondition::Variable(name.to_string()),
        _ => DeferCondition::Always,
    };
    let label = match directive.specified_argument_by_name("label").map(|v| &**v) {
        Some(Value::String(label)) => Some(label.clone()),
        _ => None,
    };
    out.push(DeferSite {
        id: out.len(),
        label,
        condition,
        directive,
        type_condition,
        selection,
    });
}

/// Sites by their directive's address, for lookups while walking selections.
pub type SiteIndex = HashMap<usize, usize>;

/// The index of `sites`.
pub fn site_index(sites: &[DeferSite<'_>]) -> SiteIndex {
    sites
        .iter()
        .map(|site| (address(site.directive), site.id))
        .collect()
}

fn address(directive: &Node<Directive>) -> usize {
    std::ptr::from_ref::<Directive>(directive) as usize
}

/// The site of a fragment's directives, if it is one of the indexed sites.
pub fn site_of(index: &SiteIndex, directives: &DirectiveList) -> Option<usize> {
    let directive = directives.get(DEFER)?;
    index.get(&address(directive)).copied()
}

/// The directives without `@defer` (what a subgraph request carries: deferring is the
/// gateway's work).
pub fn without_defer(directives: &DirectiveList) -> DirectiveList {
    let mut out = directives.clone();
    out.0.retain(|d| d.name != DEFER);
    out
}
