//! Merging fields: ownership per subgraph (`@external`, `@shareable`, `@override`,
//! `@requires`, `@provides`), arguments and the output type every subgraph's value fits.

use apollo_compiler::{
    Name, Node,
    ast::Type,
    collections::IndexMap,
    schema::{FieldDefinition, InputValueDefinition},
};

use super::{Context, Defs, FieldOwner, Kind, MergedField, MergedType, Subtypes, fields_of};
use crate::compose::ComposeError;
use crate::compose::{
    field_set,
    subgraph::{Subgraph, string_arg},
};

impl Context {
    pub(super) fn merge_fields(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let type_name = merged.name.clone();
        let mut by_field: IndexMap<String, Vec<FieldDef<'_>>> = IndexMap::default();
        for (subgraph, ty) in defs {
            let type_shareable = ty.directives().has(subgraph.directive("shareable"));
            for def in fields_of(ty) {
                if subgraph.is_internal_field(&type_name, &def.name) {
                    continue;
                }
                let field = self.field_def(subgraph, &type_name, def, type_shareable);
                by_field
                    .entry(def.name.to_string())
                    .or_default()
                    .push(field);
            }
        }
        let type_graphs: Vec<&str> = merged.owners.iter().map(|o| o.graph.as_str()).collect();
        for (field_name, fields) in by_field {
            let coordinate = format!("{type_name}.{field_name}");
            if let Some(field) =
                self.merge_field(&coordinate, &field_name, &fields, merged.kind, &type_graphs)
            {
                merged.fields.insert(field_name, field);
            }
        }
    }

    fn field_def<'a>(
        &mut self,
        subgraph: &'a Subgraph,
        type_name: &str,
        def: &'a FieldDefinition,
        type_shareable: bool,
    ) -> FieldDef<'a> {
        let coordinate = format!("{type_name}.{}", def.name);
        let key_field = self.is_key_field(subgraph, type_name, &def.name);
        // Federation 1 marks key fields of extensions @external although the subgraph has them.
        let external =
            def.directives.has(subgraph.directive("external")) && !(subgraph.fed1 && key_field);
        let requires = def
            .directives
            .get(subgraph.directive("requires"))
            .and_then(|d| string_arg(d, "fields"));
        if let Some(fields) = &requires {
            let result = field_set::parse(fields).and_then(|set| {
                field_set::check(subgraph, type_name, &set, &mut |_, _| {})?;
                for top in field_set::top_level(&set) {
                    let external = subgraph
                        .field(type_name, top)
                        .is_some_and(|f| f.directives.has(subgraph.directive("external")));
                    if !external {
                        return Err(format!("selects `{top}`, which is not @external here"));
                    }
                }
                Ok(())
            });
            if let Err(problem) = result {
                let problem = format!("@requires(fields: \"{fields}\") {problem}");
                self.subgraph_error(subgraph, coordinate.clone(), problem);
            }
        }
        let provides = def
            .directives
            .get(subgraph.directive("provides"))
            .and_then(|d| string_arg(d, "fields"));
        if let Some(fields) = &provides {
            let target = subgraph.canonical_type(def.ty.inner_named_type().as_str());
            let result = field_set::parse(fields)
                .and_then(|set| field_set::check(subgraph, target, &set, &mut |_, _| {}));
            if let Err(problem) = result {
                let problem = format!("@provides(fields: \"{fields}\") {problem}");
                self.subgraph_error(subgraph, coordinate.clone(), problem);
            }
        }
        for arg in &def.arguments {
            if arg.directives.has(subgraph.directive("fromContext")) {
                self.errors.push(ComposeError::Unsupported {
                    subgraph: subgraph.name.clone(),
                    coordinate: format!("{coordinate}({}:)", arg.name),
                    feature: "takes its value from a context (@fromContext)".into(),
                });
            }
        }
        let override_directive = def.directives.get(subgraph.directive("override"));
        let override_label = override_directive.and_then(|d| string_arg(d, "label"));
        if let Some(label) = &override_label
            && !valid_override_label(label)
        {
            self.subgraph_error(
                subgraph,
                coordinate,
                format!(
                    "@override(label: \"{label}\") is invalid: use `percent(N)` with N from 0 \
                     to 100 (up to 8 decimals) or a name matching [a-zA-Z][a-zA-Z0-9_\\-:./]*"
                ),
            );
        }
        FieldDef {
            subgraph,
            def,
            external,
            shareable: subgraph.fed1
                || type_shareable
                || key_field
                || def.directives.has(subgraph.directive("shareable")),
            key_field,
            requires,
            provides,
            override_from: override_directive.and_then(|d| string_arg(d, "from")),
            override_label,
            overridden: false,
            overridden_by_label: None,
        }
    }

    fn merge_field(
        &mut self,
        coordinate: &str,
        field_name: &str,
        fields: &[FieldDef<'_>],
        kind: Kind,
        type_graphs: &[&str],
    ) -> Option<MergedField> {
        let mut fields: Vec<FieldDef<'_>> = fields.to_vec();
        let names = |fields: &[FieldDef<'_>]| -> Vec<String> {
            fields.iter().map(|f| f.subgraph.name.clone()).collect()
        };
        // @override: the overridden subgraph no longer resolves the field; with a label
        // (progressive override) it keeps resolving it while the label is off.
        let overrides: Vec<(String, String, Option<String>)> = fields
            .iter()
            .filter_map(|f| {
                let from = f.override_from.clone()?;
                Some((f.subgraph.name.clone(), from, f.override_label.clone()))
            })
            .collect();
        for (by, from, label) in overrides {
            if by == from {
                self.conflict(
                    coordinate.into(),
                    vec![by],
                    "@override(from:) names its own subgraph".into(),
                );
                continue;
            }
            for f in fields.iter_mut().filter(|f| f.subgraph.name == from) {
                match &label {
                    Some(label) => f.overridden_by_label = Some(label.clone()),
                    None => f.overridden = true,
                }
            }
        }
        let resolving: Vec<FieldDef<'_>> = fields
            .iter()
            .filter(|f| !f.external && !f.overridden)
            .cloned()
            .collect();
        if resolving.is_empty() {
            for f in fields.iter().filter(|f| f.external) {
                self.subgraph_error(
                    f.subgraph,
                    coordinate.into(),
                    "is @external, but no other subgraph resolves it".into(),
                );
            }
            if fields.iter().any(|f| f.external) {
                return None;
            }
        }
        // Both sides of a progressive override resolve the field, but never for one request.
        let sharing: Vec<FieldDef<'_>> = resolving
            .iter()
            .filter(|f| f.overridden_by_label.is_none())
            .cloned()
            .collect();
        if kind == Kind::Object
            && sharing.len() > 1
            && let Some(unshared) = sharing.iter().find(|f| !f.shareable)
        {
            self.conflict(
                coordinate.into(),
                names(&sharing),
                format!(
                    "resolved by several subgraphs but not @shareable in `{}` (mark it \
                     @shareable in each, or move it with @override)",
                    unshared.subgraph.name
                ),
            );
        }
        let types: Vec<&Type> = fields.iter().map(|f| &f.def.ty).collect();
        let Some(ty) = output_supertype(&types, &self.subtypes) else {
            let types = fields
                .iter()
                .map(|f| format!("`{}` in `{}`", f.def.ty, f.subgraph.name))
                .collect::<Vec<_>>()
                .join(", ");
            self.conflict(
                coordinate.into(),
                names(&fields),
                format!("has incompatible types: {types}"),
            );
            return None;
        };
        let arg_sources = if resolving.is_empty() {
            &fields
        } else {
            &resolving
        };
        let arguments = self.merge_arguments(coordinate, arg_sources);
        let mut directives = Vec::new();
        for f in &fields {
            let list = f.def.directives.iter().map(|d| &**d);
            self.kept(f.subgraph, list, &mut directives);
        }
        // As Apollo's composer does, once one subgraph's type differs every owner states
        // its own: the planner then never has to infer a subgraph's type from the others.
        let types_differ = fields.iter().any(|f| f.def.ty != ty);
        let owners: Vec<FieldOwner> = fields
            .iter()
            .filter(|f| !f.overridden || f.key_field)
            .map(|f| FieldOwner {
                graph: Some(f.subgraph.graph.clone()),
                ty: types_differ.then(|| f.def.ty.to_string()),
                external: f.external,
                requires: f.requires.clone(),
                provides: f.provides.clone(),
                override_from: f.override_from.clone(),
                used_overridden: f.overridden,
                override_label: f
                    .override_label
                    .clone()
                    .or_else(|| f.overridden_by_label.clone()),
            })
            .collect();
        let plain = owners.len() == type_graphs.len()
            && owners.iter().all(|o| {
                !o.external
                    && o.ty.is_none()
                    && o.requires.is_none()
                    && o.provides.is_none()
                    && o.override_from.is_none()
                    && o.override_label.is_none()
                    && !o.used_overridden
            });
        Some(MergedField {
            name: field_name.to_owned(),
            // An overridden definition's description documents what is no longer served.
            description: fields
                .iter()
                .filter(|f| !f.overridden)
                .find_map(|f| f.def.description.clone()),
            ty,
            arguments,
            default_value: None,
            owners: (!plain).then_some(owners),
            directives,
        })
    }

    /// Arguments defined by every resolving subgraph; a required one missing somewhere fails.
    fn merge_arguments(
        &mut self,
        coordinate: &str,
        fields: &[FieldDef<'_>],
    ) -> Vec<Node<InputValueDefinition>> {
        let mut names: Vec<&str> = Vec::new();
        for f in fields {
            for arg in &f.def.arguments {
                if !names.contains(&arg.name.as_str()) {
                    names.push(arg.name.as_str());
                }
            }
        }
        let defs: Vec<(&Subgraph, Vec<&Node<InputValueDefinition>>)> = fields
            .iter()
            .map(|f| (f.subgraph, f.def.arguments.iter().collect()))
            .collect();
        let mut out = Vec::new();
        for arg in names {
            let coordinate = format!("{coordinate}({arg}:)");
            if let Some(merged) = self.merge_input_value(&coordinate, arg, &defs) {
                out.push(merged);
            }
        }
        out
    }
}

/// A subgraph's field with its federation directives read.
#[derive(Clone)]
struct FieldDef<'a> {
    subgraph: &'a Subgraph,
    def: &'a FieldDefinition,
    external: bool,
    shareable: bool,
    key_field: bool,
    requires: Option<String>,
    provides: Option<String>,
    override_from: Option<String>,
    override_label: Option<String>,
    /// Overridden by another subgraph's `@override(from:)` without a label.
    overridden: bool,
    /// Overridden by a progressive `@override(from:, label:)`: still resolves it.
    overridden_by_label: Option<String>,
}

/// Apollo's rule for `@override(label:)`: `percent(N)`, N in 0..=100 with at most 8
/// decimals, or a custom name the router's label set can refer to.
fn valid_override_label(label: &str) -> bool {
    if let Some(percent) = label
        .strip_prefix("percent(")
        .and_then(|l| l.strip_suffix(')'))
    {
        let (whole, decimals) = percent.split_once('.').unwrap_or((percent, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let decimals_ok = !percent.ends_with('.') && decimals.len() <= 8 && digits(decimals);
        return match whole {
            "100" => decimals.is_empty() && !percent.ends_with('.'),
            _ => (1..=2).contains(&whole.len()) && digits(whole) && decimals_ok,
        };
    }
    let mut chars = label.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-:./".contains(c))
}

/// Output positions merge to the least restrictive type: nullable at a level if any
/// subgraph's type is, around the named type all the others are subtypes of (a union
/// containing them, an interface they implement), so every subgraph's value fits it.
/// Named types none of which is the supertype of the others (`Post` and `Photo`) are
/// refused rather than widened to some union the subgraphs never typed the field with.
/// The supertype is searched among all of them, so the subgraph order does not matter.
fn output_supertype(types: &[&Type], subtypes: &Subtypes) -> Option<Type> {
    let is_subtype = |sub: &Name, sup: &Name| {
        sub == sup
            || subtypes
                .get(sup.as_str())
                .is_some_and(|s| s.contains(sub.as_str()))
    };
    let names: Vec<&Name> = types.iter().map(|t| t.inner_named_type()).collect();
    let top = *names
        .iter()
        .find(|top| names.iter().all(|name| is_subtype(name, top)))?;
    let mut merged = (*types.first()?).clone();
    // Merging starts with the first type itself, which also puts `top` inside it.
    for ty in types {
        merged = merge_types(&merged, ty, false, &|_, _| Some(top.clone()))?;
    }
    Some(merged)
}

/// Merges two type references level by level; `named` merges the innermost named types.
pub(super) fn merge_types(
    a: &Type,
    b: &Type,
    non_null_if_any: bool,
    named: &dyn Fn(&Name, &Name) -> Option<Name>,
) -> Option<Type> {
    let non_null = if non_null_if_any {
        a.is_non_null() || b.is_non_null()
    } else {
        a.is_non_null() && b.is_non_null()
    };
    match (a, b) {
        (Type::Named(x) | Type::NonNullNamed(x), Type::Named(y) | Type::NonNullNamed(y)) => {
            let merged = named(x, y)?;
            Some(if non_null {
                Type::NonNullNamed(merged)
            } else {
                Type::Named(merged)
            })
        }
        (Type::List(x) | Type::NonNullList(x), Type::List(y) | Type::NonNullList(y)) => {
            let inner = merge_types(x, y, non_null_if_any, named)?;
            Some(if non_null {
                Type::NonNullList(Box::new(inner))
            } else {
                Type::List(Box::new(inner))
            })
        }
        _ => None,
    }
}
