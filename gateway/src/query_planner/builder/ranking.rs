//! Choosing among candidate subgraphs: by the cost of the plan each gives (root fields), by
//! how much of a subtree each reaches and resolves, and together for sibling fields.

use std::{
    collections::{BTreeSet, HashMap},
    rc::Rc,
};

use apollo_compiler::{
    Name, Node,
    executable::{Field, Selection, SelectionSet},
};

use super::{Anchor, Builder, Ctx, provided_field};
use crate::query_planner::{PlannerError, schedule};

/// How well a subgraph serves a selection: whether every field can be reached from it
/// (locally, provided, or by a key hop), then how many resolve there without a hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Coverage {
    pub(super) feasible: bool,
    pub(super) local: usize,
}

/// The address of a field of the operation: identifies it within one planning.
pub(super) fn field_id(field: &Field) -> usize {
    std::ptr::from_ref(field) as usize
}

impl Builder<'_> {
    /// The subgraph a query's root field costs least from: each candidate that can reach
    /// the whole subtree is planned for real, its plan costed (requests, then waves) and
    /// undone; the cheapest wins (ties: the better [`Coverage`], then the earlier one).
    pub(super) fn cheapest_root<'c>(
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
            let group = self.new_root_group(candidates[i], None);
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
                defer: None,
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
    pub(super) fn best_candidate<'c>(
        &self,
        parent: &Name,
        candidates: &[&'c str],
        field: &Field,
    ) -> &'c str {
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
    pub(super) fn candidate_coverage(&self, parent: &Name, field: &Field, graph: &str) -> Coverage {
        let provided = self
            .graph
            .provides(parent, &field.name, graph)
            .and_then(|source| self.graph.field_set(&field.selection_set.ty, source).ok());
        self.coverage(&field.selection_set, graph, provided.as_ref())
    }

    /// How well `graph` serves a selection (see [`Coverage`]). A heuristic for ranking:
    /// past its budget of field visits it stops looking deeper.
    pub(super) fn coverage(
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

    /// The subgraphs an entity's fields that need a hop go to, chosen together: first
    /// subgraphs already asked at that wave (their request is sent anyway), then those
    /// resolving the most of the remaining fields and their subtrees. `None` when no field
    /// of the selection needs a hop.
    pub(super) fn choose_targets(
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
                ctx.defer,
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
}
