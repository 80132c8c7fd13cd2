//! Field sets (`@key(fields:)`, `@requires`, `@provides`): parsed and checked against a subgraph.

use apollo_compiler::{ast, schema::ExtendedType};

use super::subgraph::Subgraph;

/// A field set's selections, without arguments or aliases (field sets allow neither).
#[derive(Debug)]
pub(crate) enum Selection {
    /// `field { … }`.
    Field(String, Vec<Selection>),
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
                if f.alias.is_some() || !f.arguments.is_empty() {
                    return Err(format!("`{}` has an alias or arguments", f.name));
                }
                Ok(Selection::Field(
                    f.name.to_string(),
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
            Selection::Field(field, children) => {
                let def = subgraph.field(type_name, field).ok_or_else(|| {
                    format!("selects `{field}`, which `{type_name}` does not define")
                })?;
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
            Selection::Field(name, _) => out.push(name.as_str()),
            Selection::Fragment(_, children) => out.extend(top_level(children)),
        }
    }
    out
}
