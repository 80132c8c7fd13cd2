//! A selection set of the operation: its fields in turn, and its fragments (inline or
//! spread), each planned under its type condition, `@defer` and `@skip`/`@include`.

use std::rc::Rc;

use apollo_compiler::{
    Name,
    ast::DirectiveList,
    executable::{Selection, SelectionSet},
};

use super::{Builder, Ctx, Producers, TrailCheck, fields::same_types, variable_conditions};
use crate::query_planner::{
    PlannerError,
    defer::{DEFER, without_defer},
    plan::PathStep,
    selection::Step,
};

impl Builder<'_> {
    pub(super) fn plan_selection_set(
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
        // A deferred fragment: what it selects serves the site's delivery; subgraphs never
        // see the directive.
        let deferred;
        let stripped;
        let ctx = match self.enter_defer(ctx, directives) {
            Some(site) => {
                deferred = Ctx {
                    defer: Some(site),
                    ..ctx.clone()
                };
                &deferred
            }
            None => ctx,
        };
        let directives = if directives.get(DEFER).is_some() {
            stripped = without_defer(directives);
            &stripped
        } else {
            directives
        };
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
}
