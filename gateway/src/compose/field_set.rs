//! Field sets (`@key(fields:)`, `@requires`, `@provides`): parsed and checked against a subgraph.

use apollo_compiler::{ast, schema::ExtendedType};

use super::subgraph::Subgraph;

/// A field set's selections. Aliases are never allowed; arguments only outside `@key`
/// (Federation v2 lets `@requires`/`@provides` select `weight(unit: KILOGRAM)`).
#[derive(Debug)]
pub(crate) enum Selection {
    /// `field(arg: …) { … }`: name, argument names, subselections.
    Field(String, Vec<String>, Vec<Selection>),
    /// `... on Type { … }`.
    Fragment(String, Vec<Selection>),
}

/// Parses a field set as the selection set it is.
pub(crate) fn parse(fields: &str) -> Result<Vec<Selection>, String> {
    let doc = ast::Document::parse(format!("{{ {fields} }}"), "field_set.graphql")
        .map_err(|e| format!("does not parse: {}", e.errors))?;
    let Some(ast::Definition::OperationDefinition(op)) = doc.definitions.first() else {
        return Err("does not parse as a selection set".into());
    };
    convert(&op.selection_set)
}

fn convert(selections: &[ast::Selection]) -> Result<Vec<Selection>, String> {
    selections
        .iter()
        .map(|s| match s {
            ast::Selection::Field(f) => {
                if let Some(alias) = &f.alias {
                    return Err(format!("`{}` has an alias (`{alias}`)", f.name));
                }
                Ok(Selection::Field(
                    f.name.to_string(),
                    f.arguments.iter().map(|a| a.name.to_string()).collect(),
                    convert(&f.selection_set)?,
                ))
            }
            ast::Selection::InlineFragment(f) => Ok(Selection::Fragment(
                f.type_condition
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                convert(&f.selection_set)?,
            )),
            ast::Selection::FragmentSpread(s) => {
                Err(format!("uses fragment spread `...{}`", s.fragment_name))
            }
        })
        .collect()
}

/// Checks selections against `type_name` in the subgraph; calls `visit(type, field)` for
/// every selected field. Errors name the field at fault.
pub(crate) fn check(
    subgraph: &Subgraph,
    type_name: &str,
    selections: &[Selection],
    visit: &mut dyn FnMut(&str, &str),
) -> Result<(), String> {
    for selection in selections {
        match selection {
            Selection::Fragment(on, children) => {
                let on = if on.is_empty() { type_name } else { on };
                check(subgraph, on, children, visit)?;
            }
            Selection::Field(field, arguments, children) => {
                let def = subgraph.field(type_name, field).ok_or_else(|| {
                    format!("selects `{field}`, which `{type_name}` does not define")
                })?;
                for arg in arguments {
                    if !def.arguments.iter().any(|a| a.name == arg.as_str()) {
                        return Err(format!(
                            "passes `{arg}` to `{type_name}.{field}`, which has no such argument"
                        ));
                    }
                }
                let missing = def.arguments.iter().find(|a| {
                    a.ty.is_non_null()
                        && a.default_value.is_none()
                        && !arguments.iter().any(|g| a.name == g.as_str())
                });
                if let Some(missing) = missing {
                    return Err(format!(
                        "selects `{type_name}.{field}` without its required argument `{}`",
                        missing.name
                    ));
                }
                visit(type_name, field);
                let inner = def.ty.inner_named_type();
                let composite = matches!(
                    subgraph.schema.types.get(inner.as_str()),
                    Some(
                        ExtendedType::Object(_)
                            | ExtendedType::Interface(_)
                            | ExtendedType::Union(_)
                    )
                );
                match (composite, children.is_empty()) {
                    (true, true) => {
                        return Err(format!(
                            "selects `{type_name}.{field}` of composite type `{inner}` without subfields"
                        ));
                    }
                    (false, false) => {
                        return Err(format!(
                            "selects subfields of `{type_name}.{field}`, whose type `{inner}` has none"
                        ));
                    }
                    (true, false) => {
                        let inner = subgraph.canonical_type(inner.as_str()).to_owned();
                        check(subgraph, &inner, children, visit)?;
                    }
                    (false, true) => {}
                }
            }
        }
    }
    Ok(())
}

/// The top-level field names of a selection (what `@requires`/`@provides` need external).
pub(crate) fn top_level(selections: &[Selection]) -> Vec<&str> {
    let mut out = Vec::new();
    for s in selections {
        match s {
            Selection::Field(name, ..) => out.push(name.as_str()),
            Selection::Fragment(_, children) => out.extend(top_level(children)),
        }
    }
    out
}

/// The first selected field that passes arguments (`@key` fields cannot take any).
pub(crate) fn with_arguments(selections: &[Selection]) -> Option<&str> {
    selections.iter().find_map(|s| match s {
        Selection::Field(name, arguments, _) if !arguments.is_empty() => Some(name.as_str()),
        Selection::Field(_, _, children) | Selection::Fragment(_, children) => {
            with_arguments(children)
        }
    })
}
