//! The `@defer` directives of an operation ("defer sites"), numbered the same way by the
//! planner (which splits deferred selections into their own fetches) and by the response
//! shaping (which delivers them later): in a canonical walk of the operation, so two
//! documents with the same normalised text number their sites alike. Likewise the
//! `@stream` directives ("stream sites"), whose lists are delivered in parts.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{Directive, DirectiveList, Value},
    executable::{Field, Operation, Selection, SelectionSet},
};
use serde::Serialize;

/// The directive's name.
pub const DEFER: &str = "defer";

/// The name of the directive that streams a list.
pub const STREAM: &str = "stream";

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

/// How many items of a streamed list the first payload carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitialCount {
    /// A literal.
    Literal(usize),
    /// A variable's value.
    Variable(String),
}

impl InitialCount {
    /// The count with these variable values (a negative or missing one: none).
    pub fn value(&self, variables: &serde_json::Map<String, serde_json::Value>) -> usize {
        match self {
            InitialCount::Literal(n) => *n,
            InitialCount::Variable(name) => variables
                .get(name)
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
        }
    }
}

/// One `@stream` of an operation that may split a list's delivery.
#[derive(Clone, Debug)]
pub struct StreamSite<'a> {
    /// Its number: the order of the canonical walk.
    pub id: usize,
    /// Its `label`, if given.
    pub label: Option<String>,
    /// When it streams.
    pub condition: DeferCondition,
    /// How many items come first.
    pub initial_count: InitialCount,
    /// The directive (its address tells the site apart).
    pub directive: &'a Node<Directive>,
    /// The streamed field.
    pub field: &'a Node<Field>,
}

/// The stream sites of an operation, in the canonical order of [`defer_sites`].
/// `@stream(if: false)` is no site.
pub fn stream_sites<'a>(
    document: &'a ExecutableDocument,
    operation: &'a Operation,
) -> Vec<StreamSite<'a>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk_streams(document, &operation.selection_set, &mut seen, &mut out);
    out
}

fn walk_streams<'a>(
    document: &'a ExecutableDocument,
    selection: &'a SelectionSet,
    seen: &mut HashSet<&'a Name>,
    out: &mut Vec<StreamSite<'a>>,
) {
    for s in &selection.selections {
        match s {
            Selection::Field(f) => {
                if let Some(directive) = f.directives.get(STREAM)
                    && let Some(condition) = condition_of(directive)
                {
                    let initial_count = match directive
                        .specified_argument_by_name("initialCount")
                        .map(|v| &**v)
                    {
                        Some(Value::Variable(name)) => InitialCount::Variable(name.to_string()),
                        Some(Value::Int(n)) => InitialCount::Literal(
                            n.try_to_i32()
                                .map_or(0, |n| usize::try_from(n).unwrap_or(0)),
                        ),
                        _ => InitialCount::Literal(0),
                    };
                    out.push(StreamSite {
                        id: out.len(),
                        label: label_of(directive),
                        condition,
                        initial_count,
                        directive,
                        field: f,
                    });
                }
                walk_streams(document, &f.selection_set, seen, out);
            }
            Selection::InlineFragment(i) => walk_streams(document, &i.selection_set, seen, out),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                    && seen.insert(&spread.fragment_name)
                {
                    walk_streams(document, &fragment.selection_set, seen, out);
                }
            }
        }
    }
}

/// When a directive with `if` applies (`None`: never, `if: false`).
fn condition_of(directive: &Directive) -> Option<DeferCondition> {
    match directive.specified_argument_by_name("if").map(|v| &**v) {
        Some(Value::Boolean(false)) => None,
        Some(Value::Variable(name)) => Some(DeferCondition::Variable(name.to_string())),
        _ => Some(DeferCondition::Always),
    }
}

fn label_of(directive: &Directive) -> Option<String> {
    match directive.specified_argument_by_name("label").map(|v| &**v) {
        Some(Value::String(label)) => Some(label.clone()),
        _ => None,
    }
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
    let Some(condition) = condition_of(directive) else {
        return;
    };
    out.push(DeferSite {
        id: out.len(),
        label: label_of(directive),
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

/// The index of stream `sites`.
pub fn stream_index(sites: &[StreamSite<'_>]) -> SiteIndex {
    sites
        .iter()
        .map(|site| (address(site.directive), site.id))
        .collect()
}

/// The stream site of a field's directives, if it is one of the indexed sites.
pub fn stream_of(index: &SiteIndex, directives: &DirectiveList) -> Option<usize> {
    let directive = directives.get(STREAM)?;
    index.get(&address(directive)).copied()
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

/// A field's directives without `@stream` (the gateway streams; subgraphs answer whole
/// lists).
pub fn without_stream(directives: &DirectiveList) -> DirectiveList {
    let mut out = directives.clone();
    out.0.retain(|d| d.name != STREAM);
    out
}
