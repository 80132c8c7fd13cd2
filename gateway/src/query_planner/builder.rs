//! Walks the operation and assigns every field to a fetch group: the subgraph request
//! that resolves it, with the key and `@requires` hops between groups.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    rc::Rc,
};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{DirectiveList, Type, Value},
    executable::{Field, Operation, OperationType, Selection, SelectionSet},
    schema::ExtendedType,
};

use super::{
    PlannerError,
    graph::FederationGraph,
    plan::{PathStep, ResponsePath},
    schedule,
    selection::{Step, SubField, SubItem, SubSelection},
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
}

/// The address of a field of the operation: identifies it within one planning.
fn field_id(field: &Field) -> usize {
    std::ptr::from_ref(field) as usize
}

/// Where a subgraph can be entered to reach a position again.
enum Anchor {
    /// The query root.
    Root,
    /// An entity of type `ty` at `ctx`'s position.
    Entity { ctx: Ctx, ty: Name },
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

pub(crate) struct Builder<'a> {
    graph: &'a FederationGraph<'a>,
    document: &'a ExecutableDocument,
    labels: &'a HashSet<String>,
    pub(crate) groups: Vec<Group>,
    entity_index: HashMap<(usize, ResponsePath, Name, String), Vec<usize>>,
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

/// How well a subgraph serves a selection: whether every field can be reached from it
/// (locally, provided, or by a key hop), then how many resolve there without a hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Coverage {
    feasible: bool,
    local: usize,
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
    ) -> Self {
        Self {
            graph,
            document,
            labels,
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

    fn new_root_group(&mut self, graph: &str) -> usize {
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
        })
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
            let reuse = match operation.operation_type {
                OperationType::Mutation => last_mutation_group
                    .filter(|g| candidates.contains(&self.groups[*g].graph.as_str())),
                // A root fetch already planned serves the field if it is as good a place
                // for it as the best (one request fewer).
                _ => {
                    let best_coverage = self.candidate_coverage(&root_type, &field, best);
                    self.groups.iter().position(|g| {
                        g.entity_type.is_none()
                            && candidates.contains(&g.graph.as_str())
                            && self.candidate_coverage(&root_type, &field, &g.graph)
                                == best_coverage
                    })
                }
            };
            let group = match reuse {
                Some(group) => group,
                None => self.new_root_group(best),
            };
            last_mutation_group = Some(group);
            let conditions = wrappers.iter().flat_map(variable_conditions).collect();
            let steps: Vec<Step> = wrappers
                .into_iter()
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

    /// The subgraph a query's root field costs least from: each candidate that can reach
    /// the whole subtree is planned for real, its plan costed (requests, then waves) and
    /// undone; the cheapest wins (ties: the better [`Coverage`], then the earlier one).
    fn cheapest_root<'c>(
        &mut self,
        root_type: &Name,
        candidates: &[&'c str],
        field: &Node<Field>,
    ) -> Result<&'c str, PlannerError> {
        let coverages: Vec<Coverage> = candidates
            .iter()
            .map(|c| self.candidate_coverage(root_type, field, c))
            .collect();
        let feasible: Vec<usize> = (0..candidates.len())
            .filter(|&i| coverages[i].feasible)
            .collect();
        if feasible.len() < 2 {
            return Ok(self.best_candidate(root_type, candidates, field));
        }
        let saved = (
            self.groups.clone(),
            self.entity_index.clone(),
            self.positions,
        );
        let mut best: Option<((usize, usize), std::cmp::Reverse<Coverage>, usize)> = None;
        for i in feasible {
            let group = self.new_root_group(candidates[i]);
            let ctx = Ctx {
                group,
                steps: Vec::new(),
                path: Vec::new(),
                provided: None,
                conditions: BTreeSet::new(),
                internal: false,
                anchor: Some(Rc::new(Anchor::Root)),
                trail: Vec::new(),
                choice: None,
            };
            // A candidate that fails to plan is no candidate; the real planning reports
            // the error if every one fails.
            let planned = self.plan_field(&ctx, root_type, field).is_ok();
            let cost = schedule::cost(&self.groups, self.kind);
            (self.groups, self.entity_index, self.positions) = saved.clone();
            if !planned {
                continue;
            }
            let rank = (cost, std::cmp::Reverse(coverages[i]), i);
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
            }
        }
        Ok(match best {
            Some((_, _, i)) => candidates[i],
            None => self.best_candidate(root_type, candidates, field),
        })
    }

    /// The candidate subgraph that best serves the field's subtree (see [`Coverage`]);
    /// ties go to the earlier one.
    fn best_candidate<'c>(&self, parent: &Name, candidates: &[&'c str], field: &Field) -> &'c str {
        let mut best = candidates[0];
        let mut best_coverage = None;
        for candidate in candidates {
            let coverage = self.candidate_coverage(parent, field, candidate);
            if best_coverage.is_none_or(|b| coverage > b) {
                best = candidate;
                best_coverage = Some(coverage);
            }
        }
        best
    }

    /// How well `graph` serves the subtree of `field` of `parent`, which it resolves.
    fn candidate_coverage(&self, parent: &Name, field: &Field, graph: &str) -> Coverage {
        let provided = self
            .graph
            .provides(parent, &field.name, graph)
            .and_then(|source| self.graph.field_set(&field.selection_set.ty, source).ok());
        self.coverage(&field.selection_set, graph, provided.as_ref())
    }

    /// How well `graph` serves a selection (see [`Coverage`]). A heuristic for ranking:
    /// past its budget of field visits it stops looking deeper.
    fn coverage(
        &self,
        selection: &SelectionSet,
        graph: &str,
        provided: Option<&SelectionSet>,
    ) -> Coverage {
        let mut out = Coverage {
            feasible: true,
            local: 0,
        };
        for s in &selection.selections {
            let left = self.ranking_budget.get();
            if left == 0 {
                break;
            }
            self.ranking_budget.set(left - 1);
            let inner = match s {
                Selection::Field(f) => {
                    if f.name == "__typename" {
                        continue;
                    }
                    let parent = &selection.ty;
                    let given = provided.and_then(|p| provided_field(p, parent, &f.name));
                    if given.is_none() && !self.graph.resolves(parent, &f.name, graph, self.labels)
                    {
                        // A hop: possible when a subgraph resolving the field can be entered
                        // by a key this one has (value types and abstract parents are
                        // judged where they are planned).
                        let reachable = !self.graph.is_entity(parent)
                            || self
                                .graph
                                .resolvers(parent, &f.name, self.labels)
                                .into_iter()
                                .any(|t| self.directly_reachable(parent, t, graph));
                        out.feasible &= reachable;
                        continue;
                    }
                    out.local += 1;
                    let provided = match given {
                        Some(sub) if !sub.selections.is_empty() => Some(sub),
                        _ => self
                            .graph
                            .provides(parent, &f.name, graph)
                            .and_then(|source| {
                                self.graph.field_set(&f.selection_set.ty, source).ok()
                            }),
                    };
                    self.coverage(&f.selection_set, graph, provided.as_ref())
                }
                Selection::InlineFragment(i) => self.coverage(&i.selection_set, graph, provided),
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.fragment_name) {
                        Some(fragment) => self.coverage(&fragment.selection_set, graph, provided),
                        None => continue,
                    }
                }
            };
            out.feasible &= inner.feasible;
            out.local += inner.local;
        }
        out
    }

    fn plan_selection_set(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        selections: &[Selection],
    ) -> Result<Producers, PlannerError> {
        let chosen;
        let ctx = match self.choose_targets(ctx, parent, selections) {
            Some(choice) => {
                chosen = Ctx {
                    choice: Some(Rc::new(choice)),
                    ..ctx.clone()
                };
                &chosen
            }
            None => ctx,
        };
        let mut producers = Producers::new();
        for s in selections {
            let found = match s {
                Selection::Field(f) => self.plan_field(ctx, parent, f)?,
                Selection::InlineFragment(i) => {
                    let condition = i.type_condition.as_ref().unwrap_or(parent);
                    self.plan_fragment(ctx, parent, condition, &i.directives, &i.selection_set)?
                }
                Selection::FragmentSpread(spread) => {
                    let document = self.document;
                    let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    self.plan_fragment(
                        ctx,
                        parent,
                        fragment.type_condition(),
                        &spread.directives,
                        &fragment.selection_set,
                    )?
                }
            };
            producers.extend(found);
        }
        Ok(producers)
    }

    fn plan_fragment(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        condition: &Name,
        directives: &DirectiveList,
        selection: &SelectionSet,
    ) -> Result<Producers, PlannerError> {
        let graph = self.groups[ctx.group].graph.clone();
        let parent_is_abstract = self.graph.is_abstract(parent);
        if condition == parent || (!parent_is_abstract && self.graph.is_abstract(condition)) {
            // No narrowing: the fragment only carries directives, if any.
            let mut inner = ctx.clone();
            if !directives.is_empty() {
                inner.descend(
                    Step::Fragment(parent.clone(), directives.clone()),
                    TrailCheck::Type(parent.clone()),
                );
                inner.conditions.extend(variable_conditions(directives));
            }
            return self.plan_selection_set(&inner, parent, &selection.selections);
        }
        if let Some(source) = self.concrete_type_source(ctx, parent)? {
            return self.plan_fragment(&source, parent, condition, directives, selection);
        }
        let parent_types = self.graph.possible_types(parent);
        let narrowed: Vec<Name> = self
            .graph
            .possible_types(condition)
            .into_iter()
            .filter(|t| parent_types.contains(t))
            .collect();
        let position = self.position(ctx, parent);
        // What the subgraph can return here, of the condition: objects of other types do
        // not come from it, so the fragment selects nothing there (and naming types its
        // schema does not relate here would make the request invalid).
        let here: Vec<Name> = narrowed
            .iter()
            .filter(|t| position.runtime.contains(t))
            .cloned()
            .collect();
        if here.is_empty() {
            return Ok(Producers::new());
        }
        if position.ty == *condition {
            // The subgraph types the field as this very type (a member where the
            // supergraph has the union): the fragment narrows nothing there.
            return self.plan_fragment(ctx, condition, condition, directives, selection);
        }
        if self.graph.defines_type(condition, &graph)
            && (!self.graph.is_abstract(condition)
                || same_types(
                    &self.graph.possible_types_in(condition, &graph),
                    &position.runtime,
                    &here,
                ))
        {
            self.selection_at(ctx)?.add_typename();
            let mut inner = ctx.clone();
            inner.descend(
                Step::Fragment(condition.clone(), directives.clone()),
                TrailCheck::Type(condition.clone()),
            );
            inner.conditions.extend(variable_conditions(directives));
            inner.path.push(PathStep::TypeCondition(
                narrowed.iter().map(ToString::to_string).collect(),
            ));
            return self.plan_selection_set(&inner, condition, &selection.selections);
        }
        // The subgraph does not know the condition type, or relates it to other types
        // here: split it into the object types it can return here.
        let mut producers = Producers::new();
        for object in here {
            if object != *condition {
                producers.extend(self.plan_fragment(ctx, parent, &object, directives, selection)?);
            }
        }
        Ok(producers)
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

    fn plan_field(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        field: &Node<Field>,
    ) -> Result<Producers, PlannerError> {
        self.positions += 1;
        if self.positions > MAX_FIELD_POSITIONS {
            return Err(PlannerError::TooLarge(MAX_FIELD_POSITIONS));
        }
        let graph = self.groups[ctx.group].graph.clone();
        if field.name == "__typename"
            && let Some(source) = self.concrete_type_source(ctx, parent)?
        {
            return self.add_local_field(&source, parent, field, None);
        }
        let provided = ctx
            .provided
            .as_ref()
            .and_then(|p| provided_field(p, parent, &field.name));
        let local = field.name == "__typename"
            || provided.is_some()
            || self
                .graph
                .resolves(parent, &field.name, &graph, self.labels);
        if local {
            // A field with `@requires` is only resolvable through `_entities`, with the
            // required fields in the representation: hop, even into the same subgraph.
            if provided.is_none() && self.graph.requires(parent, &field.name, &graph).is_some() {
                return self.hop(ctx, parent, &graph, field);
            }
            return self.add_local_field(ctx, parent, field, provided);
        }
        let targets: Vec<&str> = self
            .graph
            .resolvers(parent, &field.name, self.labels)
            .into_iter()
            .filter(|g| !self.graph.keys(parent, g).is_empty())
            .filter(|g| !self.avoid.iter().any(|a| a == g))
            .collect();
        if targets.is_empty() && self.graph.is_abstract(parent) {
            // Not an entity interface: ask per runtime type.
            self.selection_at(ctx)?.add_typename();
            let mut producers = Producers::new();
            let runtime = self.position(ctx, parent).runtime;
            for object in self.graph.possible_types(parent) {
                if !runtime.contains(&object) {
                    continue;
                }
                let mut inner = ctx.clone();
                inner.descend(
                    Step::Fragment(object.clone(), DirectiveList::new()),
                    TrailCheck::Type(object.clone()),
                );
                inner
                    .path
                    .push(PathStep::TypeCondition(vec![object.to_string()]));
                producers.extend(self.plan_field(&inner, &object, field)?);
            }
            return Ok(producers);
        }
        if targets.is_empty() {
            // A field an `@interfaceObject` subgraph adds to every implementation: ask it
            // through the interface.
            if let Some((interface, target)) = self.interface_object_resolver(parent, &field.name) {
                return self.hop(ctx, &interface, &target, field);
            }
            // A value type (no key): take the same way again in a subgraph that resolves
            // the field, from the nearest root or entity.
            if let Some(producers) = self.reenter(ctx, parent, field)? {
                return Ok(producers);
            }
            return Err(PlannerError::Unresolvable {
                type_name: parent.to_string(),
                field: field.name.to_string(),
                from: self.graph.name_of(&graph).to_owned(),
            });
        }
        // Prefer subgraphs reachable in one hop: a key of theirs resolves here.
        let direct: Vec<&str> = targets
            .iter()
            .copied()
            .filter(|t| self.directly_reachable(parent, t, &graph))
            .collect();
        let targets = if direct.is_empty() { targets } else { direct };
        let existing = targets.iter().copied().find(|t| {
            self.entity_index.contains_key(&(
                ctx.group,
                ctx.path.clone(),
                parent.clone(),
                (*t).to_owned(),
            ))
        });
        let chosen = ctx
            .choice
            .as_ref()
            .and_then(|c| c.get(&field_id(field)))
            .filter(|t| targets.contains(&t.as_str()));
        let target = match (existing, chosen) {
            (Some(t), _) => t.to_owned(),
            (None, Some(t)) => t.clone(),
            (None, None) => self.best_candidate(parent, &targets, field).to_owned(),
        };
        self.hop(ctx, parent, &target, field)
    }

    /// The subgraphs an entity's fields that need a hop go to, chosen together: first
    /// subgraphs already asked at that wave (their request is sent anyway), then those
    /// resolving the most of the remaining fields and their subtrees. `None` when no field
    /// of the selection needs a hop.
    fn choose_targets(
        &self,
        ctx: &Ctx,
        parent: &Name,
        selections: &[Selection],
    ) -> Option<HashMap<usize, String>> {
        if !self.graph.is_entity(parent) {
            return None;
        }
        let graph = self.groups[ctx.group].graph.as_str();
        // Each field needing a hop, with its candidates and how much of it each covers.
        let mut hops: Vec<(usize, Vec<(&str, usize)>)> = Vec::new();
        for s in selections {
            let Selection::Field(field) = s else {
                continue;
            };
            let provided = ctx
                .provided
                .as_ref()
                .is_some_and(|p| provided_field(p, parent, &field.name).is_some());
            if field.name == "__typename"
                || provided
                || self.graph.resolves(parent, &field.name, graph, self.labels)
            {
                continue;
            }
            let targets: Vec<&str> = self
                .graph
                .resolvers(parent, &field.name, self.labels)
                .into_iter()
                .filter(|t| !self.graph.keys(parent, t).is_empty())
                .collect();
            let direct: Vec<&str> = targets
                .iter()
                .copied()
                .filter(|t| self.directly_reachable(parent, t, graph))
                .collect();
            let targets = if direct.is_empty() { targets } else { direct };
            let targets: Vec<&str> = targets
                .into_iter()
                .filter(|t| !self.avoid.iter().any(|a| a == t))
                .collect();
            let coverages: Vec<(&str, Coverage)> = targets
                .iter()
                .map(|t| (*t, self.candidate_coverage(parent, field, t)))
                .collect();
            // Candidates that cannot reach the whole subtree only when none can.
            let any_feasible = coverages.iter().any(|(_, c)| c.feasible);
            let weighted = coverages
                .into_iter()
                .filter(|(_, c)| c.feasible || !any_feasible)
                .map(|(t, c)| (t, 1 + c.local))
                .collect::<Vec<_>>();
            if !weighted.is_empty() {
                hops.push((field_id(field), weighted));
            }
        }
        if hops.len() < 2 {
            return None;
        }
        let depth = self.groups[ctx.group].depth + 1;
        let present = |t: &str| {
            self.entity_index.contains_key(&(
                ctx.group,
                ctx.path.clone(),
                parent.clone(),
                t.to_owned(),
            )) || self
                .groups
                .iter()
                .any(|g| g.entity_type.is_some() && g.depth == depth && g.graph == t)
        };
        let mut candidates: Vec<&str> = hops
            .iter()
            .flat_map(|(_, weighted)| weighted.iter().map(|(t, _)| *t))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let presence: HashMap<&str, bool> = candidates.iter().map(|t| (*t, present(t))).collect();
        let mut choice = HashMap::new();
        let mut open: Vec<usize> = (0..hops.len()).collect();
        while !open.is_empty() {
            let score = |t: &str| -> usize {
                open.iter()
                    .filter_map(|&i| hops[i].1.iter().find(|(c, _)| *c == t))
                    .map(|(_, w)| *w)
                    .sum()
            };
            // Ties go to the earlier subgraph (supergraph order), as elsewhere.
            let Some(best) = candidates
                .iter()
                .copied()
                .filter(|t| score(t) > 0)
                .max_by_key(|t| (presence[t], score(t), std::cmp::Reverse(*t)))
            else {
                break;
            };
            open.retain(|&i| {
                let covered = hops[i].1.iter().any(|(c, _)| *c == best);
                if covered {
                    choice.insert(hops[i].0, best.to_owned());
                }
                !covered
            });
        }
        Some(choice)
    }

    /// Adds a field the context's subgraph resolves, and plans its sub-selections.
    fn add_local_field(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        field: &Node<Field>,
        provided: Option<SelectionSet>,
    ) -> Result<Producers, PlannerError> {
        let graph = self.groups[ctx.group].graph.clone();
        let alias = if ctx.internal && field.name != "__typename" {
            Some(SubField::internal_alias(&field.name, &field.arguments))
        } else {
            field.alias.clone()
        };
        let head = SubField {
            alias,
            name: field.name.clone(),
            arguments: field.arguments.clone(),
            directives: field.directives.clone(),
            selections: None,
        };
        self.selection_at(ctx)?.add_field(&head)?;
        let mut producers = Producers::from([ctx.group]);
        if field.selection_set.selections.is_empty() {
            // A composite field whose selections were all removed (authorization) still
            // needs a selection set in the subgraph request: `__typename`.
            let composite = matches!(
                self.graph
                    .supergraph
                    .schema
                    .types
                    .get(&field.selection_set.ty),
                Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
            );
            if composite {
                let mut inner = ctx.steps.clone();
                inner.push(Step::Field(head));
                self.groups[ctx.group].selection.at(&inner)?.add_typename();
            }
            return Ok(producers);
        }
        let field_type = field.selection_set.ty.clone();
        let mut inner = ctx.clone();
        // Inside an internal field everything is internal: plain names are safe there.
        inner.internal = false;
        inner.choice = None;
        inner
            .path
            .push(PathStep::Key(head.response_key().to_string()));
        inner.path.extend(std::iter::repeat_n(
            PathStep::List,
            list_depth(&field.definition.ty),
        ));
        inner
            .conditions
            .extend(variable_conditions(&field.directives));
        inner.steps.push(Step::Field(head.clone()));
        if self.graph.is_entity(&field_type) {
            inner.trail.clear();
            let anchor = Anchor::Entity {
                ctx: inner.clone(),
                ty: field_type.clone(),
            };
            inner.anchor = Some(Rc::new(anchor));
        } else {
            inner.trail.push((
                Step::Field(head),
                TrailCheck::Field(parent.clone(), field.name.clone()),
            ));
        }
        inner.provided = match provided {
            Some(sub) if !sub.selections.is_empty() => Some(sub),
            Some(_) => None,
            None => match self.graph.provides(parent, &field.name, &graph) {
                Some(source) => Some(self.graph.field_set(&field_type, source)?),
                None => None,
            },
        };
        let is_abstract = self.graph.is_abstract(&field_type);
        let slot = self.selection_at(&inner)?;
        if is_abstract {
            slot.add_typename();
        }
        producers.extend(self.plan_selection_set(
            &inner,
            &field_type,
            &field.selection_set.selections,
        )?);
        Ok(producers)
    }

    /// Whether some key of `parent` in `target` resolves entirely in `source`.
    fn directly_reachable(&self, parent: &Name, target: &str, source: &str) -> bool {
        self.graph.keys(parent, target).into_iter().any(|key| {
            self.graph
                .field_set(parent, key)
                .is_ok_and(|k| self.graph.resolves_all(&k, source, self.labels))
        })
    }

    /// An interface of `object` whose field `field` an `@interfaceObject` subgraph resolves.
    fn interface_object_resolver(&self, object: &Name, field: &str) -> Option<(Name, String)> {
        let schema = &self.graph.supergraph.schema;
        let ExtendedType::Object(def) = schema.types.get(object)? else {
            return None;
        };
        def.implements_interfaces.iter().find_map(|interface| {
            self.graph
                .resolvers(interface, field, self.labels)
                .into_iter()
                .find(|g| {
                    self.graph.is_interface_object_in(interface, g)
                        && !self.graph.keys(interface, g).is_empty()
                })
                .map(|g| (interface.name.clone(), g.to_owned()))
        })
    }

    /// The `_entities` group in `target` for the objects at `ctx` (made on first use).
    fn entity_at(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        target: &str,
        directives: &DirectiveList,
    ) -> Result<usize, PlannerError> {
        self.entity_at_after(ctx, parent, target, directives, &Producers::new(), None)
    }

    /// Like [`Self::entity_at`], but the group must be able to wait for `producers` (it is
    /// none of theirs, nor upstream of them) and its representation must take `reads`
    /// without two fields of one name and different arguments: else another group.
    fn entity_at_after(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        target: &str,
        directives: &DirectiveList,
        producers: &Producers,
        reads: Option<&SubSelection>,
    ) -> Result<usize, PlannerError> {
        let index_key = (
            ctx.group,
            ctx.path.clone(),
            parent.clone(),
            target.to_owned(),
        );
        let mut conditions = ctx.conditions.clone();
        conditions.extend(variable_conditions(directives));
        let upstream = self.upstream(producers);
        let found = self.entity_index.get(&index_key).and_then(|groups| {
            groups.iter().copied().find(|g| {
                !upstream.contains(g)
                    && reads.is_none_or(|r| !conflicts(&self.groups[*g].representation, r))
            })
        });
        if let Some(group) = found {
            // Reached on another way: it runs when any of the ways is taken.
            let shared = &mut self.groups[group].conditions;
            *shared = shared.intersection(&conditions).cloned().collect();
            return Ok(group);
        }
        let group = self.entity_group(ctx, parent, target, conditions)?;
        self.entity_index.entry(index_key).or_default().push(group);
        Ok(group)
    }

    /// The groups and every group they wait for, transitively.
    fn upstream(&self, groups: &Producers) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<usize> = groups.iter().copied().collect();
        while let Some(g) = todo.pop() {
            if seen.insert(g) {
                todo.extend(self.groups[g].depends_on.iter().copied());
            }
        }
        seen
    }

    /// The selection reading a representation (`@key`/`@requires` field set): type
    /// conditions made concrete, as the executor compares them with `__typename`.
    fn representation_of(&self, set: &SelectionSet) -> Result<SubSelection, PlannerError> {
        let read = SubSelection::from_field_set(set)?;
        self.concretize(&read, &set.ty)
    }

    fn concretize(&self, read: &SubSelection, ty: &Name) -> Result<SubSelection, PlannerError> {
        let mut out = SubSelection::default();
        for item in &read.items {
            match item {
                SubItem::Field(field) => {
                    let mut field = field.clone();
                    if let Some(sub) = &field.selections {
                        let inner = self
                            .graph
                            .supergraph
                            .schema
                            .type_field(ty, &field.name)
                            .map(|d| d.ty.inner_named_type().clone())
                            .unwrap_or_else(|_| ty.clone());
                        field.selections = Some(self.concretize(sub, &inner)?);
                    }
                    out.merge(&SubSelection {
                        items: vec![SubItem::Field(field)],
                    })?;
                }
                SubItem::Fragment {
                    type_condition,
                    selections,
                    ..
                } => {
                    let inner = self.concretize(selections, type_condition)?;
                    let condition = self.graph.possible_types(type_condition);
                    let here = self.graph.possible_types(ty);
                    if here.iter().all(|t| condition.contains(t)) {
                        // Always true here: no condition.
                        out.merge(&inner)?;
                    } else {
                        for object in here.iter().filter(|t| condition.contains(t)) {
                            out.fragment(object, &DirectiveList::new()).merge(&inner)?;
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// For objects coming from an `@interfaceObject` subgraph, which only knows the
    /// interface: the group of a subgraph that knows their concrete types.
    fn concrete_type_source(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
    ) -> Result<Option<Ctx>, PlannerError> {
        let graph = self.groups[ctx.group].graph.clone();
        if !self.graph.is_interface_object_in(parent, &graph) {
            return Ok(None);
        }
        let target = self
            .graph
            .supergraph
            .subgraphs
            .iter()
            .map(|s| s.graph.as_str())
            .find(|g| {
                !self.graph.is_interface_object_in(parent, g)
                    && !self.graph.keys(parent, g).is_empty()
            })
            .map(str::to_owned);
        let Some(target) = target else {
            return Ok(None);
        };
        let entity = self.entity_at(ctx, parent, &target, &DirectiveList::new())?;
        self.groups[entity].selection.add_typename();
        Ok(Some(Ctx {
            group: entity,
            steps: Vec::new(),
            path: ctx.path.clone(),
            provided: None,
            conditions: ctx.conditions.clone(),
            internal: false,
            anchor: ctx.anchor.clone(),
            trail: Vec::new(),
            choice: None,
        }))
    }

    /// Resolves `field` of the entities at `ctx` in another subgraph.
    fn hop(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        target: &str,
        field: &Node<Field>,
    ) -> Result<Producers, PlannerError> {
        // The requirements first: the group must wait for them (a chain may come back to
        // `target`, whose group for these objects would then run too early).
        let mut producers = Producers::new();
        let mut reads = None;
        if let Some(requires) = self.graph.requires(parent, &field.name, target) {
            let required = self.graph.field_set(parent, requires)?;
            let internal = Ctx {
                internal: true,
                ..ctx.clone()
            };
            producers = self.plan_selection_set(&internal, parent, &required.selections)?;
            reads = Some(self.representation_of(&required)?);
        }
        let entity = self.entity_at_after(
            ctx,
            parent,
            target,
            &field.directives,
            &producers,
            reads.as_ref(),
        )?;
        if let Some(reads) = reads {
            producers.remove(&entity);
            let after = producers
                .iter()
                .map(|&p| self.groups[p].depth + 1)
                .max()
                .unwrap_or(0);
            let group = &mut self.groups[entity];
            group.depth = group.depth.max(after);
            group.depends_on.extend(producers);
            group.representation.merge(&reads)?;
        }
        let inner = Ctx {
            group: entity,
            steps: Vec::new(),
            path: ctx.path.clone(),
            provided: None,
            conditions: ctx.conditions.clone(),
            internal: ctx.internal,
            anchor: Some(Rc::new(Anchor::Entity {
                ctx: ctx.clone(),
                ty: parent.clone(),
            })),
            trail: Vec::new(),
            choice: None,
        };
        self.add_local_field(&inner, parent, field, None)
    }

    /// Resolves `field` of a value type in another subgraph by taking the way from the
    /// context's anchor there again: the same root field in another root fetch, or the
    /// same fields under the anchor entity fetched by its key. `None` when no subgraph
    /// can.
    fn reenter(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        field: &Node<Field>,
    ) -> Result<Option<Producers>, PlannerError> {
        let Some(anchor) = ctx.anchor.clone() else {
            return Ok(None);
        };
        let current = self.groups[ctx.group].graph.clone();
        let candidates: Vec<String> = self
            .graph
            .resolvers(parent, &field.name, self.labels)
            .into_iter()
            .filter(|t| *t != current)
            .filter(|t| {
                ctx.trail.iter().all(|(_, check)| match check {
                    TrailCheck::Field(ty, name) => self.graph.resolves(ty, name, t, self.labels),
                    TrailCheck::Type(ty) => self.graph.defines_type(ty, t),
                })
            })
            .map(str::to_owned)
            .collect();
        for target in candidates {
            let group = match &*anchor {
                Anchor::Root => {
                    let existing = self
                        .groups
                        .iter()
                        .position(|g| g.entity_type.is_none() && g.graph == target);
                    match existing {
                        Some(group) => group,
                        None => self.new_root_group(&target),
                    }
                }
                Anchor::Entity { ctx: at, ty } => {
                    if self.graph.keys(ty, &target).is_empty() {
                        continue;
                    }
                    self.entity_at(at, ty, &target, &DirectiveList::new())?
                }
            };
            let steps: Vec<Step> = ctx.trail.iter().map(|(step, _)| step.clone()).collect();
            let inner = Ctx {
                group,
                steps,
                path: ctx.path.clone(),
                provided: None,
                conditions: ctx.conditions.clone(),
                internal: ctx.internal,
                anchor: Some(anchor.clone()),
                trail: ctx.trail.clone(),
                choice: None,
            };
            self.selection_at(&inner)?;
            return self.plan_field(&inner, parent, field).map(Some);
        }
        Ok(None)
    }

    /// A new `_entities` group in `target` for the objects at `ctx`, with the key fields
    /// fetched where the objects come from (hopping further if that subgraph lacks them).
    fn entity_group(
        &mut self,
        ctx: &Ctx,
        parent: &Name,
        target: &str,
        conditions: BTreeSet<(String, bool)>,
    ) -> Result<usize, PlannerError> {
        let source = self.groups[ctx.group].graph.clone();
        let keys = self
            .graph
            .keys(parent, target)
            .into_iter()
            .map(|k| self.graph.field_set(parent, k))
            .collect::<Result<Vec<_>, _>>()?;
        // A key the source has; else one whose fields some other subgraph resolves (never
        // one only the target can give: it would be needed to enter the target).
        let key = keys
            .iter()
            .min_by_key(|k| {
                if self.graph.resolves_all(k, &source, self.labels) {
                    0
                } else if k.selections.iter().all(|s| match s {
                    Selection::Field(f) => self
                        .graph
                        .resolvers(parent, &f.name, self.labels)
                        .iter()
                        .any(|g| *g != target),
                    _ => true,
                }) {
                    1
                } else {
                    2
                }
            })
            .cloned()
            .ok_or_else(|| PlannerError::Unresolvable {
                type_name: parent.to_string(),
                field: "(key)".into(),
                from: self.graph.name_of(&source).to_owned(),
            })?;
        self.selection_at(ctx)?.add_typename();
        self.key_depth += 1;
        if self.key_depth > MAX_KEY_DEPTH {
            return Err(PlannerError::TooManyHops {
                type_name: parent.to_string(),
            });
        }
        let internal = Ctx {
            internal: true,
            ..ctx.clone()
        };
        self.avoid.push(target.to_owned());
        let producers = self.plan_selection_set(&internal, parent, &key.selections);
        self.avoid.pop();
        self.key_depth -= 1;
        let producers = producers?;
        let depth = 1 + producers
            .iter()
            .map(|&p| self.groups[p].depth)
            .max()
            .unwrap_or(0);
        let mut representation = SubSelection::default();
        representation.add_typename();
        representation.merge(&self.representation_of(&key)?)?;
        let root = self.groups[ctx.group].root;
        let typename_rewrite = self
            .graph
            .is_interface_object_in(parent, target)
            .then(|| parent.to_string());
        Ok(self.new_group(Group {
            graph: target.to_owned(),
            entity_type: Some(parent.clone()),
            typename_rewrite,
            paths: vec![ctx.path.clone()],
            representation,
            selection: SubSelection::default(),
            depends_on: producers,
            root,
            merged_into: None,
            conditions,
            depth,
        }))
    }
}

/// Whether `subgraph`'s objects of a type, among those possible at a position (`runtime`),
/// are exactly `here`.
fn same_types(subgraph: &[Name], runtime: &[Name], here: &[Name]) -> bool {
    let mut found = subgraph.iter().filter(|t| runtime.contains(t));
    found.clone().count() == here.len() && found.all(|t| here.contains(t))
}

/// Whether two representation selections hold a field of one name with different
/// arguments at the same place (a representation keys fields by name).
fn conflicts(a: &SubSelection, b: &SubSelection) -> bool {
    fn fields(s: &SubSelection) -> Vec<&SubField> {
        s.items
            .iter()
            .flat_map(|item| match item {
                SubItem::Field(f) => vec![f],
                SubItem::Fragment { selections, .. } => fields(selections),
            })
            .collect()
    }
    let ours = fields(a);
    fields(b).into_iter().any(|theirs| {
        ours.iter().any(|mine| {
            mine.name == theirs.name
                && (mine.arguments != theirs.arguments
                    || matches!((&mine.selections, &theirs.selections),
                        (Some(x), Some(y)) if conflicts(x, y)))
        })
    })
}
