//! Hops between subgraphs: entity groups entered by a key, `@requires` planned before the
//! group that needs them, `@interfaceObject` sources, and value types reached again from
//! the nearest root or entity.

use std::{collections::BTreeSet, rc::Rc};

use apollo_compiler::{
    Name, Node,
    ast::DirectiveList,
    executable::{Field, Selection},
    schema::ExtendedType,
};

use super::{
    Anchor, Builder, Ctx, Group, MAX_KEY_DEPTH, Producers, TrailCheck, representation::conflicts,
    variable_conditions,
};
use crate::query_planner::{
    PlannerError,
    selection::{Step, SubSelection},
};

impl Builder<'_> {
    /// Whether some key of `parent` in `target` resolves entirely in `source`.
    pub(super) fn directly_reachable(&self, parent: &Name, target: &str, source: &str) -> bool {
        self.graph.keys(parent, target).into_iter().any(|key| {
            self.graph
                .field_set(parent, key)
                .is_ok_and(|k| self.graph.resolves_all(&k, source, self.labels))
        })
    }

    /// An interface of `object` whose field `field` an `@interfaceObject` subgraph resolves.
    pub(super) fn interface_object_resolver(
        &self,
        object: &Name,
        field: &str,
    ) -> Option<(Name, String)> {
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
    pub(super) fn entity_at(
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
    pub(super) fn entity_at_after(
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
            ctx.defer,
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
    pub(super) fn upstream(&self, groups: &Producers) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<usize> = groups.iter().copied().collect();
        while let Some(g) = todo.pop() {
            if seen.insert(g) {
                todo.extend(self.groups[g].depends_on.iter().copied());
            }
        }
        seen
    }

    /// For objects coming from an `@interfaceObject` subgraph, which only knows the
    /// interface: the group of a subgraph that knows their concrete types.
    pub(super) fn concrete_type_source(
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
            defer: ctx.defer,
        }))
    }

    /// Resolves `field` of the entities at `ctx` in another subgraph.
    pub(super) fn hop(
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
                ctx: Box::new(ctx.clone()),
                ty: parent.clone(),
            })),
            trail: Vec::new(),
            choice: None,
            defer: ctx.defer,
        };
        self.add_local_field(&inner, parent, field, None)
    }

    /// Resolves `field` of a value type in another subgraph by taking the way from the
    /// context's anchor there again: the same root field in another root fetch, or the
    /// same fields under the anchor entity fetched by its key. `None` when no subgraph
    /// can.
    pub(super) fn reenter(
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
                    let existing = self.groups.iter().position(|g| {
                        g.entity_type.is_none() && g.graph == target && g.defer == ctx.defer
                    });
                    match existing {
                        Some(group) => group,
                        None => self.new_root_group(&target, ctx.defer),
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
                defer: ctx.defer,
            };
            self.selection_at(&inner)?;
            return self.plan_field(&inner, parent, field).map(Some);
        }
        Ok(None)
    }

    /// A new `_entities` group in `target` for the objects at `ctx`, with the key fields
    /// fetched where the objects come from (hopping further if that subgraph lacks them).
    pub(super) fn entity_group(
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
            defer: ctx.defer,
        }))
    }
}
