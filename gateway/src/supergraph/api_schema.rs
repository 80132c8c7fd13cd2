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
    declare_defer(&mut schema);
    schema
        .validate()
        .map_err(|e| SupergraphError::InvalidApiSchema(e.errors.to_string()))
}

/// The `@defer` and `@stream` directives of the incremental-delivery RFC: the gateway
/// plans and delivers deferred fragments and streamed lists itself, whatever its
/// subgraphs support.
const INCREMENTAL_DEFINITIONS: &str = "
directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @stream(label: String, if: Boolean! = true, initialCount: Int! = 0) on FIELD
";

/// Declares `@defer` and `@stream` in the API schema, unless the supergraph declares its
/// own.
fn declare_defer(schema: &mut Schema) {
    let Ok(document) =
        apollo_compiler::ast::Document::parse(INCREMENTAL_DEFINITIONS, "incremental.graphql")
    else {
        return;
    };
    for definition in &document.definitions {
        if let apollo_compiler::ast::Definition::DirectiveDefinition(def) = definition
            && !schema.directive_definitions.contains_key(&def.name)
        {
            schema
                .directive_definitions
                .insert(def.name.clone(), def.clone());
        }
    }
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
