//! Merging what clients send: input values (arguments, input fields) by the most
//! restrictive type, and enums by how they are used.

use apollo_compiler::{
    Node,
    ast::{self, Type},
    collections::IndexMap,
    schema::{ExtendedType, InputValueDefinition},
};

use super::{Context, Defs, MergedField, MergedType, MergedValue, fields::merge_types};
use crate::compose::subgraph::Subgraph;

impl Context {
    /// Merges an argument or input field defined in several subgraphs (input rules:
    /// intersection, most restrictive type, equal defaults).
    pub(super) fn merge_input_value(
        &mut self,
        coordinate: &str,
        name: &str,
        defs: &[(&Subgraph, Vec<&Node<InputValueDefinition>>)],
    ) -> Option<Node<InputValueDefinition>> {
        let found: Vec<(&Subgraph, &Node<InputValueDefinition>)> = defs
            .iter()
            .filter_map(|(s, values)| Some((*s, *values.iter().find(|v| v.name == name)?)))
            .collect();
        if found.len() < defs.len() {
            let required =
                |v: &InputValueDefinition| v.ty.is_non_null() && v.default_value.is_none();
            if let Some((by, _)) = found.iter().find(|(_, v)| required(v)) {
                let missing: Vec<String> = defs
                    .iter()
                    .filter(|(s, _)| !found.iter().any(|(f, _)| f.name == s.name))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                let mut subgraphs = vec![by.name.clone()];
                subgraphs.extend(missing.iter().cloned());
                self.conflict(
                    coordinate.into(),
                    subgraphs,
                    format!(
                        "required in `{}` but missing in {}",
                        by.name,
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            return None;
        }
        let (first_subgraph, first) = found[0];
        let mut ty = (*first.ty).clone();
        let mut directives = Vec::new();
        for (subgraph, value) in &found {
            match input_subtype(&ty, &value.ty) {
                Some(t) => ty = t,
                None => {
                    self.conflict(
                        coordinate.into(),
                        vec![first_subgraph.name.clone(), subgraph.name.clone()],
                        format!(
                            "has incompatible types: `{}` in `{}`, `{}` in `{}`",
                            first.ty, first_subgraph.name, value.ty, subgraph.name
                        ),
                    );
                    return None;
                }
            }
            let defaults = (
                first.default_value.as_ref().map(ToString::to_string),
                value.default_value.as_ref().map(ToString::to_string),
            );
            if defaults.0 != defaults.1 {
                self.conflict(
                    coordinate.into(),
                    vec![first_subgraph.name.clone(), subgraph.name.clone()],
                    format!(
                        "has different default values: {} in `{}`, {} in `{}`",
                        defaults.0.as_deref().unwrap_or("none"),
                        first_subgraph.name,
                        defaults.1.as_deref().unwrap_or("none"),
                        subgraph.name
                    ),
                );
            }
            let list = value.directives.iter().map(|d| &**d);
            self.kept(subgraph, list, &mut directives);
        }
        Some(Node::new(InputValueDefinition {
            description: found.iter().find_map(|(_, v)| v.description.clone()),
            name: first.name.clone(),
            ty: Node::new(ty),
            default_value: first.default_value.clone(),
            directives: ast::DirectiveList(directives.into_iter().map(Node::new).collect()),
        }))
    }

    pub(super) fn merge_input_fields(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let defs: Vec<(&Subgraph, Vec<&Node<InputValueDefinition>>)> = defs
            .iter()
            .filter_map(|(s, t)| match t {
                ExtendedType::InputObject(i) => {
                    Some((*s, i.fields.values().map(|f| &**f).collect()))
                }
                _ => None,
            })
            .collect();
        let mut names: Vec<String> = Vec::new();
        for (_, fields) in &defs {
            for f in fields {
                if !names.iter().any(|n| n == f.name.as_str()) {
                    names.push(f.name.to_string());
                }
            }
        }
        for field in names {
            let coordinate = format!("{}.{field}", merged.name);
            if let Some(value) = self.merge_input_value(&coordinate, &field, &defs) {
                merged.fields.insert(
                    field.clone(),
                    MergedField {
                        name: field,
                        description: value.description.clone(),
                        ty: (*value.ty).clone(),
                        arguments: Vec::new(),
                        default_value: value.default_value.clone(),
                        owners: None,
                        directives: value.directives.iter().map(|d| (**d).clone()).collect(),
                    },
                );
            }
        }
        if merged.fields.is_empty() {
            self.conflict(
                merged.name.clone(),
                defs.iter().map(|(s, _)| s.name.clone()).collect(),
                "no field is defined in every subgraph (input types merge by intersection)".into(),
            );
        }
    }

    pub(super) fn merge_enum(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let mut values: IndexMap<String, MergedValue> = IndexMap::default();
        for (subgraph, ty) in defs {
            let ExtendedType::Enum(e) = ty else { continue };
            for (value, def) in &e.values {
                let entry = values.entry(value.to_string()).or_insert(MergedValue {
                    description: None,
                    graphs: Vec::new(),
                    directives: Vec::new(),
                });
                entry.graphs.push(subgraph.graph.clone());
                if entry.description.is_none() {
                    entry.description = def.description.clone();
                }
                let list = def.directives.iter().map(|d| &**d);
                let mut directives = std::mem::take(&mut entry.directives);
                self.kept(subgraph, list, &mut directives);
                entry.directives = directives;
            }
        }
        let input = self.usage.input.contains(&merged.name);
        let output = self.usage.output.contains(&merged.name);
        let everywhere = |v: &MergedValue| v.graphs.len() == defs.len();
        if input && output {
            for (value, v) in values.iter().filter(|(_, v)| !everywhere(v)) {
                let missing: Vec<String> = defs
                    .iter()
                    .filter(|(s, _)| !v.graphs.contains(&s.graph))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                self.conflict(
                    format!("{}.{value}", merged.name),
                    missing.clone(),
                    format!(
                        "enum value missing in {}; an enum used as both input and output \
                         must have the same values in every subgraph",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        } else if input {
            values.retain(|_, v| everywhere(v));
            if values.is_empty() {
                self.conflict(
                    merged.name.clone(),
                    defs.iter().map(|(s, _)| s.name.clone()).collect(),
                    "no value is defined in every subgraph (input enums merge by intersection)"
                        .into(),
                );
            }
        }
        merged.values = values;
    }
}

/// Input positions merge to the most restrictive type: non-null if any is. Input types
/// have no subtypes, so named types must be equal.
fn input_subtype(a: &Type, b: &Type) -> Option<Type> {
    merge_types(a, b, true, &|x, y| (x == y).then(|| x.clone()))
}
