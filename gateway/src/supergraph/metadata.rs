//! The `@join__*` metadata: subgraphs, and which subgraph owns which type and field.

use std::collections::HashMap;

use apollo_compiler::{
    Node, Schema,
    ast::{Directive, Type, Value},
    schema::ExtendedType,
};

use super::{LinkedSpecs, SupergraphError};

/// A subgraph as the supergraph names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubgraphDef {
    /// The `join__Graph` enum value (`ACCOUNTS`).
    pub graph: String,
    /// Its name (`accounts`).
    pub name: String,
    /// Its routing URL.
    pub url: String,
}

/// One subgraph's definition of a type (`@join__type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeOwner {
    /// The `join__Graph` value.
    pub graph: String,
    /// The `@key` field set, if the type is an entity there.
    pub key: Option<String>,
    /// Whether that subgraph can resolve the type by this key.
    pub resolvable: bool,
    /// Whether the subgraph defined it as an extension.
    pub extension: bool,
    /// Whether the subgraph sees this interface as an `@interfaceObject`.
    pub interface_object: bool,
}

/// One subgraph's definition of a field (`@join__field`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldOwner {
    /// The `join__Graph` value.
    pub graph: String,
    /// `@requires` field set.
    pub requires: Option<String>,
    /// `@provides` field set.
    pub provides: Option<String>,
    /// Whether the field is `@external` there.
    pub external: bool,
    /// The subgraph it overrides (`@override(from:)`).
    pub override_from: Option<String>,
    /// Progressive override label.
    pub override_label: Option<String>,
    /// The field's type in that subgraph, where it differs.
    pub type_in_subgraph: Option<String>,
    /// Overridden, but still used there (as a key or requirement): not resolvable.
    pub used_overridden: bool,
}

/// One subgraph's relation of an abstract type to one of its subtypes: an implementation
/// of an interface (`@join__implements`) or a member of a union (`@join__unionMember`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subtype {
    /// The `join__Graph` value.
    pub graph: String,
    /// The implementing type (object or interface) or union member.
    pub name: String,
}

type Owners = (
    HashMap<String, Vec<TypeOwner>>,
    HashMap<(String, String), Vec<FieldOwner>>,
);

fn string_arg(directive: &Directive, name: &str) -> Option<String> {
    match directive.specified_argument_by_name(name).map(|v| &**v) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn bool_arg(directive: &Directive, name: &str, default: bool) -> bool {
    match directive.specified_argument_by_name(name).map(|v| &**v) {
        Some(Value::Boolean(b)) => *b,
        _ => default,
    }
}

fn graph_arg(
    directive: &Directive,
    element: &str,
    subgraphs: &[SubgraphDef],
) -> Result<Option<String>, SupergraphError> {
    match directive.specified_argument_by_name("graph").map(|v| &**v) {
        None => Ok(None),
        Some(Value::Enum(graph)) if subgraphs.iter().any(|s| s.graph == graph.as_str()) => {
            Ok(Some(graph.to_string()))
        }
        Some(Value::Enum(graph)) => Err(SupergraphError::UnknownGraph {
            element: element.to_owned(),
            graph: graph.to_string(),
        }),
        Some(other) => Err(SupergraphError::BadDirective {
            element: element.to_owned(),
            directive: directive.name.to_string(),
            problem: format!("has graph: {other}, expected a join__Graph value"),
        }),
    }
}

/// The subgraphs: values of the `join__Graph` enum with their `@join__graph`.
pub(crate) fn subgraphs(
    schema: &Schema,
    links: &LinkedSpecs,
) -> Result<Vec<SubgraphDef>, SupergraphError> {
    let enum_name = links.join_name("Graph");
    let directive_name = links.join_name("graph");
    let Some(ExtendedType::Enum(graphs)) = schema.types.get(enum_name.as_str()) else {
        return Err(SupergraphError::BadDirective {
            element: enum_name,
            directive: directive_name,
            problem: "enum is missing".into(),
        });
    };
    graphs
        .values
        .iter()
        .map(|(value, def)| {
            let element = format!("{enum_name}.{value}");
            let directive = def.directives.get(&directive_name).ok_or_else(|| {
                SupergraphError::BadDirective {
                    element: element.clone(),
                    directive: directive_name.clone(),
                    problem: "is missing".into(),
                }
            })?;
            let missing = |arg: &str| SupergraphError::BadDirective {
                element: element.clone(),
                directive: directive_name.clone(),
                problem: format!("has no {arg}"),
            };
            Ok(SubgraphDef {
                graph: value.to_string(),
                name: string_arg(directive, "name").ok_or_else(|| missing("name"))?,
                url: string_arg(directive, "url").ok_or_else(|| missing("url"))?,
            })
        })
        .collect()
}

/// The `type:` of a `@join__field`, checked to be a GraphQL type reference (the planner
/// reads it to know the field's type in that subgraph).
fn type_arg(directive: &Directive, element: &str) -> Result<Option<String>, SupergraphError> {
    let Some(ty) = string_arg(directive, "type") else {
        return Ok(None);
    };
    match Type::parse(ty.as_str(), "join-field-type.graphql") {
        Ok(_) => Ok(Some(ty)),
        Err(e) => Err(SupergraphError::BadDirective {
            element: element.to_owned(),
            directive: directive.name.to_string(),
            problem: format!("has type: {ty:?}, not a type reference: {e}"),
        }),
    }
}

fn field_owner(
    directive: &Node<Directive>,
    element: &str,
    subgraphs: &[SubgraphDef],
) -> Result<Option<FieldOwner>, SupergraphError> {
    refuse_context_arguments(directive, element)?;
    // `@join__field` without a graph marks a field no subgraph resolves directly.
    let Some(graph) = graph_arg(directive, element, subgraphs)? else {
        return Ok(None);
    };
    Ok(Some(FieldOwner {
        graph,
        requires: string_arg(directive, "requires"),
        provides: string_arg(directive, "provides"),
        external: bool_arg(directive, "external", false),
        override_from: string_arg(directive, "override"),
        override_label: string_arg(directive, "overrideLabel"),
        type_in_subgraph: type_arg(directive, element)?,
        used_overridden: bool_arg(directive, "usedOverridden", false),
    }))
}

/// Refuses `@join__field(contextArguments:)` (`@fromContext`, join v0.5): the planner
/// cannot fetch a context's value for the argument, and the API schema has no such
/// argument, so the subgraph would be called without it and answer wrongly.
fn refuse_context_arguments(directive: &Directive, element: &str) -> Result<(), SupergraphError> {
    let Some(value) = directive.specified_argument_by_name("contextArguments") else {
        return Ok(());
    };
    let arguments: &[Node<Value>] = match &**value {
        Value::Null => return Ok(()),
        Value::List(items) => items,
        // Input coercion accepts one item in place of a list.
        _ => std::slice::from_ref(value),
    };
    if arguments.is_empty() {
        return Ok(());
    }
    // Name the first contextual argument where the application says which it is.
    let argument = arguments.iter().find_map(|item| match &**item {
        Value::Object(fields) => fields
            .iter()
            .find(|(key, _)| key == "name")
            .and_then(|(_, v)| v.as_str()),
        _ => None,
    });
    let element = match argument {
        Some(argument) => format!("{element}({argument}:)"),
        None => element.to_owned(),
    };
    Err(SupergraphError::Unsupported {
        element,
        feature: format!(
            "takes an argument's value from a context (@fromContext, @{}(contextArguments:))",
            directive.name
        ),
    })
}

/// Which subgraphs define each type and resolve each field.
pub(crate) fn owners(
    schema: &Schema,
    links: &LinkedSpecs,
    subgraphs: &[SubgraphDef],
) -> Result<Owners, SupergraphError> {
    let join_type = links.join_name("type");
    let join_field = links.join_name("field");
    let mut types = HashMap::new();
    let mut fields = HashMap::new();
    for (name, ty) in &schema.types {
        if ty.is_built_in() || links.is_machinery(name) {
            continue;
        }
        let mut owners = Vec::new();
        for directive in ty.directives().get_all(&join_type) {
            let Some(graph) = graph_arg(directive, name, subgraphs)? else {
                continue;
            };
            owners.push(TypeOwner {
                graph,
                key: string_arg(directive, "key"),
                resolvable: bool_arg(directive, "resolvable", true),
                extension: bool_arg(directive, "extension", false),
                interface_object: bool_arg(directive, "isInterfaceObject", false),
            });
        }
        let type_fields = match ty {
            ExtendedType::Object(o) => Some(&o.fields),
            ExtendedType::Interface(i) => Some(&i.fields),
            _ => None,
        };
        for (field, def) in type_fields.into_iter().flatten() {
            let element = format!("{name}.{field}");
            let mut field_owners = Vec::new();
            let mut has_join_field = false;
            for directive in def.directives.get_all(&join_field) {
                has_join_field = true;
                if let Some(owner) = field_owner(directive, &element, subgraphs)? {
                    field_owners.push(owner);
                }
            }
            if !has_join_field {
                // No `@join__field`: every subgraph defining the type resolves the field.
                field_owners = owners
                    .iter()
                    .map(|o: &TypeOwner| FieldOwner {
                        graph: o.graph.clone(),
                        ..FieldOwner::default()
                    })
                    .collect();
            }
            fields.insert((name.to_string(), field.to_string()), field_owners);
        }
        types.insert(name.to_string(), owners);
    }
    Ok((types, fields))
}

/// The subtypes each subgraph declares for each abstract type, by abstract type:
/// `@join__implements` (on the implementing object or interface) and `@join__unionMember`
/// (on the union). A type without any such directive (a supergraph of an older join spec)
/// has no entry.
pub(crate) fn subtypes(
    schema: &Schema,
    links: &LinkedSpecs,
    subgraphs: &[SubgraphDef],
) -> Result<HashMap<String, Vec<Subtype>>, SupergraphError> {
    let join_implements = links.join_name("implements");
    let join_member = links.join_name("unionMember");
    let mut out: HashMap<String, Vec<Subtype>> = HashMap::new();
    for (name, ty) in &schema.types {
        if ty.is_built_in() || links.is_machinery(name) {
            continue;
        }
        let relations = ty
            .directives()
            .get_all(&join_implements)
            .map(|d| (d, "interface", false))
            .chain(
                ty.directives()
                    .get_all(&join_member)
                    .map(|d| (d, "member", true)),
            );
        for (directive, argument, is_member) in relations {
            let Some(graph) = graph_arg(directive, name, subgraphs)? else {
                continue;
            };
            let other =
                string_arg(directive, argument).ok_or_else(|| SupergraphError::BadDirective {
                    element: name.to_string(),
                    directive: directive.name.to_string(),
                    problem: format!("has no {argument}"),
                })?;
            // `@join__unionMember` sits on the union and names the member;
            // `@join__implements` sits on the subtype and names the interface.
            let (supertype, subtype) = if is_member {
                (name.to_string(), other)
            } else {
                (other, name.to_string())
            };
            out.entry(supertype).or_default().push(Subtype {
                graph,
                name: subtype,
            });
        }
    }
    Ok(out)
}
