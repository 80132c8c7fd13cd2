//! One field of the operation: planned in the current group where its subgraph resolves
//! it (with its sub-selections), else reached by a hop to a subgraph that does.

use apollo_compiler::{
    Name, Node,
    ast::DirectiveList,
    executable::{Field, SelectionSet},
    schema::ExtendedType,
};

use std::rc::Rc;

use super::{
    Anchor, Builder, Ctx, MAX_FIELD_POSITIONS, Producers, TrailCheck, list_depth, provided_field,
    ranking::field_id, variable_conditions,
};
use crate::query_planner::{
    PlannerError, STREAM,
    defer::without_stream,
    plan::PathStep,
    selection::{Step, SubField},
};

impl Builder<'_> {
    pub(super) fn plan_field(
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
            // A deferred field of an entity the primary response fetches: fetched again by
            // its key, after the primary response (never while planning that key).
            if ctx.defer.is_some()
                && ctx.defer != self.groups[ctx.group].defer
                && !ctx.internal
                && field.name != "__typename"
                && provided.is_none()
                && !self.avoid.contains(&graph)
                && self.directly_reachable(parent, &graph, &graph)
                && !self.is_key_leaf(parent, &graph, field)
            {
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
                ctx.defer,
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

    /// Whether `field` is a plain leaf of a key of `parent` in `graph`: fetched with the
    /// key anyway, so deferring it needs no fetch of its own.
    fn is_key_leaf(&self, parent: &Name, graph: &str, field: &Field) -> bool {
        field.selection_set.selections.is_empty()
            && field.arguments.is_empty()
            && self.graph.keys(parent, graph).into_iter().any(|key| {
                self.graph.field_set(parent, key).is_ok_and(|set| {
                    set.selections.iter().any(|s| {
                        matches!(s, apollo_compiler::executable::Selection::Field(f)
                            if f.name == field.name && f.selection_set.selections.is_empty())
                    })
                })
            })
    }

    /// Adds a field the context's subgraph resolves, and plans its sub-selections.
    pub(super) fn add_local_field(
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
            directives: if field.directives.get(STREAM).is_some() {
                without_stream(&field.directives)
            } else {
                field.directives.clone()
            },
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
                ctx: Box::new(inner.clone()),
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
}

/// Whether `subgraph`'s objects of a type, among those possible at a position (`runtime`),
/// are exactly `here`.
pub(super) fn same_types(subgraph: &[Name], runtime: &[Name], here: &[Name]) -> bool {
    let mut found = subgraph.iter().filter(|t| runtime.contains(t));
    found.clone().count() == here.len() && found.all(|t| here.contains(t))
}
