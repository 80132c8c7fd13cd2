//! Writing the supergraph: the `@link`/`@join__*` machinery, then every merged type.

use apollo_compiler::{
    Node,
    ast::{self, Value},
};

use super::{
    merge::{FieldOwner, Kind, Merged, MergedField, MergedType, TypeOwner},
    subgraph::{Subgraph, name},
};

/// The link and join/v0.5 definitions every supergraph carries, as Apollo's composer
/// writes them (v0.4 added `overrideLabel` and `@join__directive`, v0.5 `contextArguments`).
const MACHINERY: &str = r#"directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY
  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
"#;

/// Linked specs whose directives the supergraph keeps: name, link, purpose, definitions.
const SPECS: [(&str, &str, Option<&str>, &str); 5] = [
    (
        "inaccessible",
        "https://specs.apollo.dev/inaccessible/v0.2",
        Some("SECURITY"),
        "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n",
    ),
    (
        "tag",
        "https://specs.apollo.dev/tag/v0.3",
        None,
        "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA\n",
    ),
    (
        "authenticated",
        "https://specs.apollo.dev/authenticated/v0.1",
        Some("SECURITY"),
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n",
    ),
    (
        "requiresScopes",
        "https://specs.apollo.dev/requiresScopes/v0.1",
        Some("SECURITY"),
        "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar requiresScopes__Scope\n",
    ),
    (
        "policy",
        "https://specs.apollo.dev/policy/v0.1",
        Some("SECURITY"),
        "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar policy__Policy\n",
    ),
];

/// Renders the supergraph SDL.
pub(crate) fn emit(subgraphs: &[Subgraph], merged: &Merged) -> String {
    let specs: Vec<_> = SPECS
        .iter()
        .filter(|(spec, ..)| merged.specs.contains(spec))
        .collect();
    let mut out = String::from("schema\n  @link(url: \"https://specs.apollo.dev/link/v1.0\")\n");
    out.push_str("  @link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)\n");
    for (_, url, purpose, _) in &specs {
        match purpose {
            Some(purpose) => out.push_str(&format!("  @link(url: \"{url}\", for: {purpose})\n")),
            None => out.push_str(&format!("  @link(url: \"{url}\")\n")),
        }
    }
    out.push_str("{\n");
    for (root, operation) in [
        ("Query", "query"),
        ("Mutation", "mutation"),
        ("Subscription", "subscription"),
    ] {
        if merged.types.contains_key(root) {
            out.push_str(&format!("  {operation}: {root}\n"));
        }
    }
    out.push_str("}\n\n");
    for (.., definitions) in &specs {
        out.push_str(definitions);
        out.push('\n');
    }
    out.push_str(MACHINERY);
    out.push_str("\nenum join__Graph {\n");
    for subgraph in subgraphs {
        out.push_str(&format!(
            "  {} @join__graph(name: {}, url: {})\n",
            subgraph.graph,
            Value::String(subgraph.name.clone()),
            Value::String(subgraph.url.clone()),
        ));
    }
    out.push_str("}\n");
    for ty in merged.types.values() {
        out.push('\n');
        out.push_str(&definition(ty).to_string());
    }
    out
}

fn arg(name_: &str, value: Value) -> Node<ast::Argument> {
    Node::new(ast::Argument {
        name: name(name_),
        value: Node::new(value),
    })
}

fn directive(name_: &str, arguments: Vec<Node<ast::Argument>>) -> Node<ast::Directive> {
    Node::new(ast::Directive {
        name: name(name_),
        arguments,
    })
}

fn graph(g: &str) -> Value {
    Value::Enum(name(g))
}

fn join_type(owner: &TypeOwner, kind: Kind) -> Vec<Node<ast::Directive>> {
    let extras = |key: Option<&(String, bool)>| {
        let mut args = vec![arg("graph", graph(&owner.graph))];
        if let Some((fields, resolvable)) = key {
            args.push(arg("key", Value::String(fields.clone())));
            if !resolvable {
                args.push(arg("resolvable", Value::Boolean(false)));
            }
        }
        if owner.extension {
            args.push(arg("extension", Value::Boolean(true)));
        }
        if owner.interface_object && kind == Kind::Interface {
            args.push(arg("isInterfaceObject", Value::Boolean(true)));
        }
        directive("join__type", args)
    };
    if owner.keys.is_empty() {
        vec![extras(None)]
    } else {
        owner.keys.iter().map(|k| extras(Some(k))).collect()
    }
}

fn join_field(owner: &FieldOwner) -> Node<ast::Directive> {
    let mut args = Vec::new();
    if let Some(g) = &owner.graph {
        args.push(arg("graph", graph(g)));
    }
    let strings = [
        ("requires", &owner.requires),
        ("provides", &owner.provides),
        ("type", &owner.ty),
    ];
    for (key, value) in strings {
        if let Some(value) = value {
            args.push(arg(key, Value::String(value.clone())));
        }
    }
    if owner.external {
        args.push(arg("external", Value::Boolean(true)));
    }
    if let Some(from) = &owner.override_from {
        args.push(arg("override", Value::String(from.clone())));
    }
    if owner.used_overridden {
        args.push(arg("usedOverridden", Value::Boolean(true)));
    }
    if let Some(label) = &owner.override_label {
        args.push(arg("overrideLabel", Value::String(label.clone())));
    }
    directive("join__field", args)
}

fn kept(directives: &[ast::Directive]) -> impl Iterator<Item = Node<ast::Directive>> + '_ {
    directives.iter().cloned().map(Node::new)
}

fn field(field: &MergedField) -> Node<ast::FieldDefinition> {
    let mut directives: Vec<_> = field.owners.iter().flatten().map(join_field).collect();
    directives.extend(kept(&field.directives));
    Node::new(ast::FieldDefinition {
        description: field.description.clone(),
        name: name(&field.name),
        arguments: field.arguments.clone(),
        ty: field.ty.clone(),
        directives: ast::DirectiveList(directives),
    })
}

fn definition(ty: &MergedType) -> ast::Definition {
    let mut directives: Vec<_> = ty
        .owners
        .iter()
        .flat_map(|o| join_type(o, ty.kind))
        .collect();
    for (iface, graphs) in &ty.implements {
        for g in graphs {
            directives.push(directive(
                "join__implements",
                vec![
                    arg("graph", graph(g)),
                    arg("interface", Value::String(iface.clone())),
                ],
            ));
        }
    }
    for (member, graphs) in &ty.members {
        for g in graphs {
            directives.push(directive(
                "join__unionMember",
                vec![
                    arg("graph", graph(g)),
                    arg("member", Value::String(member.clone())),
                ],
            ));
        }
    }
    directives.extend(kept(&ty.directives));
    let directives = ast::DirectiveList(directives);
    let description = ty.description.clone();
    let type_name = name(&ty.name);
    let implements: Vec<_> = ty.implements.keys().map(|i| name(i)).collect();
    match ty.kind {
        Kind::Object => {
            ast::Definition::ObjectTypeDefinition(Node::new(ast::ObjectTypeDefinition {
                description,
                name: type_name,
                implements_interfaces: implements,
                directives,
                fields: ty.fields.values().map(field).collect(),
            }))
        }
        Kind::Interface => {
            ast::Definition::InterfaceTypeDefinition(Node::new(ast::InterfaceTypeDefinition {
                description,
                name: type_name,
                implements_interfaces: implements,
                directives,
                fields: ty.fields.values().map(field).collect(),
            }))
        }
        Kind::Union => ast::Definition::UnionTypeDefinition(Node::new(ast::UnionTypeDefinition {
            description,
            name: type_name,
            directives,
            members: ty.members.keys().map(|m| name(m)).collect(),
        })),
        Kind::Enum => ast::Definition::EnumTypeDefinition(Node::new(ast::EnumTypeDefinition {
            description,
            name: type_name,
            directives,
            values: ty
                .values
                .iter()
                .map(|(value, v)| {
                    let mut list: Vec<_> = v
                        .graphs
                        .iter()
                        .map(|g| directive("join__enumValue", vec![arg("graph", graph(g))]))
                        .collect();
                    list.extend(kept(&v.directives));
                    Node::new(ast::EnumValueDefinition {
                        description: v.description.clone(),
                        value: name(value),
                        directives: ast::DirectiveList(list),
                    })
                })
                .collect(),
        })),
        Kind::InputObject => {
            ast::Definition::InputObjectTypeDefinition(Node::new(ast::InputObjectTypeDefinition {
                description,
                name: type_name,
                directives,
                fields: ty
                    .fields
                    .values()
                    .map(|f| {
                        Node::new(ast::InputValueDefinition {
                            description: f.description.clone(),
                            name: name(&f.name),
                            ty: Node::new(f.ty.clone()),
                            default_value: f.default_value.clone(),
                            directives: ast::DirectiveList(kept(&f.directives).collect()),
                        })
                    })
                    .collect(),
            }))
        }
        Kind::Scalar => {
            ast::Definition::ScalarTypeDefinition(Node::new(ast::ScalarTypeDefinition {
                description,
                name: type_name,
                directives,
            }))
        }
    }
}
