//! The executable schema of a world subgraph: the user's Federation v2 SDL plus the federation
//! definitions it relies on, validated, with its `@key` and `@requires` field sets parsed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use apollo_compiler::{
    Name, Schema, ast,
    collections::HashMap as CompilerHashMap,
    executable::FieldSet,
    schema::{ExtendedType, Implementers, Type},
    validation::Valid,
};
use serde_json::{Map, Value};

use super::data;

/// Scalars and enums the federation and link directives use.
const SUPPORT_TYPES: &[(&str, &str)] = &[
    ("_Any", "scalar _Any"),
    ("FieldSet", "scalar FieldSet"),
    ("federation__FieldSet", "scalar federation__FieldSet"),
    ("federation__Scope", "scalar federation__Scope"),
    ("federation__Policy", "scalar federation__Policy"),
    (
        "federation__ContextFieldValue",
        "scalar federation__ContextFieldValue",
    ),
    ("link__Import", "scalar link__Import"),
    ("link__Purpose", "enum link__Purpose { SECURITY EXECUTION }"),
    ("_Service", "type _Service { sdl: String }"),
];

/// Federation and link directive definitions (argument types kept loose).
const DIRECTIVES: &[(&str, &str)] = &[
    (
        "link",
        "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA",
    ),
    (
        "key",
        "directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE",
    ),
    (
        "requires",
        "directive @requires(fields: FieldSet!) on FIELD_DEFINITION",
    ),
    (
        "provides",
        "directive @provides(fields: FieldSet!) on FIELD_DEFINITION",
    ),
    (
        "external",
        "directive @external(reason: String) on OBJECT | FIELD_DEFINITION",
    ),
    (
        "shareable",
        "directive @shareable repeatable on OBJECT | FIELD_DEFINITION",
    ),
    (
        "override",
        "directive @override(from: String!, label: String) on FIELD_DEFINITION",
    ),
    (
        "inaccessible",
        "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
    ),
    (
        "tag",
        "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA",
    ),
    ("interfaceObject", "directive @interfaceObject on OBJECT"),
    ("extends", "directive @extends on OBJECT | INTERFACE"),
    (
        "composeDirective",
        "directive @composeDirective(name: String) repeatable on SCHEMA",
    ),
    (
        "authenticated",
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "requiresScopes",
        "directive @requiresScopes(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "policy",
        "directive @policy(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "context",
        "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    ),
    (
        "fromContext",
        "directive @fromContext(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION",
    ),
    (
        "cost",
        "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    ),
    (
        "listSize",
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
    ),
];

/// A subgraph schema ready to execute against, with its federation metadata.
pub(crate) struct SubgraphSchema {
    pub(crate) schema: Valid<Schema>,
    pub(crate) implementers: CompilerHashMap<Name, Implementers>,
    /// Resolvable `@key` field sets by entity type (object or interface).
    pub(crate) keys: HashMap<Name, Vec<Valid<FieldSet>>>,
    /// `@requires` field sets by type, then field.
    pub(crate) requires: HashMap<Name, HashMap<Name, Valid<FieldSet>>>,
}

impl SubgraphSchema {
    /// Builds and validates the schema of subgraph `name`; panics on an invalid SDL (a fixture bug).
    pub(crate) fn build(name: &str, sdl: &str) -> Self {
        let path = format!("{name}.graphql");
        let document = match ast::Document::parse(sdl, &path) {
            Ok(document) => document,
            Err(with_errors) => panic!(
                "world subgraph {name}: SDL does not parse:\n{}",
                with_errors.errors
            ),
        };
        let federation = federation_definitions(&document);
        let built = Schema::builder()
            .adopt_orphan_extensions()
            .add_ast(&document)
            .parse(federation.as_str(), "federation.graphql")
            .build()
            .and_then(Schema::validate);
        let schema = match built {
            Ok(schema) => schema,
            Err(with_errors) => panic!(
                "world subgraph {name}: invalid schema:\n{}\nfederation definitions added:\n{federation}",
                with_errors.errors
            ),
        };
        let implementers = schema.implementers_map();
        let mut keys: HashMap<Name, Vec<Valid<FieldSet>>> = HashMap::new();
        let mut requires: HashMap<Name, HashMap<Name, Valid<FieldSet>>> = HashMap::new();
        for (type_name, ty) in &schema.types {
            let (directives, fields) = match ty {
                ExtendedType::Object(object) => (&object.directives, &object.fields),
                ExtendedType::Interface(interface) => (&interface.directives, &interface.fields),
                _ => continue,
            };
            for key in directives.get_all("key") {
                if !is_resolvable(key) {
                    continue;
                }
                let fields = fields_argument(key).unwrap_or_default();
                let set = field_set(&schema, name, type_name, fields, "@key");
                keys.entry(type_name.clone()).or_default().push(set);
            }
            for (field_name, field) in fields {
                if let Some(required) = field.directives.get("requires") {
                    let fields = fields_argument(required).unwrap_or_default();
                    let set = field_set(&schema, name, type_name, fields, "@requires");
                    requires
                        .entry(type_name.clone())
                        .or_default()
                        .insert(field_name.clone(), set);
                }
            }
        }
        Self {
            schema,
            implementers,
            keys,
            requires,
        }
    }

    /// The object types a value of abstract type `name` may have here.
    pub(crate) fn possible_types(&self, name: &str) -> Vec<&Name> {
        match self.schema.types.get(name) {
            Some(ExtendedType::Union(union)) => union.members.iter().map(|m| &m.name).collect(),
            Some(ExtendedType::Interface(_)) => self
                .implementers
                .get(name)
                .map(|implementers| implementers.objects.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// An argument value (JSON from a literal or a variable) coerced to input type `ty`, for
    /// argument keys: a single value for a list type becomes a one-item list, an integral
    /// `Float` gets a decimal point, input objects get their field defaults (in field order).
    pub(crate) fn coerce_input(&self, value: Value, ty: &Type) -> Value {
        if ty.is_list() {
            let item_type = ty.item_type();
            return match value {
                Value::Null => Value::Null,
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .map(|item| self.coerce_input(item, item_type))
                        .collect(),
                ),
                single => Value::Array(vec![self.coerce_input(single, item_type)]),
            };
        }
        let name = ty.inner_named_type();
        match value {
            Value::Number(number) if name == "Float" && !number.is_f64() => number
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Number(number), Value::Number),
            Value::Object(mut given) => match self.schema.get_input_object(name) {
                Some(input) => {
                    let mut fields = Map::new();
                    for (field_name, definition) in &input.fields {
                        let value = given.remove(field_name.as_str()).or_else(|| {
                            let default = definition.default_value.as_ref()?;
                            Some(data::literal(default, &Map::new()))
                        });
                        if let Some(value) = value {
                            fields.insert(
                                field_name.to_string(),
                                self.coerce_input(value, &definition.ty),
                            );
                        }
                    }
                    Value::Object(fields)
                }
                None => Value::Object(given),
            },
            other => other,
        }
    }

    /// Whether `name` is an abstract (interface or union) type here.
    pub(crate) fn is_abstract(&self, name: &str) -> bool {
        matches!(
            self.schema.types.get(name),
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }
}

fn fields_argument(directive: &ast::Directive) -> Option<&str> {
    directive.specified_argument_by_name("fields")?.as_str()
}

fn is_resolvable(key: &ast::Directive) -> bool {
    key.specified_argument_by_name("resolvable")
        .and_then(|value| value.to_bool())
        .unwrap_or(true)
}

fn field_set(
    schema: &Valid<Schema>,
    subgraph: &str,
    type_name: &Name,
    fields: &str,
    directive: &str,
) -> Valid<FieldSet> {
    FieldSet::parse_and_validate(schema, type_name.clone(), fields, "field-set.graphql")
        .unwrap_or_else(|with_errors| {
            panic!(
                "world subgraph {subgraph}: invalid {directive}(fields: {fields:?}) on {type_name}:\n{}",
                with_errors.errors
            )
        })
}

/// What the user SDL defines or extends.
#[derive(Default)]
struct Declared {
    types: HashSet<String>,
    directives: HashSet<String>,
    query_fields: HashSet<String>,
    /// Object types with a resolvable `@key` (in definitions or extensions), in order.
    entities: Vec<String>,
    /// The query root's name from a `schema` definition or extension, if any.
    query_root: Option<String>,
}

fn declared(document: &ast::Document) -> Declared {
    let mut declared = Declared::default();
    let mut object_fields: Vec<(String, Vec<String>)> = Vec::new();
    for definition in &document.definitions {
        match definition {
            ast::Definition::DirectiveDefinition(def) => {
                declared.directives.insert(def.name.to_string());
            }
            ast::Definition::SchemaDefinition(def) => {
                declared.query_root = query_root(&def.root_operations).or(declared.query_root);
            }
            ast::Definition::SchemaExtension(def) => {
                declared.query_root = query_root(&def.root_operations).or(declared.query_root);
            }
            ast::Definition::ObjectTypeDefinition(def) => {
                declared.types.insert(def.name.to_string());
                object_fields.push((def.name.to_string(), names(&def.fields)));
                note_entity(&mut declared.entities, &def.name, &def.directives);
            }
            ast::Definition::ObjectTypeExtension(def) => {
                declared.types.insert(def.name.to_string());
                object_fields.push((def.name.to_string(), names(&def.fields)));
                note_entity(&mut declared.entities, &def.name, &def.directives);
            }
            other => {
                if let Some(name) = other.name() {
                    declared.types.insert(name.to_string());
                }
            }
        }
    }
    let root = declared.query_root.as_deref().unwrap_or("Query");
    declared.query_fields = object_fields
        .into_iter()
        .filter(|(name, _)| name == root)
        .flat_map(|(_, fields)| fields)
        .collect();
    declared
}

fn names(fields: &[apollo_compiler::Node<ast::FieldDefinition>]) -> Vec<String> {
    fields.iter().map(|field| field.name.to_string()).collect()
}

fn query_root(operations: &[apollo_compiler::Node<(ast::OperationType, Name)>]) -> Option<String> {
    operations
        .iter()
        .find(|operation| operation.0 == ast::OperationType::Query)
        .map(|operation| operation.1.to_string())
}

fn note_entity(entities: &mut Vec<String>, name: &Name, directives: &ast::DirectiveList) {
    let has_key = directives.get_all("key").any(|key| is_resolvable(key));
    if has_key && !entities.iter().any(|entity| entity == name.as_str()) {
        entities.push(name.to_string());
    }
}

/// The definitions the user SDL needs to build: federation scalars and directives it does not
/// define itself, `_Service`, `_Entity`, and `_service`/`_entities` on the query root.
fn federation_definitions(document: &ast::Document) -> String {
    let declared = declared(document);
    let mut out = String::new();
    for (name, definition) in SUPPORT_TYPES {
        if !declared.types.contains(*name) {
            out.push_str(definition);
            out.push('\n');
        }
    }
    for (name, definition) in DIRECTIVES {
        if !declared.directives.contains(*name) {
            out.push_str(definition);
            out.push('\n');
        }
    }
    let has_entities = !declared.entities.is_empty();
    if has_entities && !declared.types.contains("_Entity") {
        let _ = writeln!(out, "union _Entity = {}", declared.entities.join(" | "));
    }
    let root = declared.query_root.as_deref().unwrap_or("Query");
    let mut fields = Vec::new();
    if !declared.query_fields.contains("_service") {
        fields.push("_service: _Service!");
    }
    if has_entities && !declared.query_fields.contains("_entities") {
        fields.push("_entities(representations: [_Any!]!): [_Entity]!");
    }
    if !fields.is_empty() {
        let keyword = if declared.types.contains(root) {
            "extend type"
        } else {
            "type"
        };
        let _ = writeln!(out, "{keyword} {root} {{ {} }}", fields.join(" "));
    }
    out
}
