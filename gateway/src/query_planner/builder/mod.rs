//! Walks the operation and assigns every field to a fetch group: the subgraph request
//! that resolves it, with the key and `@requires` hops between groups.
//!
//! [`selections`] walks selection sets and their fragments, [`fields`] plans one field,
//! [`entities`] makes the hops (entity groups, keys, `@requires`, re-entry of value
//! types), [`ranking`] chooses among candidate subgraphs, [`representation`] turns key and
//! `@requires` field sets into what a representation reads.

mod entities;
mod fields;
mod ranking;
mod representation;
mod selections;

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    rc::Rc,
};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{DirectiveList, Type, Value},
    executable::{Field, Operation, OperationType, Selection, SelectionSet},
};

use super::{
    PlannerError,
    defer::{SiteIndex, site_of, without_defer},
    graph::FederationGraph,
    plan::ResponsePath,
    selection::{Step, SubSelection},
    subgraph_types::Position,
};

/// Deepest chain of key hops planned to reach one entity (guards against key cycles).
const MAX_KEY_DEPTH: usize = 8;

/// Most field positions planned for one operation: planning work is linear in them, so
/// this bounds planning time (fragments spread many times multiply positions).
pub(crate) const MAX_FIELD_POSITIONS: usize = 50_000;

/// One subgraph request being built.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) graph: String,
    /// `None` for a root fetch; the entity type for an `_entities` fetch.
    pub(crate) entity_type: Option<Name>,
    pub(crate) typename_rewrite: Option<String>,
    pub(crate) paths: Vec<ResponsePath>,
    pub(crate) representation: SubSelection,
    pub(crate) selection: SubSelection,
    pub(crate) depends_on: BTreeSet<usize>,
    /// The root group it descends from (mutations run root by root).
    pub(crate) root: usize,
    /// Set when merged into an identical group.
    pub(crate) merged_into: Option<usize>,
    /// `@skip`/`@include` variables every path to this group passes: `(variable, include)`.
    pub(crate) conditions: BTreeSet<(String, bool)>,
    /// How many fetches run before it (its wave, as far as known while planning).
    depth: usize,
    /// The defer site whose delivery it serves (`None`: the primary response).
    pub(crate) defer: Option<usize>,
}

/// Where planning met a defer site: the site it is nested in and the response paths.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeferEntry {
    pub(crate) parent: Option<usize>,
    pub(crate) paths: Vec<ResponsePath>,
}

/// Where the walk is: which group, where inside its selection, where in the response.
#[derive(Clone)]
struct Ctx {
    group: usize,
    steps: Vec<Step>,
    path: ResponsePath,
    /// Fields `@provides` makes local here.
    provided: Option<SelectionSet>,
    /// `@skip`/`@include(if: $variable)` on the way here: `(variable, include)`.
    conditions: BTreeSet<(String, bool)>,
    /// Planning key or `@requires` fields: they get internal aliases (see
    /// [`SubField::internal_alias`]) so they never clash with the client's response keys.
    internal: bool,
    /// The nearest position from which another subgraph can be entered: the root of a
    /// query, or an entity (by its key).
    anchor: Option<Rc<Anchor>>,
    /// The steps from the anchor to here (value-type fields and fragments), with what a
    /// subgraph must resolve to take the same way.
    trail: Vec<(Step, TrailCheck)>,
    /// The subgraph chosen for each field of this selection set that needs a hop (by
    /// the field's address), so that siblings share as few requests as possible.
    choice: Option<Rc<HashMap<usize, String>>>,
    /// The defer site the walk is inside (`None`: the primary response).
    defer: Option<usize>,
}

/// Where a subgraph can be entered to reach a position again.
enum Anchor {
    /// The query root.
    Root,
    /// An entity of type `ty` at `ctx`'s position.
    Entity { ctx: Box<Ctx>, ty: Name },
}

/// What a subgraph must resolve to follow one trail step.
#[derive(Clone)]
enum TrailCheck {
    /// The field of the type.
    Field(Name, Name),
    /// The type (a fragment's condition).
    Type(Name),
}

impl Ctx {
    /// Descends one step: into the group's selection, and along the trail.
    fn descend(&mut self, step: Step, check: TrailCheck) {
        self.steps.push(step.clone());
        self.trail.push((step, check));
    }
}

/// The variable conditions of `@skip`/`@include` directives.
fn variable_conditions(directives: &DirectiveList) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (name, include) in [("skip", false), ("include", true)] {
        if let Some(directive) = directives.get(name)
            && let Some(Value::Variable(variable)) =
                directive.specified_argument_by_name("if").map(|v| &**v)
        {
            out.push((variable.to_string(), include));
        }
    }
    out
}

type Producers = BTreeSet<usize>;

type EntityIndexKey = (usize, ResponsePath, Name, String, Option<usize>);

pub(crate) struct Builder<'a> {
    graph: &'a FederationGraph<'a>,
    document: &'a ExecutableDocument,
    labels: &'a HashSet<String>,
    pub(crate) groups: Vec<Group>,
    /// Entity groups by source group, path, type, target subgraph and defer site.
    entity_index: HashMap<EntityIndexKey, Vec<usize>>,
    /// The operation's defer sites.
    sites: &'a SiteIndex,
    /// Where each defer site was met (by site number).
    pub(crate) defers: Vec<DeferEntry>,
    key_depth: usize,
    kind: OperationType,
    /// Field positions planned so far (see [`MAX_FIELD_POSITIONS`]).
    positions: usize,
    /// Subgraphs not to hop to: those whose key fields are being planned (a key must come
    /// from elsewhere than the subgraph it enters).
    avoid: Vec<String>,
    /// Field visits left for ranking candidates (see [`Builder::coverage`]).
    ranking_budget: std::cell::Cell<usize>,
}

fn list_depth(ty: &Type) -> usize {
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
        Type::Named(_) | Type::NonNullNamed(_) => 0,
    }
}

/// The sub-selection `@provides` gives for a field, if it provides it.
fn provided_field(provided: &SelectionSet, parent: &Name, field: &str) -> Option<SelectionSet> {
    provided.selections.iter().find_map(|s| match s {
        Selection::Field(f) if f.name == field => Some(f.selection_set.clone()),
        Selection::InlineFragment(i) if i.type_condition.as_ref().is_none_or(|t| t == parent) => {
            provided_field(&i.selection_set, parent, field)
        }
        _ => None,
    })
}

impl<'a> Builder<'a> {
    pub(crate) fn new(
        graph: &'a FederationGraph<'a>,
        document: &'a ExecutableDocument,
        labels: &'a HashSet<String>,
        sites: &'a SiteIndex,
    ) -> Self {
        Self {
            graph,
            document,
            labels,
            sites,
            defers: vec![DeferEntry::default(); sites.len()],
            groups: Vec::new(),
            entity_index: HashMap::new(),
            key_depth: 0,
            kind: OperationType::Query,
            positions: 0,
            avoid: Vec::new(),
            ranking_budget: std::cell::Cell::new(MAX_FIELD_POSITIONS * 4),
        }
    }

    fn new_group(&mut self, group: Group) -> usize {
        self.groups.push(group);
        self.groups.len() - 1
    }

    fn new_root_group(&mut self, graph: &str, defer: Option<usize>) -> usize {
        let id = self.groups.len();
        self.new_group(Group {
            graph: graph.to_owned(),
            entity_type: None,
            typename_rewrite: None,
            paths: Vec::new(),
            representation: SubSelection::default(),
            selection: SubSelection::default(),
            depends_on: BTreeSet::new(),
            root: id,
            merged_into: None,
            conditions: BTreeSet::new(),
            depth: 0,
            defer,
        })
    }

    /// The defer site a fragment's directives open, if any; records where it was met.
    fn enter_defer(&mut self, ctx: &Ctx, directives: &DirectiveList) -> Option<usize> {
        let site = site_of(self.sites, directives)?;
        let entry = self.defers.get_mut(site)?;
        if entry.parent.is_none() {
            entry.parent = ctx.defer;
        }
        if !entry.paths.contains(&ctx.path) {
            entry.paths.push(ctx.path.clone());
        }
        Some(site)
    }

    fn selection_at(&mut self, ctx: &Ctx) -> Result<&mut SubSelection, PlannerError> {
        self.groups[ctx.group].selection.at(&ctx.steps)
    }

    /// Plans the operation's root fields: queries grouped per subgraph, mutations in order.
    pub(crate) fn plan_operation(&mut self, operation: &Operation) -> Result<(), PlannerError> {
        let root_type = operation.selection_set.ty.clone();
        self.kind = operation.operation_type;
        let root_anchor = Rc::new(Anchor::Root);
        let mut fields = Vec::new();
        self.collect_root(&operation.selection_set, &mut Vec::new(), &mut fields)?;
        let top = Ctx {
            group: 0,
            steps: Vec::new(),
            path: Vec::new(),
            provided: None,
            conditions: BTreeSet::new(),
            internal: false,
            anchor: None,
            trail: Vec::new(),
            choice: None,
            defer: None,
        };
        let mut last_mutation_group: Option<usize> = None;
        for (field, wrappers) in fields {
            if matches!(field.name.as_str(), "__typename" | "__schema" | "__type") {
                continue;
            }
            let candidates = self.graph.resolvers(&root_type, &field.name, self.labels);
            if candidates.is_empty() {
                return Err(PlannerError::Unresolvable {
                    type_name: root_type.to_string(),
                    field: field.name.to_string(),
                    from: "the root".into(),
                });
            }
            let best = match operation.operation_type {
                OperationType::Query => self.cheapest_root(&root_type, &candidates, &field)?,
                _ => self.best_candidate(&root_type, &candidates, &field),
            };
            // The innermost defer site around the field (sites nest in walk order).
            let mut defer = None;
            for wrapper in &wrappers {
                let outer = Ctx {
                    defer,
                    ..top.clone()
                };
                defer = self.enter_defer(&outer, wrapper).or(defer);
            }
            let reuse = match operation.operation_type {
                OperationType::Mutation => last_mutation_group
                    .filter(|g| candidates.contains(&self.groups[*g].graph.as_str())),
                // A root fetch already planned serves the field if it is as good a place
                // for it as the best (one request fewer).
                _ => {
                    let best_coverage = self.candidate_coverage(&root_type, &field, best);
                    self.groups.iter().position(|g| {
                        g.entity_type.is_none()
                            && g.defer == defer
                            && candidates.contains(&g.graph.as_str())
                            && self.candidate_coverage(&root_type, &field, &g.graph)
                                == best_coverage
                    })
                }
            };
            let group = match reuse {
                Some(group) => group,
                None => self.new_root_group(best, defer),
            };
            last_mutation_group = Some(group);
            let conditions = wrappers.iter().flat_map(variable_conditions).collect();
            let steps: Vec<Step> = wrappers
                .iter()
                .map(without_defer)
                .filter(|d| !d.is_empty())
                .map(|d| Step::Fragment(root_type.clone(), d))
                .collect();
            let ctx = Ctx {
                group,
                trail: steps
                    .iter()
                    .map(|s| (s.clone(), TrailCheck::Type(root_type.clone())))
                    .collect(),
                steps,
                path: Vec::new(),
                provided: None,
                conditions,
                internal: false,
                anchor: (operation.operation_type == OperationType::Query)
                    .then(|| root_anchor.clone()),
                choice: None,
                defer,
            };
            self.plan_field(&ctx, &root_type, &field)?;
        }
        Ok(())
    }

    /// Root fields in order, each with the directives of the fragments around it.
    fn collect_root(
        &self,
        selection: &SelectionSet,
        wrappers: &mut Vec<DirectiveList>,
        out: &mut Vec<(Node<Field>, Vec<DirectiveList>)>,
    ) -> Result<(), PlannerError> {
        for s in &selection.selections {
            let (directives, inner) = match s {
                Selection::Field(f) => {
                    if out.len() >= MAX_FIELD_POSITIONS {
                        return Err(PlannerError::TooLarge(MAX_FIELD_POSITIONS));
                    }
                    out.push((f.clone(), wrappers.clone()));
                    continue;
                }
                Selection::InlineFragment(i) => (&i.directives, &i.selection_set),
                Selection::FragmentSpread(spread) => {
                    let Some(fragment) = self.document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    (&spread.directives, &fragment.selection_set)
                }
            };
            let wrapped = !directives.is_empty();
            if wrapped {
                wrappers.push(directives.clone());
            }
            self.collect_root(inner, wrappers, out)?;
            if wrapped {
                wrappers.pop();
            }
        }
        Ok(())
    }

    /// Where `ctx` is in its subgraph request (see [`FederationGraph::position`]); where
    /// that is unknown, `parent` with its object types the subgraph defines.
    fn position(&self, ctx: &Ctx, parent: &Name) -> Position {
        let group = &self.groups[ctx.group];
        let root = match &group.entity_type {
            Some(entity) => Some(entity),
            None => self.graph.supergraph.schema.root_operation(self.kind),
        };
        root.and_then(|root| self.graph.position(&group.graph, root, &ctx.steps))
            .unwrap_or_else(|| Position {
                ty: parent.clone(),
                runtime: self
                    .graph
                    .possible_types(parent)
                    .into_iter()
                    .filter(|t| self.graph.defines_type(t, &group.graph))
                    .collect(),
            })
    }
}
