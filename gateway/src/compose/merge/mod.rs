//! Merging: one supergraph type per name, with its owners, fields and the federation checks.

use std::collections::{BTreeSet, HashMap, HashSet};

use apollo_compiler::{
    Node,
    ast::{self, Type, Value},
    collections::IndexMap,
    schema::{ExtendedType, FieldDefinition, InputValueDefinition},
};

mod fields;
mod inputs;
mod interface_object;

use interface_object::add_interface_object_fields;

use super::{
    ComposeError, field_set,
    subgraph::{Subgraph, bool_arg, string_arg},
};

/// Directives of linked specs that reach the supergraph, by canonical name.
pub(crate) const KEPT_SPECS: [&str; 5] = [
    "inaccessible",
    "tag",
    "authenticated",
    "requiresScopes",
    "policy",
];

/// Built-in directives that reach the supergraph unchanged.
const KEPT_BUILT_INS: [&str; 3] = ["deprecated", "specifiedBy", "oneOf"];

/// The kind of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::Scalar => "a scalar",
            Self::Object => "an object type",
            Self::Interface => "an interface",
            Self::Union => "a union",
            Self::Enum => "an enum",
            Self::InputObject => "an input object",
        }
    }
}

/// The merged supergraph.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    /// Types by name, in order of first appearance (subgraphs sorted by name).
    pub(crate) types: IndexMap<String, MergedType>,
    /// Linked specs whose directives are applied (`inaccessible`, `tag`, …).
    pub(crate) specs: BTreeSet<&'static str>,
}

/// One supergraph type.
#[derive(Debug)]
pub(crate) struct MergedType {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) description: Option<Node<str>>,
    pub(crate) owners: Vec<TypeOwner>,
    /// Interface → graphs declaring the implementation.
    pub(crate) implements: IndexMap<String, Vec<String>>,
    /// Union member → graphs declaring it.
    pub(crate) members: IndexMap<String, Vec<String>>,
    pub(crate) fields: IndexMap<String, MergedField>,
    pub(crate) values: IndexMap<String, MergedValue>,
    pub(crate) directives: Vec<ast::Directive>,
}

/// A subgraph's definition of a type.
#[derive(Debug)]
pub(crate) struct TypeOwner {
    pub(crate) graph: String,
    /// `(fields, resolvable)` per `@key`.
    pub(crate) keys: Vec<(String, bool)>,
    pub(crate) extension: bool,
    pub(crate) interface_object: bool,
}

/// One supergraph field (or input field).
#[derive(Debug)]
pub(crate) struct MergedField {
    pub(crate) name: String,
    pub(crate) description: Option<Node<str>>,
    pub(crate) ty: Type,
    pub(crate) arguments: Vec<Node<InputValueDefinition>>,
    pub(crate) default_value: Option<Node<Value>>,
    /// `Some`: one `@join__field` per owner; `None`: every owner of the type resolves it.
    pub(crate) owners: Option<Vec<FieldOwner>>,
    pub(crate) directives: Vec<ast::Directive>,
}

/// A subgraph's definition of a field.
#[derive(Debug, Default)]
pub(crate) struct FieldOwner {
    /// `None` for a field no subgraph resolves directly (added by `@interfaceObject`).
    pub(crate) graph: Option<String>,
    pub(crate) ty: Option<String>,
    pub(crate) external: bool,
    pub(crate) requires: Option<String>,
    pub(crate) provides: Option<String>,
    pub(crate) override_from: Option<String>,
    pub(crate) used_overridden: bool,
    /// Progressive override: on both the overriding and the overridden owner.
    pub(crate) override_label: Option<String>,
}

/// One enum value.
#[derive(Debug)]
pub(crate) struct MergedValue {
    pub(crate) description: Option<Node<str>>,
    pub(crate) graphs: Vec<String>,
    pub(crate) directives: Vec<ast::Directive>,
}

type Defs<'a> = Vec<(&'a Subgraph, &'a ExtendedType)>;

/// Merges the subgraphs; all errors found are returned together.
pub(crate) fn merge(subgraphs: &[Subgraph]) -> Result<Merged, ComposeError> {
    let mut by_name: IndexMap<String, Defs<'_>> = IndexMap::default();
    for subgraph in subgraphs {
        for (name, ty) in subgraph.types() {
            by_name
                .entry(name.to_owned())
                .or_default()
                .push((subgraph, ty));
        }
    }
    let mut ctx = Context {
        errors: Vec::new(),
        specs: BTreeSet::new(),
        key_fields: HashSet::new(),
        usage: usage(subgraphs),
        subtypes: subtypes(subgraphs),
        graphs: subgraphs.iter().map(|s| s.graph.clone()).collect(),
    };
    for subgraph in subgraphs {
        ctx.read_keys(subgraph);
    }
    if !by_name.contains_key("Query") {
        ctx.errors.push(ComposeError::Conflict {
            coordinate: "Query".into(),
            subgraphs: subgraphs.iter().map(|s| s.name.clone()).collect(),
            problem: "no subgraph defines a query field (root types are `Query`/`Mutation`/\
                      `Subscription` unless a `schema { … }` definition names them)"
                .into(),
        });
    }
    let mut types = IndexMap::default();
    for (name, defs) in &by_name {
        if let Some(ty) = ctx.merge_type(name, defs) {
            types.insert(name.clone(), ty);
        }
    }
    add_interface_object_fields(&mut types);
    if let Some(error) = ComposeError::from_all(ctx.errors) {
        return Err(error);
    }
    Ok(Merged {
        types,
        specs: ctx.specs,
    })
}

struct Context {
    errors: Vec<ComposeError>,
    specs: BTreeSet<&'static str>,
    /// `(subgraph, type, field)` selected by a `@key` of that subgraph.
    key_fields: HashSet<(String, String, String)>,
    usage: Usage,
    /// Abstract type → its subtypes in any subgraph, for output fields typed differently.
    subtypes: Subtypes,
    /// Every subgraph's graph name, in subgraph order.
    graphs: Vec<String>,
}

/// Which named types appear in output and input positions, over all subgraphs.
#[derive(Default)]
struct Usage {
    output: HashSet<String>,
    input: HashSet<String>,
}

fn usage(subgraphs: &[Subgraph]) -> Usage {
    let mut usage = Usage::default();
    for subgraph in subgraphs {
        for (_, ty) in subgraph.types() {
            let fields = match ty {
                ExtendedType::Object(o) => Some(&o.fields),
                ExtendedType::Interface(i) => Some(&i.fields),
                _ => None,
            };
            for field in fields.into_iter().flat_map(|f| f.values()) {
                usage.output.insert(field.ty.inner_named_type().to_string());
                for arg in &field.arguments {
                    usage.input.insert(arg.ty.inner_named_type().to_string());
                }
            }
            if let ExtendedType::InputObject(input) = ty {
                for field in input.fields.values() {
                    usage.input.insert(field.ty.inner_named_type().to_string());
                }
            }
        }
    }
    usage
}

/// Union or interface → the types declared its members or implementations.
type Subtypes = HashMap<String, HashSet<String>>;

/// The union of every subgraph's memberships: as in Apollo's composer, a type is a subtype
/// of an abstract type in the supergraph when any subgraph declares it so, since the
/// supergraph's union or interface gathers the declarations of all subgraphs.
fn subtypes(subgraphs: &[Subgraph]) -> Subtypes {
    let mut subtypes = Subtypes::new();
    for subgraph in subgraphs {
        for (name, ty) in subgraph.types() {
            let supertypes: Vec<&str> = match ty {
                ExtendedType::Object(o) => {
                    o.implements_interfaces.iter().map(|i| i.as_str()).collect()
                }
                ExtendedType::Interface(i) => {
                    i.implements_interfaces.iter().map(|i| i.as_str()).collect()
                }
                _ => Vec::new(),
            };
            for supertype in supertypes {
                subtypes
                    .entry(subgraph.canonical_type(supertype).to_owned())
                    .or_default()
                    .insert(name.to_owned());
            }
            if let ExtendedType::Union(u) = ty {
                let members = subtypes.entry(name.to_owned()).or_default();
                for member in &u.members {
                    members.insert(subgraph.canonical_type(member.as_str()).to_owned());
                }
            }
        }
    }
    subtypes
}

fn kind_of(subgraph: &Subgraph, ty: &ExtendedType) -> Kind {
    match ty {
        ExtendedType::Scalar(_) => Kind::Scalar,
        ExtendedType::Object(o) if o.directives.has(subgraph.directive("interfaceObject")) => {
            Kind::Interface
        }
        ExtendedType::Object(_) => Kind::Object,
        ExtendedType::Interface(_) => Kind::Interface,
        ExtendedType::Union(_) => Kind::Union,
        ExtendedType::Enum(_) => Kind::Enum,
        ExtendedType::InputObject(_) => Kind::InputObject,
    }
}

fn fields_of(ty: &ExtendedType) -> Vec<&FieldDefinition> {
    match ty {
        ExtendedType::Object(o) => o.fields.values().map(|f| &***f).collect(),
        ExtendedType::Interface(i) => i.fields.values().map(|f| &***f).collect(),
        _ => Vec::new(),
    }
}

impl Context {
    fn subgraph_error(&mut self, subgraph: &Subgraph, coordinate: String, problem: String) {
        self.errors.push(ComposeError::Subgraph {
            subgraph: subgraph.name.clone(),
            coordinate,
            problem,
        });
    }

    fn conflict(&mut self, coordinate: String, subgraphs: Vec<String>, problem: String) {
        self.errors.push(ComposeError::Conflict {
            coordinate,
            subgraphs,
            problem,
        });
    }

    /// Checks every `@key` of a subgraph and records the fields they select.
    fn read_keys(&mut self, subgraph: &Subgraph) {
        for (name, ty) in subgraph.types() {
            for key in ty.directives().get_all(subgraph.directive("key")) {
                let Some(fields) = string_arg(key, "fields") else {
                    self.subgraph_error(subgraph, name.into(), "@key has no fields".into());
                    continue;
                };
                let mut selected = Vec::new();
                let result = field_set::parse(&fields).and_then(|set| {
                    if let Some(field) = field_set::with_arguments(&set) {
                        return Err(format!(
                            "passes arguments to `{field}` (key fields cannot take arguments)"
                        ));
                    }
                    field_set::check(subgraph, name, &set, &mut |t, f| {
                        selected.push((t.to_owned(), f.to_owned()))
                    })
                });
                match result {
                    Ok(()) => {
                        for (t, f) in selected {
                            self.key_fields.insert((subgraph.name.clone(), t, f));
                        }
                    }
                    Err(problem) => self.subgraph_error(
                        subgraph,
                        name.into(),
                        format!("@key(fields: \"{fields}\") {problem}"),
                    ),
                }
            }
        }
    }

    fn is_key_field(&self, subgraph: &Subgraph, ty: &str, field: &str) -> bool {
        self.key_fields
            .contains(&(subgraph.name.clone(), ty.to_owned(), field.to_owned()))
    }

    /// Spec and built-in directives of an element that the supergraph keeps.
    fn kept<'d>(
        &mut self,
        subgraph: &Subgraph,
        directives: impl Iterator<Item = &'d ast::Directive>,
        out: &mut Vec<ast::Directive>,
    ) {
        for directive in directives {
            let canonical = if KEPT_BUILT_INS.contains(&directive.name.as_str()) {
                directive.name.to_string()
            } else if let Some(spec) = KEPT_SPECS
                .iter()
                .find(|c| subgraph.directive(c) == directive.name.as_str())
            {
                self.specs.insert(spec);
                (*spec).to_owned()
            } else {
                continue;
            };
            let kept = ast::Directive {
                name: super::subgraph::name(&canonical),
                arguments: directive.arguments.clone(),
            };
            // `@tag` is repeatable (distinct names); the others apply once.
            let duplicate = out
                .iter()
                .any(|d| d.name == kept.name && (canonical != "tag" || *d == kept));
            if !duplicate {
                out.push(kept);
            }
        }
    }

    fn merge_type(&mut self, name: &str, defs: &Defs<'_>) -> Option<MergedType> {
        let (first_subgraph, first_ty) = defs[0];
        let kind = kind_of(first_subgraph, first_ty);
        if let Some((other, other_ty)) = defs.iter().find(|(s, t)| kind_of(s, t) != kind) {
            self.conflict(
                name.into(),
                vec![first_subgraph.name.clone(), other.name.clone()],
                format!(
                    "is {} in `{}` but {} in `{}`",
                    kind.label(),
                    first_subgraph.name,
                    kind_of(other, other_ty).label(),
                    other.name
                ),
            );
            return None;
        }
        let mut merged = MergedType {
            name: name.to_owned(),
            kind,
            description: defs.iter().find_map(|(_, t)| t.description().cloned()),
            owners: Vec::new(),
            implements: IndexMap::default(),
            members: IndexMap::default(),
            fields: IndexMap::default(),
            values: IndexMap::default(),
            directives: Vec::new(),
        };
        for (subgraph, ty) in defs {
            merged.owners.push(self.type_owner(subgraph, ty));
            let directives = ty.directives().iter().map(|d| &***d);
            self.kept(subgraph, directives, &mut merged.directives);
            let implements = match ty {
                ExtendedType::Object(o) => Some(&o.implements_interfaces),
                ExtendedType::Interface(i) => Some(&i.implements_interfaces),
                _ => None,
            };
            for iface in implements.into_iter().flatten() {
                merged
                    .implements
                    .entry(iface.to_string())
                    .or_default()
                    .push(subgraph.graph.clone());
            }
            if let ExtendedType::Union(u) = ty {
                for member in &u.members {
                    merged
                        .members
                        .entry(member.to_string())
                        .or_default()
                        .push(subgraph.graph.clone());
                }
            }
        }
        if name == "Query" {
            // As in Apollo's composer: every subgraph has a query root (it holds `_entities`
            // and `_service`), so every graph owns `Query`, even one with no query field.
            for graph in &self.graphs {
                if !merged.owners.iter().any(|o| o.graph == *graph) {
                    merged.owners.push(TypeOwner {
                        graph: graph.clone(),
                        keys: Vec::new(),
                        extension: false,
                        interface_object: false,
                    });
                }
            }
            let graphs = &self.graphs;
            merged
                .owners
                .sort_by_key(|o| graphs.iter().position(|g| *g == o.graph));
        }
        match kind {
            Kind::Object | Kind::Interface => self.merge_fields(&mut merged, defs),
            Kind::InputObject => self.merge_input_fields(&mut merged, defs),
            Kind::Enum => self.merge_enum(&mut merged, defs),
            Kind::Scalar | Kind::Union => {}
        }
        Some(merged)
    }

    fn type_owner(&mut self, subgraph: &Subgraph, ty: &ExtendedType) -> TypeOwner {
        let keys = ty
            .directives()
            .get_all(subgraph.directive("key"))
            .filter_map(|key| {
                Some((
                    string_arg(key, "fields")?,
                    bool_arg(key, "resolvable", true),
                ))
            })
            .collect();
        let extension = ty.directives().has(subgraph.directive("extends"))
            || match ty {
                ExtendedType::Object(o) => {
                    !o.fields.is_empty()
                        && o.fields.values().all(|f| f.origin.extension_id().is_some())
                }
                _ => false,
            };
        TypeOwner {
            graph: subgraph.graph.clone(),
            keys,
            extension,
            interface_object: matches!(ty, ExtendedType::Object(o)
                if o.directives.has(subgraph.directive("interfaceObject"))),
        }
    }
}
