//! What a representation reads: `@key`/`@requires` field sets with their type conditions
//! made concrete (the executor compares them with `__typename`), and conflicts between
//! two such selections.

use apollo_compiler::{Name, ast::DirectiveList, executable::SelectionSet};

use super::Builder;
use crate::query_planner::{
    PlannerError,
    selection::{SubField, SubItem, SubSelection},
};

impl Builder<'_> {
    /// The selection reading a representation (`@key`/`@requires` field set): type
    /// conditions made concrete, as the executor compares them with `__typename`.
    pub(super) fn representation_of(
        &self,
        set: &SelectionSet,
    ) -> Result<SubSelection, PlannerError> {
        let read = SubSelection::from_field_set(set)?;
        self.concretize(&read, &set.ty)
    }

    pub(super) fn concretize(
        &self,
        read: &SubSelection,
        ty: &Name,
    ) -> Result<SubSelection, PlannerError> {
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
}

/// Whether two representation selections hold a field of one name with different
/// arguments at the same place (a representation keys fields by name).
pub(super) fn conflicts(a: &SubSelection, b: &SubSelection) -> bool {
    pub(super) fn fields(s: &SubSelection) -> Vec<&SubField> {
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
