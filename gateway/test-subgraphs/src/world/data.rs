//! The world's data: the object table, root values, per-subgraph overrides, and the value rules
//! (references, field errors, argument keys) shared by execution and `@key`/`@requires` checks.

use std::collections::{BTreeSet, HashMap, HashSet};

use apollo_compiler::ast;
use serde_json::{Map, Value};

/// A reference to an object of the table: `{"$ref": "<id>"}`.
const REF: &str = "$ref";
/// A field error: `{"$error": "<message>"}`.
const ERROR: &str = "$error";
/// Extra abstract types an object stands for: `"$implements": ["Media"]`.
const IMPLEMENTS: &str = "$implements";
/// An object's concrete type in the supergraph.
const TYPENAME: &str = "__typename";

/// Objects and root values of one subgraph's view: the world with that subgraph's overrides.
pub(crate) struct View {
    /// Objects by id, overrides merged; in id order so that lookups are deterministic.
    objects: Vec<(String, Map<String, Value>)>,
    index: HashMap<String, usize>,
    roots: Map<String, Value>,
    /// Every abstract type each concrete type implements (transitively), from SDLs.
    implements: HashMap<String, HashSet<String>>,
}

/// A world value once `$ref` and `$error` are interpreted.
pub(crate) enum Resolved<'a> {
    /// JSON null, a missing key, or a reference to an id that is not in the table.
    Null,
    /// `{"$error": message}`.
    Error(&'a str),
    /// A table object (from `$ref`) or an inline value object.
    Object(&'a Map<String, Value>),
    /// A list of values, each still to be resolved.
    List(&'a [Value]),
    /// Any other JSON value: a scalar or enum value.
    Leaf(&'a Value),
}

/// The world JSON, checked: the shared table, roots, and per-subgraph overrides.
pub(crate) struct Parts {
    objects: HashMap<String, Map<String, Value>>,
    roots: Map<String, Value>,
    /// By subgraph name.
    overrides: HashMap<String, Overrides>,
}

/// What one subgraph answers instead of the shared values.
struct Overrides {
    /// Fields by object id, shallow-merged over the shared object (or a new object).
    objects: HashMap<String, Map<String, Value>>,
    /// Root values replacing the shared ones.
    roots: Map<String, Value>,
}

impl Parts {
    /// Checks the world JSON; panics with the offending place if it is malformed.
    pub(crate) fn from_json(json: Value) -> Self {
        let Value::Object(mut world) = json else {
            malformed("the world", "must be a JSON object");
        };
        if let Some(unknown) = world
            .keys()
            .find(|key| !["objects", "roots", "subgraphs"].contains(&key.as_str()))
        {
            malformed(
                unknown,
                "unknown top-level key (expected objects, roots, subgraphs)",
            );
        }
        let objects: HashMap<String, Map<String, Value>> =
            take_map(&mut world, "objects", "objects")
                .into_iter()
                .map(|(id, object)| {
                    let object = into_object(&format!("objects.{id}"), object, true);
                    (id, object)
                })
                .collect();
        let roots = take_map(&mut world, "roots", "roots");
        check_fields(&roots, "roots");
        let mut overrides = HashMap::new();
        for (name, subgraph) in take_map(&mut world, "subgraphs", "subgraphs") {
            let at = format!("subgraphs.{name}");
            let Value::Object(mut subgraph) = subgraph else {
                malformed(&at, "must be an object");
            };
            if let Some(unknown) = subgraph
                .keys()
                .find(|key| !["objects", "roots"].contains(&key.as_str()))
            {
                malformed(
                    &format!("{at}.{unknown}"),
                    "unknown key (expected objects, roots)",
                );
            }
            let objects_here = take_map(&mut subgraph, "objects", &format!("{at}.objects"))
                .into_iter()
                .map(|(id, object)| {
                    // An override may add an object the shared table lacks; it needs a type then.
                    let needs_typename = !objects.contains_key(&id);
                    let object = into_object(&format!("{at}.objects.{id}"), object, needs_typename);
                    (id, object)
                })
                .collect();
            let roots = take_map(&mut subgraph, "roots", &format!("{at}.roots"));
            check_fields(&roots, &format!("{at}.roots"));
            overrides.insert(
                name,
                Overrides {
                    objects: objects_here,
                    roots,
                },
            );
        }
        Self {
            objects,
            roots,
            overrides,
        }
    }
}

fn malformed(at: &str, problem: &str) -> ! {
    panic!("malformed world: {at}: {problem}")
}

fn take_map(parent: &mut Map<String, Value>, key: &str, at: &str) -> Map<String, Value> {
    match parent.remove(key) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => malformed(at, "must be an object"),
    }
}

/// A table object: an object with (if `needs_typename`) a string `__typename`.
fn into_object(at: &str, object: Value, needs_typename: bool) -> Map<String, Value> {
    let Value::Object(fields) = object else {
        malformed(at, "must be an object");
    };
    match fields.get(TYPENAME) {
        Some(Value::String(_)) => {}
        None if !needs_typename => {}
        _ => malformed(at, "needs a string `__typename`"),
    }
    if let Some(implements) = fields.get(IMPLEMENTS)
        && !implements
            .as_array()
            .is_some_and(|names| names.iter().all(Value::is_string))
    {
        malformed(
            &format!("{at}.{IMPLEMENTS}"),
            "must be a list of type names",
        );
    }
    if fields.contains_key(REF) || fields.contains_key(ERROR) {
        malformed(at, "a table object cannot be a `$ref` or an `$error`");
    }
    check_fields(&fields, at);
    fields
}

fn check_fields(fields: &Map<String, Value>, at: &str) {
    for (name, value) in fields {
        if name != IMPLEMENTS {
            check_value(&format!("{at}.{name}"), value);
        }
    }
}

fn check_value(at: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_value(&format!("{at}[{index}]"), item);
            }
        }
        Value::Object(fields) => {
            for special in [REF, ERROR] {
                if let Some(inner) = fields.get(special) {
                    if !inner.is_string() {
                        malformed(at, &format!("`{special}` must be a string"));
                    }
                    if fields.len() != 1 {
                        malformed(at, &format!("a `{special}` object has no other keys"));
                    }
                    return;
                }
            }
            if fields.get(TYPENAME).is_some_and(|name| !name.is_string()) {
                malformed(at, "`__typename` must be a string");
            }
            check_fields(fields, at);
        }
        _ => {}
    }
}

/// Every interface each object type implements (directly), from `type X implements A & B` and
/// `interface I implements J` in the given SDLs (definitions and extensions alike).
pub(crate) fn declared_implementations(sdl: &str) -> Vec<(String, String)> {
    let document = match ast::Document::parse(sdl, "subgraph.graphql") {
        Ok(document) => document,
        Err(with_errors) => panic!("invalid subgraph SDL:\n{}", with_errors.errors),
    };
    let mut pairs = Vec::new();
    for definition in &document.definitions {
        let (name, interfaces) = match definition {
            ast::Definition::ObjectTypeDefinition(def) => (&def.name, &def.implements_interfaces),
            ast::Definition::ObjectTypeExtension(def) => (&def.name, &def.implements_interfaces),
            ast::Definition::InterfaceTypeDefinition(def) => {
                (&def.name, &def.implements_interfaces)
            }
            ast::Definition::InterfaceTypeExtension(def) => (&def.name, &def.implements_interfaces),
            _ => continue,
        };
        pairs.extend(
            interfaces
                .iter()
                .map(|interface| (name.to_string(), interface.to_string())),
        );
    }
    pairs
}

impl View {
    /// The view of `subgraph`: the shared table with that subgraph's overrides shallow-merged.
    pub(crate) fn new(parts: &Parts, subgraph: &str, implementations: &[(String, String)]) -> Self {
        let mut objects = parts.objects.clone();
        let mut roots = parts.roots.clone();
        if let Some(overrides) = parts.overrides.get(subgraph) {
            for (id, over) in &overrides.objects {
                objects.entry(id.clone()).or_default().extend(over.clone());
            }
            roots.extend(overrides.roots.clone());
        }
        let mut objects: Vec<(String, Map<String, Value>)> = objects.into_iter().collect();
        objects.sort_by(|(a, _), (b, _)| a.cmp(b));
        let index = objects
            .iter()
            .enumerate()
            .map(|(at, (id, _))| (id.clone(), at))
            .collect();
        Self {
            objects,
            index,
            roots,
            implements: transitive(implementations),
        }
    }

    /// Root field values (Query and Mutation alike).
    pub(crate) fn roots(&self) -> &Map<String, Value> {
        &self.roots
    }

    /// Every table object, in id order.
    pub(crate) fn objects(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.objects.iter().map(|(_, object)| object)
    }

    /// Interprets a stored value (`None`: the key is missing).
    pub(crate) fn resolve<'a>(&'a self, value: Option<&'a Value>) -> Resolved<'a> {
        match value {
            None | Some(Value::Null) => Resolved::Null,
            Some(Value::Array(items)) => Resolved::List(items),
            Some(Value::Object(fields)) => {
                if let Some(id) = fields.get(REF) {
                    let id = id.as_str().unwrap_or_default();
                    match self.index.get(id) {
                        Some(&at) => Resolved::Object(&self.objects[at].1),
                        None => Resolved::Null,
                    }
                } else if let Some(message) = fields.get(ERROR) {
                    Resolved::Error(message.as_str().unwrap_or_default())
                } else {
                    Resolved::Object(fields)
                }
            }
            Some(leaf) => Resolved::Leaf(leaf),
        }
    }

    /// Whether `object` can stand for type `name`: its `__typename`, an interface its type
    /// implements in the SDLs the world was told about, or one of its `$implements`.
    pub(crate) fn is_a(&self, object: &Map<String, Value>, name: &str) -> bool {
        let Some(concrete) = typename(object) else {
            return false;
        };
        concrete == name
            || self
                .implements
                .get(concrete)
                .is_some_and(|interfaces| interfaces.contains(name))
            || object
                .get(IMPLEMENTS)
                .and_then(Value::as_array)
                .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
    }
}

fn transitive(pairs: &[(String, String)]) -> HashMap<String, HashSet<String>> {
    let mut direct: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (implementer, interface) in pairs {
        direct.entry(implementer).or_default().insert(interface);
    }
    let mut all = HashMap::new();
    for &start in direct.keys() {
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(name) = stack.pop() {
            for &interface in direct.get(name).into_iter().flatten() {
                if seen.insert(interface.to_owned()) {
                    stack.push(interface);
                }
            }
        }
        all.insert(start.to_owned(), seen);
    }
    all
}

/// An object's `__typename`, if it has one.
pub(crate) fn typename(object: &Map<String, Value>) -> Option<&str> {
    object.get(TYPENAME).and_then(Value::as_str)
}

/// The stored value of field `name` with these (coerced) arguments: the key
/// `name(a: <json>, b: <json>)` first (non-null arguments sorted by name), then plain `name`.
pub(crate) fn field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    arguments: &[(String, Value)],
) -> Option<&'a Value> {
    let key = argument_key(name, arguments);
    object.get(&key).or_else(|| object.get(name))
}

/// `name(a: <json>, b: <json>)`: non-null arguments sorted by name, compact JSON with sorted
/// object keys; just `name` without (non-null) arguments.
pub(crate) fn argument_key(name: &str, arguments: &[(String, Value)]) -> String {
    let mut present: Vec<&(String, Value)> = arguments
        .iter()
        .filter(|(_, value)| !value.is_null())
        .collect();
    if present.is_empty() {
        return name.to_owned();
    }
    present.sort_by(|(a, _), (b, _)| a.cmp(b));
    let rendered: Vec<String> = present
        .iter()
        .map(|(arg, value)| format!("{arg}: {}", render(value)))
        .collect();
    format!("{name}({})", rendered.join(", "))
}

/// Compact JSON with object keys sorted (independent of serde_json's map order).
pub(crate) fn render(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(","))
        }
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let entries: Vec<String> = keys
                .into_iter()
                .map(|key| format!("{}:{}", Value::String(key.clone()), render(&fields[key])))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        scalar => scalar.to_string(),
    }
}

/// Whether `got` has every part of `want` with equal values (numbers compared numerically;
/// objects in `got` may have more keys).
pub(crate) fn covers(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| covers(a, b))
        }
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(key, b)| a.get(key).is_some_and(|a| covers(a, b))),
        (a, b) => a == b,
    }
}

/// `got` cut to the shape of `want` (keys `want` lacks are dropped), for messages.
pub(crate) fn restrict(got: &Value, want: &Value) -> Value {
    match (got, want) {
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            Value::Array(a.iter().zip(b).map(|(a, b)| restrict(a, b)).collect())
        }
        (Value::Object(a), Value::Object(b)) => Value::Object(
            a.iter()
                .filter(|(key, _)| b.contains_key(*key))
                .map(|(key, a)| (key.clone(), restrict(a, &b[key])))
                .collect(),
        ),
        (a, _) => a.clone(),
    }
}

/// The first part of `want` that `got` lacks, as a dotted path after `path` (`dimensions.width`,
/// `items[1].id`); object keys are visited in sorted order.
pub(crate) fn first_missing(got: &Value, want: &Value, path: &str) -> Option<String> {
    match (got, want) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = b.keys().collect();
            keys.sort();
            keys.into_iter().find_map(|key| {
                let at = format!("{path}.{key}");
                match a.get(key) {
                    None => Some(at),
                    Some(a) => first_missing(a, &b[key], &at),
                }
            })
        }
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (a, b))| first_missing(a, b, &format!("{path}[{index}]"))),
        _ => None,
    }
}

/// A GraphQL input literal as JSON (enums become strings), variables taken from `variables`
/// (coerced already; an absent one is null).
pub(crate) fn literal(value: &ast::Value, variables: &Map<String, Value>) -> Value {
    match value {
        ast::Value::Null => Value::Null,
        ast::Value::Variable(name) => variables.get(name.as_str()).cloned().unwrap_or(Value::Null),
        ast::Value::Enum(name) => Value::String(name.to_string()),
        ast::Value::String(text) => Value::String(text.clone()),
        ast::Value::Boolean(flag) => Value::Bool(*flag),
        ast::Value::Int(int) => match int.try_to_i32() {
            Ok(int) => Value::from(int),
            Err(_) => number(int.try_to_f64().ok()),
        },
        ast::Value::Float(float) => number(float.try_to_f64().ok()),
        ast::Value::List(items) => {
            Value::Array(items.iter().map(|item| literal(item, variables)).collect())
        }
        ast::Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.to_string(), literal(value, variables)))
                .collect(),
        ),
    }
}

fn number(float: Option<f64>) -> Value {
    float
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}
