//! Merging: one supergraph type per name, with its owners, fields and the federation checks.

use std::collections::{BTreeSet, HashMap, HashSet};

use apollo_compiler::{
    Name, Node,
    ast::{self, Type, Value},
    collections::IndexMap,
    schema::{ExtendedType, FieldDefinition, InputValueDefinition},
};

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

    fn merge_fields(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let type_name = merged.name.clone();
        let mut by_field: IndexMap<String, Vec<FieldDef<'_>>> = IndexMap::default();
        for (subgraph, ty) in defs {
            let type_shareable = ty.directives().has(subgraph.directive("shareable"));
            for def in fields_of(ty) {
                if subgraph.is_internal_field(&type_name, &def.name) {
                    continue;
                }
                let field = self.field_def(subgraph, &type_name, def, type_shareable);
                by_field
                    .entry(def.name.to_string())
                    .or_default()
                    .push(field);
            }
        }
        let type_graphs: Vec<&str> = merged.owners.iter().map(|o| o.graph.as_str()).collect();
        for (field_name, fields) in by_field {
            let coordinate = format!("{type_name}.{field_name}");
            if let Some(field) =
                self.merge_field(&coordinate, &field_name, &fields, merged.kind, &type_graphs)
            {
                merged.fields.insert(field_name, field);
            }
        }
    }

    fn field_def<'a>(
        &mut self,
        subgraph: &'a Subgraph,
        type_name: &str,
        def: &'a FieldDefinition,
        type_shareable: bool,
    ) -> FieldDef<'a> {
        let coordinate = format!("{type_name}.{}", def.name);
        let key_field = self.is_key_field(subgraph, type_name, &def.name);
        // Federation 1 marks key fields of extensions @external although the subgraph has them.
        let external =
            def.directives.has(subgraph.directive("external")) && !(subgraph.fed1 && key_field);
        let requires = def
            .directives
            .get(subgraph.directive("requires"))
            .and_then(|d| string_arg(d, "fields"));
        if let Some(fields) = &requires {
            let result = field_set::parse(fields).and_then(|set| {
                field_set::check(subgraph, type_name, &set, &mut |_, _| {})?;
                for top in field_set::top_level(&set) {
                    let external = subgraph
                        .field(type_name, top)
                        .is_some_and(|f| f.directives.has(subgraph.directive("external")));
                    if !external {
                        return Err(format!("selects `{top}`, which is not @external here"));
                    }
                }
                Ok(())
            });
            if let Err(problem) = result {
                let problem = format!("@requires(fields: \"{fields}\") {problem}");
                self.subgraph_error(subgraph, coordinate.clone(), problem);
            }
        }
        let provides = def
            .directives
            .get(subgraph.directive("provides"))
            .and_then(|d| string_arg(d, "fields"));
        if let Some(fields) = &provides {
            let target = subgraph.canonical_type(def.ty.inner_named_type().as_str());
            let result = field_set::parse(fields)
                .and_then(|set| field_set::check(subgraph, target, &set, &mut |_, _| {}));
            if let Err(problem) = result {
                let problem = format!("@provides(fields: \"{fields}\") {problem}");
                self.subgraph_error(subgraph, coordinate.clone(), problem);
            }
        }
        for arg in &def.arguments {
            if arg.directives.has(subgraph.directive("fromContext")) {
                self.errors.push(ComposeError::Unsupported {
                    subgraph: subgraph.name.clone(),
                    coordinate: format!("{coordinate}({}:)", arg.name),
                    feature: "takes its value from a context (@fromContext)".into(),
                });
            }
        }
        let override_directive = def.directives.get(subgraph.directive("override"));
        let override_label = override_directive.and_then(|d| string_arg(d, "label"));
        if let Some(label) = &override_label
            && !valid_override_label(label)
        {
            self.subgraph_error(
                subgraph,
                coordinate,
                format!(
                    "@override(label: \"{label}\") is invalid: use `percent(N)` with N from 0 \
                     to 100 (up to 8 decimals) or a name matching [a-zA-Z][a-zA-Z0-9_\\-:./]*"
                ),
            );
        }
        FieldDef {
            subgraph,
            def,
            external,
            shareable: subgraph.fed1
                || type_shareable
                || key_field
                || def.directives.has(subgraph.directive("shareable")),
            key_field,
            requires,
            provides,
            override_from: override_directive.and_then(|d| string_arg(d, "from")),
            override_label,
            overridden: false,
            overridden_by_label: None,
        }
    }

    fn merge_field(
        &mut self,
        coordinate: &str,
        field_name: &str,
        fields: &[FieldDef<'_>],
        kind: Kind,
        type_graphs: &[&str],
    ) -> Option<MergedField> {
        let mut fields: Vec<FieldDef<'_>> = fields.to_vec();
        let names = |fields: &[FieldDef<'_>]| -> Vec<String> {
            fields.iter().map(|f| f.subgraph.name.clone()).collect()
        };
        // @override: the overridden subgraph no longer resolves the field; with a label
        // (progressive override) it keeps resolving it while the label is off.
        let overrides: Vec<(String, String, Option<String>)> = fields
            .iter()
            .filter_map(|f| {
                let from = f.override_from.clone()?;
                Some((f.subgraph.name.clone(), from, f.override_label.clone()))
            })
            .collect();
        for (by, from, label) in overrides {
            if by == from {
                self.conflict(
                    coordinate.into(),
                    vec![by],
                    "@override(from:) names its own subgraph".into(),
                );
                continue;
            }
            for f in fields.iter_mut().filter(|f| f.subgraph.name == from) {
                match &label {
                    Some(label) => f.overridden_by_label = Some(label.clone()),
                    None => f.overridden = true,
                }
            }
        }
        let resolving: Vec<FieldDef<'_>> = fields
            .iter()
            .filter(|f| !f.external && !f.overridden)
            .cloned()
            .collect();
        if resolving.is_empty() {
            for f in fields.iter().filter(|f| f.external) {
                self.subgraph_error(
                    f.subgraph,
                    coordinate.into(),
                    "is @external, but no other subgraph resolves it".into(),
                );
            }
            if fields.iter().any(|f| f.external) {
                return None;
            }
        }
        // Both sides of a progressive override resolve the field, but never for one request.
        let sharing: Vec<FieldDef<'_>> = resolving
            .iter()
            .filter(|f| f.overridden_by_label.is_none())
            .cloned()
            .collect();
        if kind == Kind::Object
            && sharing.len() > 1
            && let Some(unshared) = sharing.iter().find(|f| !f.shareable)
        {
            self.conflict(
                coordinate.into(),
                names(&sharing),
                format!(
                    "resolved by several subgraphs but not @shareable in `{}` (mark it \
                     @shareable in each, or move it with @override)",
                    unshared.subgraph.name
                ),
            );
        }
        let types: Vec<&Type> = fields.iter().map(|f| &f.def.ty).collect();
        let Some(ty) = output_supertype(&types, &self.subtypes) else {
            let types = fields
                .iter()
                .map(|f| format!("`{}` in `{}`", f.def.ty, f.subgraph.name))
                .collect::<Vec<_>>()
                .join(", ");
            self.conflict(
                coordinate.into(),
                names(&fields),
                format!("has incompatible types: {types}"),
            );
            return None;
        };
        let arg_sources = if resolving.is_empty() {
            &fields
        } else {
            &resolving
        };
        let arguments = self.merge_arguments(coordinate, arg_sources);
        let mut directives = Vec::new();
        for f in &fields {
            let list = f.def.directives.iter().map(|d| &**d);
            self.kept(f.subgraph, list, &mut directives);
        }
        // As Apollo's composer does, once one subgraph's type differs every owner states
        // its own: the planner then never has to infer a subgraph's type from the others.
        let types_differ = fields.iter().any(|f| f.def.ty != ty);
        let owners: Vec<FieldOwner> = fields
            .iter()
            .filter(|f| !f.overridden || f.key_field)
            .map(|f| FieldOwner {
                graph: Some(f.subgraph.graph.clone()),
                ty: types_differ.then(|| f.def.ty.to_string()),
                external: f.external,
                requires: f.requires.clone(),
                provides: f.provides.clone(),
                override_from: f.override_from.clone(),
                used_overridden: f.overridden,
                override_label: f
                    .override_label
                    .clone()
                    .or_else(|| f.overridden_by_label.clone()),
            })
            .collect();
        let plain = owners.len() == type_graphs.len()
            && owners.iter().all(|o| {
                !o.external
                    && o.ty.is_none()
                    && o.requires.is_none()
                    && o.provides.is_none()
                    && o.override_from.is_none()
                    && o.override_label.is_none()
                    && !o.used_overridden
            });
        Some(MergedField {
            name: field_name.to_owned(),
            // An overridden definition's description documents what is no longer served.
            description: fields
                .iter()
                .filter(|f| !f.overridden)
                .find_map(|f| f.def.description.clone()),
            ty,
            arguments,
            default_value: None,
            owners: (!plain).then_some(owners),
            directives,
        })
    }

    /// Arguments defined by every resolving subgraph; a required one missing somewhere fails.
    fn merge_arguments(
        &mut self,
        coordinate: &str,
        fields: &[FieldDef<'_>],
    ) -> Vec<Node<InputValueDefinition>> {
        let mut names: Vec<&str> = Vec::new();
        for f in fields {
            for arg in &f.def.arguments {
                if !names.contains(&arg.name.as_str()) {
                    names.push(arg.name.as_str());
                }
            }
        }
        let defs: Vec<(&Subgraph, Vec<&Node<InputValueDefinition>>)> = fields
            .iter()
            .map(|f| (f.subgraph, f.def.arguments.iter().collect()))
            .collect();
        let mut out = Vec::new();
        for arg in names {
            let coordinate = format!("{coordinate}({arg}:)");
            if let Some(merged) = self.merge_input_value(&coordinate, arg, &defs) {
                out.push(merged);
            }
        }
        out
    }

    /// Merges an argument or input field defined in several subgraphs (input rules:
    /// intersection, most restrictive type, equal defaults).
    fn merge_input_value(
        &mut self,
        coordinate: &str,
        name: &str,
        defs: &[(&Subgraph, Vec<&Node<InputValueDefinition>>)],
    ) -> Option<Node<InputValueDefinition>> {
        let found: Vec<(&Subgraph, &Node<InputValueDefinition>)> = defs
            .iter()
            .filter_map(|(s, values)| Some((*s, *values.iter().find(|v| v.name == name)?)))
            .collect();
        if found.len() < defs.len() {
            let required =
                |v: &InputValueDefinition| v.ty.is_non_null() && v.default_value.is_none();
            if let Some((by, _)) = found.iter().find(|(_, v)| required(v)) {
                let missing: Vec<String> = defs
                    .iter()
                    .filter(|(s, _)| !found.iter().any(|(f, _)| f.name == s.name))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                let mut subgraphs = vec![by.name.clone()];
                subgraphs.extend(missing.iter().cloned());
                self.conflict(
                    coordinate.into(),
                    subgraphs,
                    format!(
                        "required in `{}` but missing in {}",
                        by.name,
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            return None;
        }
        let (first_subgraph, first) = found[0];
        let mut ty = (*first.ty).clone();
        let mut directives = Vec::new();
        for (subgraph, value) in &found {
            match input_subtype(&ty, &value.ty) {
                Some(t) => ty = t,
                None => {
                    self.conflict(
                        coordinate.into(),
                        vec![first_subgraph.name.clone(), subgraph.name.clone()],
                        format!(
                            "has incompatible types: `{}` in `{}`, `{}` in `{}`",
                            first.ty, first_subgraph.name, value.ty, subgraph.name
                        ),
                    );
                    return None;
                }
            }
            let defaults = (
                first.default_value.as_ref().map(ToString::to_string),
                value.default_value.as_ref().map(ToString::to_string),
            );
            if defaults.0 != defaults.1 {
                self.conflict(
                    coordinate.into(),
                    vec![first_subgraph.name.clone(), subgraph.name.clone()],
                    format!(
                        "has different default values: {} in `{}`, {} in `{}`",
                        defaults.0.as_deref().unwrap_or("none"),
                        first_subgraph.name,
                        defaults.1.as_deref().unwrap_or("none"),
                        subgraph.name
                    ),
                );
            }
            let list = value.directives.iter().map(|d| &**d);
            self.kept(subgraph, list, &mut directives);
        }
        Some(Node::new(InputValueDefinition {
            description: found.iter().find_map(|(_, v)| v.description.clone()),
            name: first.name.clone(),
            ty: Node::new(ty),
            default_value: first.default_value.clone(),
            directives: ast::DirectiveList(directives.into_iter().map(Node::new).collect()),
        }))
    }

    fn merge_input_fields(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let defs: Vec<(&Subgraph, Vec<&Node<InputValueDefinition>>)> = defs
            .iter()
            .filter_map(|(s, t)| match t {
                ExtendedType::InputObject(i) => {
                    Some((*s, i.fields.values().map(|f| &**f).collect()))
                }
                _ => None,
            })
            .collect();
        let mut names: Vec<String> = Vec::new();
        for (_, fields) in &defs {
            for f in fields {
                if !names.iter().any(|n| n == f.name.as_str()) {
                    names.push(f.name.to_string());
                }
            }
        }
        for field in names {
            let coordinate = format!("{}.{field}", merged.name);
            if let Some(value) = self.merge_input_value(&coordinate, &field, &defs) {
                merged.fields.insert(
                    field.clone(),
                    MergedField {
                        name: field,
                        description: value.description.clone(),
                        ty: (*value.ty).clone(),
                        arguments: Vec::new(),
                        default_value: value.default_value.clone(),
                        owners: None,
                        directives: value.directives.iter().map(|d| (**d).clone()).collect(),
                    },
                );
            }
        }
        if merged.fields.is_empty() {
            self.conflict(
                merged.name.clone(),
                defs.iter().map(|(s, _)| s.name.clone()).collect(),
                "no field is defined in every subgraph (input types merge by intersection)".into(),
            );
        }
    }

    fn merge_enum(&mut self, merged: &mut MergedType, defs: &Defs<'_>) {
        let mut values: IndexMap<String, MergedValue> = IndexMap::default();
        for (subgraph, ty) in defs {
            let ExtendedType::Enum(e) = ty else { continue };
            for (value, def) in &e.values {
                let entry = values.entry(value.to_string()).or_insert(MergedValue {
                    description: None,
                    graphs: Vec::new(),
                    directives: Vec::new(),
                });
                entry.graphs.push(subgraph.graph.clone());
                if entry.description.is_none() {
                    entry.description = def.description.clone();
                }
                let list = def.directives.iter().map(|d| &**d);
                let mut directives = std::mem::take(&mut entry.directives);
                self.kept(subgraph, list, &mut directives);
                entry.directives = directives;
            }
        }
        let input = self.usage.input.contains(&merged.name);
        let output = self.usage.output.contains(&merged.name);
        let everywhere = |v: &MergedValue| v.graphs.len() == defs.len();
        if input && output {
            for (value, v) in values.iter().filter(|(_, v)| !everywhere(v)) {
                let missing: Vec<String> = defs
                    .iter()
                    .filter(|(s, _)| !v.graphs.contains(&s.graph))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                self.conflict(
                    format!("{}.{value}", merged.name),
                    missing.clone(),
                    format!(
                        "enum value missing in {}; an enum used as both input and output \
                         must have the same values in every subgraph",
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        } else if input {
            values.retain(|_, v| everywhere(v));
            if values.is_empty() {
                self.conflict(
                    merged.name.clone(),
                    defs.iter().map(|(s, _)| s.name.clone()).collect(),
                    "no value is defined in every subgraph (input enums merge by intersection)"
                        .into(),
                );
            }
        }
        merged.values = values;
    }
}

/// A subgraph's field with its federation directives read.
#[derive(Clone)]
struct FieldDef<'a> {
    subgraph: &'a Subgraph,
    def: &'a FieldDefinition,
    external: bool,
    shareable: bool,
    key_field: bool,
    requires: Option<String>,
    provides: Option<String>,
    override_from: Option<String>,
    override_label: Option<String>,
    /// Overridden by another subgraph's `@override(from:)` without a label.
    overridden: bool,
    /// Overridden by a progressive `@override(from:, label:)`: still resolves it.
    overridden_by_label: Option<String>,
}

/// Apollo's rule for `@override(label:)`: `percent(N)`, N in 0..=100 with at most 8
/// decimals, or a custom name the router's label set can refer to.
fn valid_override_label(label: &str) -> bool {
    if let Some(percent) = label
        .strip_prefix("percent(")
        .and_then(|l| l.strip_suffix(')'))
    {
        let (whole, decimals) = percent.split_once('.').unwrap_or((percent, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let decimals_ok = !percent.ends_with('.') && decimals.len() <= 8 && digits(decimals);
        return match whole {
            "100" => decimals.is_empty() && !percent.ends_with('.'),
            _ => (1..=2).contains(&whole.len()) && digits(whole) && decimals_ok,
        };
    }
    let mut chars = label.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-:./".contains(c))
}

/// Output positions merge to the least restrictive type: nullable at a level if any
/// subgraph's type is, around the named type all the others are subtypes of (a union
/// containing them, an interface they implement), so every subgraph's value fits it.
/// Named types none of which is the supertype of the others (`Post` and `Photo`) are
/// refused rather than widened to some union the subgraphs never typed the field with.
/// The supertype is searched among all of them, so the subgraph order does not matter.
fn output_supertype(types: &[&Type], subtypes: &Subtypes) -> Option<Type> {
    let is_subtype = |sub: &Name, sup: &Name| {
        sub == sup
            || subtypes
                .get(sup.as_str())
                .is_some_and(|s| s.contains(sub.as_str()))
    };
    let names: Vec<&Name> = types.iter().map(|t| t.inner_named_type()).collect();
    let top = *names
        .iter()
        .find(|top| names.iter().all(|name| is_subtype(name, top)))?;
    let mut merged = (*types.first()?).clone();
    // Merging starts with the first type itself, which also puts `top` inside it.
    for ty in types {
        merged = merge_types(&merged, ty, false, &|_, _| Some(top.clone()))?;
    }
    Some(merged)
}

/// Input positions merge to the most restrictive type: non-null if any is. Input types
/// have no subtypes, so named types must be equal.
fn input_subtype(a: &Type, b: &Type) -> Option<Type> {
    merge_types(a, b, true, &|x, y| (x == y).then(|| x.clone()))
}

/// Merges two type references level by level; `named` merges the innermost named types.
fn merge_types(
    a: &Type,
    b: &Type,
    non_null_if_any: bool,
    named: &dyn Fn(&Name, &Name) -> Option<Name>,
) -> Option<Type> {
    let non_null = if non_null_if_any {
        a.is_non_null() || b.is_non_null()
    } else {
        a.is_non_null() && b.is_non_null()
    };
    match (a, b) {
        (Type::Named(x) | Type::NonNullNamed(x), Type::Named(y) | Type::NonNullNamed(y)) => {
            let merged = named(x, y)?;
            Some(if non_null {
                Type::NonNullNamed(merged)
            } else {
                Type::Named(merged)
            })
        }
        (Type::List(x) | Type::NonNullList(x), Type::List(y) | Type::NonNullList(y)) => {
            let inner = merge_types(x, y, non_null_if_any, named)?;
            Some(if non_null {
                Type::NonNullList(Box::new(inner))
            } else {
                Type::List(Box::new(inner))
            })
        }
        _ => None,
    }
}

/// Fields that `@interfaceObject` subgraphs add to an interface also appear on its
/// implementations, resolved through the interface (`@join__field` without a graph).
fn add_interface_object_fields(types: &mut IndexMap<String, MergedType>) {
    let mut additions: Vec<(String, MergedField)> = Vec::new();
    for iface in types.values().filter(|t| t.kind == Kind::Interface) {
        let object_graphs: Vec<&str> = iface
            .owners
            .iter()
            .filter(|o| o.interface_object)
            .map(|o| o.graph.as_str())
            .collect();
        if object_graphs.is_empty() {
            continue;
        }
        for field in iface.fields.values() {
            let from_object = match &field.owners {
                Some(owners) => owners.iter().any(|o| {
                    o.graph
                        .as_deref()
                        .is_some_and(|g| object_graphs.contains(&g))
                }),
                None => true,
            };
            if !from_object {
                continue;
            }
            for ty in types.values() {
                if ty.kind == Kind::Object
                    && ty.implements.contains_key(&iface.name)
                    && !ty.fields.contains_key(&field.name)
                {
                    additions.push((
                        ty.name.clone(),
                        MergedField {
                            name: field.name.clone(),
                            description: field.description.clone(),
                            ty: field.ty.clone(),
                            arguments: field.arguments.clone(),
                            default_value: None,
                            owners: Some(vec![FieldOwner::default()]),
                            directives: field.directives.clone(),
                        },
                    ));
                }
            }
        }
    }
    for (ty, field) in additions {
        if let Some(ty) = types.get_mut(&ty) {
            ty.fields.insert(field.name.clone(), field);
        }
    }
}
