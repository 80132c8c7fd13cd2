//! The API schema: the supergraph without join/link machinery and `@inaccessible` elements.

use apollo_compiler::{
    Name, Schema,
    collections::IndexMap,
    schema::{Component, ExtendedType, FieldDefinition},
    validation::Valid,
};

use super::{LinkedSpecs, SupergraphError};

/// Derives the schema clients see and validates it.
pub(crate) fn derive(
    supergraph: &Schema,
    links: &LinkedSpecs,
) -> Result<Valid<Schema>, SupergraphError> {
    let mut schema = supergraph.clone();
    let inaccessible = links.inaccessible();
    let hidden =
        |directives: &dyn Fn(&str) -> bool| inaccessible.as_deref().is_some_and(directives);

    // Types that are machinery or inaccessible disappear with every reference to them.
    let removed: Vec<_> = schema
        .types
        .iter()
        .filter(|(name, ty)| {
            links.is_machinery(name) || hidden(&|i| ty.directives().get(i).is_some())
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in &removed {
        schema.types.shift_remove(name);
    }
    schema
        .directive_definitions
        .retain(|name, _| !links.is_machinery(name));
    let keep_directive = |name: &str| !links.is_machinery(name);
    schema
        .schema_definition
        .make_mut()
        .directives
        .0
        .retain(|d| keep_directive(&d.name));

    for ty in schema.types.values_mut() {
        match ty {
            ExtendedType::Object(o) => {
                let o = o.make_mut();
                o.directives.0.retain(|d| keep_directive(&d.name));
                o.implements_interfaces
                    .retain(|i| !removed.contains(&i.name));
                strip_fields(&mut o.fields, links, inaccessible.as_deref());
            }
            ExtendedType::Interface(o) => {
                let o = o.make_mut();
                o.directives.0.retain(|d| keep_directive(&d.name));
                o.implements_interfaces
                    .retain(|i| !removed.contains(&i.name));
                strip_fields(&mut o.fields, links, inaccessible.as_deref());
            }
            ExtendedType::Union(u) => {
                let u = u.make_mut();
                u.directives.0.retain(|d| keep_directive(&d.name));
                u.members.retain(|m| !removed.contains(&m.name));
            }
            ExtendedType::Enum(e) => {
                let e = e.make_mut();
                e.directives.0.retain(|d| keep_directive(&d.name));
                e.values
                    .retain(|_, v| !hidden(&|i| v.directives.get(i).is_some()));
                for value in e.values.values_mut() {
                    value
                        .make_mut()
                        .directives
                        .0
                        .retain(|d| keep_directive(&d.name));
                }
            }
            ExtendedType::InputObject(input) => {
                let input = input.make_mut();
                input.directives.0.retain(|d| keep_directive(&d.name));
                input
                    .fields
                    .retain(|_, f| !hidden(&|i| f.directives.get(i).is_some()));
                for field in input.fields.values_mut() {
                    field
                        .make_mut()
                        .directives
                        .0
                        .retain(|d| keep_directive(&d.name));
                }
            }
            ExtendedType::Scalar(s) => {
                s.make_mut()
                    .directives
                    .0
                    .retain(|d| keep_directive(&d.name));
            }
        }
    }
    add_gateway_directives(&mut schema)?;
    schema
        .validate()
        .map_err(|e| SupergraphError::InvalidApiSchema(e.errors.to_string()))
}

/// Directives the gateway itself carries out, declared for validation and introspection.
const GATEWAY_DIRECTIVES: &str = r#"
"A live query: after its first result, the gateway pushes a new one (over WebSocket or server-sent events) whenever an event changes data it selects."
directive @live(
  "Least milliseconds between two results (never below the gateway's minimum)."
  throttle: Int
) on QUERY
"Delivers the fragment after the rest of the response (incremental delivery: multipart/mixed, server-sent events or WebSocket)."
directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT
"Delivers the list's first `initialCount` items with the rest of the response, the others after it."
directive @stream(label: String, if: Boolean! = true, initialCount: Int! = 0) on FIELD
"#;

/// Adds [`GATEWAY_DIRECTIVES`] unless the supergraph defines directives of those names.
fn add_gateway_directives(schema: &mut Schema) -> Result<(), SupergraphError> {
    let document =
        apollo_compiler::ast::Document::parse(GATEWAY_DIRECTIVES, "gateway-directives.graphql")
            .map_err(|e| SupergraphError::InvalidApiSchema(e.errors.to_string()))?;
    for definition in document.definitions {
        if let apollo_compiler::ast::Definition::DirectiveDefinition(directive) = definition {
            schema
                .directive_definitions
                .entry(directive.name.clone())
                .or_insert(directive);
        }
    }
    Ok(())
}

/// Drops inaccessible fields and arguments, and machinery directives on what remains.
fn strip_fields(
    fields: &mut IndexMap<Name, Component<FieldDefinition>>,
    links: &LinkedSpecs,
    inaccessible: Option<&str>,
) {
    let hidden = |directives: &apollo_compiler::ast::DirectiveList| {
        inaccessible.is_some_and(|i| directives.get(i).is_some())
    };
    fields.retain(|_, f| !hidden(&f.directives));
    for field in fields.values_mut() {
        let field = field.make_mut();
        field.directives.0.retain(|d| !links.is_machinery(&d.name));
        field.arguments.retain(|a| !hidden(&a.directives));
        for argument in &mut field.arguments {
            argument
                .make_mut()
                .directives
                .0
                .retain(|d| !links.is_machinery(&d.name));
        }
    }
}
