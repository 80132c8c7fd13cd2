//! One subgraph's SDL, read: its schema, federation directive names and graph name.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    Name, Schema,
    ast::{self, Value},
    schema::ExtendedType,
};

use super::{ComposeError, SubgraphSdl};

/// Federation directives whose local names we resolve (`@link(import:)` or `federation__`).
/// `context` and `fromContext` are read only to refuse them: the planner cannot yet pass
/// a context's value to an argument, and dropping them would expose that argument.
const FEDERATION_DIRECTIVES: [&str; 17] = [
    "key",
    "shareable",
    "external",
    "requires",
    "provides",
    "override",
    "inaccessible",
    "tag",
    "interfaceObject",
    "extends",
    "composeDirective",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "link",
];

/// Types the subgraph adds for federation itself, never part of the supergraph.
const INTERNAL_TYPES: [&str; 5] = ["_Service", "_Entity", "_Any", "_FieldSet", "FieldSet"];

/// Root fields the subgraph adds for federation itself.
const INTERNAL_ROOT_FIELDS: [&str; 2] = ["_service", "_entities"];

/// A subgraph ready to merge.
#[derive(Debug)]
pub(crate) struct Subgraph {
    /// Its name.
    pub(crate) name: String,
    /// Its routing URL.
    pub(crate) url: String,
    /// Its `join__Graph` value.
    pub(crate) graph: String,
    /// Its schema (not validated: federation directives need no definitions).
    pub(crate) schema: Schema,
    /// Canonical federation directive name → local name.
    names: HashMap<&'static str, String>,
    /// A Federation 1 subgraph (no `@link` to federation v2): value types are shareable.
    pub(crate) fed1: bool,
    /// Local root type names → `Query`, `Mutation`, `Subscription`.
    roots: HashMap<String, &'static str>,
}

/// Reads every subgraph, sorted by name so the output does not depend on input order.
pub(crate) fn read_all(inputs: &[SubgraphSdl]) -> Result<Vec<Subgraph>, ComposeError> {
    if inputs.is_empty() {
        return Err(ComposeError::NoSubgraphs);
    }
    let mut inputs: Vec<&SubgraphSdl> = inputs.iter().collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut seen = HashSet::new();
    let mut graphs = HashSet::new();
    let mut subgraphs = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        if !seen.insert(input.name.clone()) {
            return Err(ComposeError::DuplicateSubgraph(input.name.clone()));
        }
        let graph = unique_graph_name(&input.name, &mut graphs);
        match Subgraph::read(input, graph) {
            Ok(subgraph) => subgraphs.push(subgraph),
            Err(e) => errors.push(e),
        }
    }
    match ComposeError::from_all(errors) {
        Some(e) => Err(e),
        None => Ok(subgraphs),
    }
}

/// Apollo's rule: upper case, non-alphanumerics to `_`, a digit start prefixed, clashes numbered.
fn unique_graph_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base.insert(0, '_');
    }
    let mut candidate = base.clone();
    let mut n = 1;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    candidate
}

impl Subgraph {
    fn read(input: &SubgraphSdl, graph: String) -> Result<Self, ComposeError> {
        let schema = Schema::builder()
            .adopt_orphan_extensions()
            .parse(&input.sdl, format!("{}.graphql", input.name))
            .build()
            .map_err(|e| ComposeError::Parse {
                subgraph: input.name.clone(),
                message: e.errors.to_string(),
            })?;
        let (names, fed1) = federation_names(&schema);
        let mut roots = HashMap::new();
        let def = &schema.schema_definition;
        for (root, canonical) in [
            (&def.query, "Query"),
            (&def.mutation, "Mutation"),
            (&def.subscription, "Subscription"),
        ] {
            if let Some(root) = root {
                roots.insert(root.name.to_string(), canonical);
            }
        }
        Ok(Self {
            name: input.name.clone(),
            url: input.url.clone(),
            graph,
            schema,
            names,
            fed1,
            roots,
        })
    }

    /// The local name of a federation directive (`key` → `key` or `federation__key`).
    pub(crate) fn directive<'a>(&'a self, canonical: &'a str) -> &'a str {
        self.names
            .get(canonical)
            .map(String::as_str)
            .unwrap_or(canonical)
    }

    /// The supergraph name of a type (renamed roots become `Query`, …).
    pub(crate) fn canonical_type<'a>(&self, name: &'a str) -> &'a str {
        match self.roots.get(name) {
            Some(root) => root,
            None => name,
        }
    }

    /// The supergraph name of a root type's local name, for lookups the other way.
    pub(crate) fn local_type<'a>(&'a self, canonical: &'a str) -> &'a str {
        self.roots
            .iter()
            .find(|(_, c)| **c == canonical)
            .map(|(local, _)| local.as_str())
            .unwrap_or(canonical)
    }

    /// The types that take part in composition, with their supergraph names.
    pub(crate) fn types(&self) -> impl Iterator<Item = (&str, &ExtendedType)> {
        self.schema.types.iter().filter_map(|(name, ty)| {
            if ty.is_built_in() || is_internal_type(name) {
                return None;
            }
            // A root left with only `_service`/`_entities` is not part of the API.
            let fields = match ty {
                ExtendedType::Object(o) => Some(&o.fields),
                _ => None,
            };
            let canonical = self.canonical_type(name);
            if canonical == "Query"
                && fields.is_some_and(|f| f.keys().all(|k| is_internal_root_field(k)))
            {
                return None;
            }
            Some((canonical, ty))
        })
    }

    /// Whether a field of this type is federation machinery (`Query._entities`).
    pub(crate) fn is_internal_field(&self, type_name: &str, field: &str) -> bool {
        field.starts_with("__")
            || (self.canonical_type(type_name) == "Query" && is_internal_root_field(field))
    }

    /// A field of a type of this subgraph (by supergraph type name).
    pub(crate) fn field(
        &self,
        type_name: &str,
        field: &str,
    ) -> Option<&apollo_compiler::schema::FieldDefinition> {
        match self.schema.types.get(self.local_type(type_name))? {
            ExtendedType::Object(o) => o.fields.get(field).map(|f| &***f),
            ExtendedType::Interface(i) => i.fields.get(field).map(|f| &***f),
            _ => None,
        }
    }
}

fn is_internal_root_field(field: &str) -> bool {
    INTERNAL_ROOT_FIELDS.contains(&field)
}

fn is_internal_type(name: &str) -> bool {
    INTERNAL_TYPES.contains(&name)
        || ["link__", "federation__", "join__"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Reads `@link(url: ".../federation/v2.x", as:, import:)`; no such link means Federation 1.
fn federation_names(schema: &Schema) -> (HashMap<&'static str, String>, bool) {
    let mut names = HashMap::new();
    let link = schema
        .schema_definition
        .directives
        .get_all("link")
        .find(|d| {
            d.specified_argument_by_name("url")
                .and_then(|v| v.as_str())
                .is_some_and(|url| url.starts_with("https://specs.apollo.dev/federation/v2"))
        });
    let Some(link) = link else {
        for canonical in FEDERATION_DIRECTIVES {
            names.insert(canonical, canonical.to_owned());
        }
        return (names, true);
    };
    let namespace = link
        .specified_argument_by_name("as")
        .and_then(|v| v.as_str())
        .unwrap_or("federation");
    for canonical in FEDERATION_DIRECTIVES {
        names.insert(canonical, format!("{namespace}__{canonical}"));
    }
    names.insert("link", "link".to_owned());
    let imports = match link.specified_argument_by_name("import").map(|v| &**v) {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    for item in imports {
        let (name, alias) = match &*item {
            Value::String(name) => (name.clone(), None),
            Value::Object(fields) => {
                let get = |key: &str| {
                    fields
                        .iter()
                        .find(|(k, _)| k == key)
                        .and_then(|(_, v)| v.as_str())
                        .map(str::to_owned)
                };
                match get("name") {
                    Some(name) => (name, get("as")),
                    None => continue,
                }
            }
            _ => continue,
        };
        let bare = name.trim_start_matches('@');
        if let Some(canonical) = FEDERATION_DIRECTIVES.iter().find(|c| **c == bare) {
            let local = alias.unwrap_or(name);
            names.insert(canonical, local.trim_start_matches('@').to_owned());
        }
    }
    (names, false)
}

/// A string argument of a directive.
pub(crate) fn string_arg(directive: &ast::Directive, name: &str) -> Option<String> {
    directive
        .specified_argument_by_name(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// A boolean argument of a directive, with its default.
pub(crate) fn bool_arg(directive: &ast::Directive, name: &str, default: bool) -> bool {
    match directive.specified_argument_by_name(name).map(|v| &**v) {
        Some(Value::Boolean(b)) => *b,
        _ => default,
    }
}

/// Shorthand for names built at run time.
pub(crate) fn name(s: &str) -> Name {
    // Names come from parsed SDL or fixed identifiers, so they are valid.
    Name::new(s).unwrap_or_else(|_| Name::new_static_unchecked("_"))
}
