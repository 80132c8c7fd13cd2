//! Response shaping: exactly the requested fields, in request order, with aliases;
//! `@skip`/`@include` applied; nulls in non-null positions bubble to the nearest
//! nullable parent (GraphQL spec, "Handling Field Errors").

use apollo_compiler::{
    ExecutableDocument, Node, Schema,
    ast::{DirectiveList, Type, Value as AstValue},
    executable::{Field, Selection, SelectionSet},
    schema::ExtendedType,
};
use std::{collections::HashMap, rc::Rc};

use indexmap::IndexMap;

use crate::auth::Denied;
use serde_json::{Map, Value, json};

/// The collected fields of some selection sets for one type: response key, the field nodes
/// merged under it, and their sub-selections.
type Fields<'a> = Rc<Vec<(&'a str, &'a Node<Field>, Vec<&'a SelectionSet>)>>;

/// Projects merged subgraph data onto the operation.
pub(crate) struct Projector<'a, 'e> {
    pub(crate) schema: &'a Schema,
    pub(crate) document: &'a ExecutableDocument,
    pub(crate) variables: &'a Map<String, Value>,
    pub(crate) errors: &'e mut Vec<Value>,
    /// CollectFields results by selection sets (their addresses) and type: the same
    /// selection is applied to every object of a list.
    pub(crate) fields: HashMap<(usize, usize), HashMap<String, Fields<'a>>>,
    /// Fields the caller may not see: `null` with an error.
    pub(crate) denied: &'a Denied,
}

/// A non-null position became null: the parent must become null too.
struct Bubble;

/// The projected response, borrowing the merged data: serialised straight to JSON in
/// request order without building (and hashing) a second tree of maps.
#[derive(Debug)]
pub(crate) enum Out<'d> {
    /// `null`.
    Null,
    /// A leaf value as the subgraph sent it.
    Leaf(&'d Value),
    /// A `__typename`.
    Name(&'d str),
    /// A list.
    List(Vec<Out<'d>>),
    /// An object, fields in request order.
    Object(Vec<(&'d str, Out<'d>)>),
}

impl Out<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Out::Null)
    }
}

impl serde::Serialize for Out<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Out::Null => serializer.serialize_unit(),
            Out::Leaf(value) => value.serialize(serializer),
            Out::Name(name) => serializer.serialize_str(name),
            Out::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Out::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// A response path step, borrowed; turned into JSON only for an error.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

type Path<'a> = Vec<Step<'a>>;

fn path_json(path: &[Step<'_>]) -> Vec<Value> {
    path.iter()
        .map(|step| match step {
            Step::Key(k) => Value::String((*k).to_owned()),
            Step::Index(i) => Value::from(*i),
        })
        .collect()
}

impl<'a: 'd, 'd> Projector<'a, '_> {
    /// The response `data`: the root object, or null when a null bubbled to the root.
    pub(crate) fn project(&mut self, root: &'a SelectionSet, data: &'d Value) -> Out<'d> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        let object = data.as_object().unwrap_or(&EMPTY);
        match self.object(&[root], root.ty.as_str(), object, &mut Vec::new()) {
            Ok(fields) => Out::Object(fields),
            Err(Bubble) => Out::Null,
        }
    }

    fn included(&self, directives: &DirectiveList) -> bool {
        let condition = |name: &str| {
            directives
                .get(name)
                .map(|d| match d.specified_argument_by_name("if").map(|v| &**v) {
                    Some(AstValue::Boolean(b)) => *b,
                    Some(AstValue::Variable(var)) => self
                        .variables
                        .get(var.as_str())
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    _ => false,
                })
        };
        condition("skip") != Some(true) && condition("include") != Some(false)
    }

    fn applies(&self, condition: &str, typename: &str) -> bool {
        condition == typename || self.schema.is_subtype(condition, typename)
    }

    /// CollectFields: response key → the field nodes it merges, in request order.
    fn collect(
        &self,
        selection: &'a SelectionSet,
        typename: &str,
        out: &mut IndexMap<&'a str, Vec<&'a Node<Field>>>,
    ) {
        for s in &selection.selections {
            match s {
                Selection::Field(f) => {
                    if self.included(&f.directives) {
                        out.entry(f.response_key().as_str()).or_default().push(f);
                    }
                }
                Selection::InlineFragment(i) => {
                    let applies = i
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.applies(c, typename));
                    if applies && self.included(&i.directives) {
                        self.collect(&i.selection_set, typename, out);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let document: &'a ExecutableDocument = self.document;
                    let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    if self.applies(fragment.type_condition(), typename)
                        && self.included(&spread.directives)
                    {
                        self.collect(&fragment.selection_set, typename, out);
                    }
                }
            }
        }
    }

    /// The collected fields of `selections` for `typename`, computed once per projection.
    fn fields(&mut self, selections: &[&'a SelectionSet], typename: &str) -> Fields<'a> {
        let key = match selections {
            [one] => Some((std::ptr::from_ref(*one) as usize, 0)),
            [one, two] => Some((
                std::ptr::from_ref(*one) as usize,
                std::ptr::from_ref(*two) as usize,
            )),
            _ => None,
        };
        if let Some(found) = key
            .and_then(|k| self.fields.get(&k))
            .and_then(|by_type| by_type.get(typename))
        {
            return found.clone();
        }
        let mut collected: IndexMap<&'a str, Vec<&'a Node<Field>>> = IndexMap::new();
        for selection in selections {
            self.collect(selection, typename, &mut collected);
        }
        let fields: Fields<'a> = Rc::new(
            collected
                .into_iter()
                .map(|(key, nodes)| {
                    let sub = nodes.iter().map(|f| &f.selection_set).collect();
                    (key, nodes[0], sub)
                })
                .collect(),
        );
        if let Some(k) = key {
            self.fields
                .entry(k)
                .or_default()
                .insert(typename.to_owned(), fields.clone());
        }
        fields
    }

    fn object(
        &mut self,
        selections: &[&'a SelectionSet],
        typename: &'d str,
        data: &'d Map<String, Value>,
        path: &mut Path<'a>,
    ) -> Result<Vec<(&'d str, Out<'d>)>, Bubble> {
        let fields = self.fields(selections, typename);
        let mut out = Vec::with_capacity(fields.len());
        for (key, field, sub) in fields.iter() {
            if field.name == "__typename" {
                out.push((*key, Out::Name(typename)));
                continue;
            }
            path.push(Step::Key(key));
            if let Some(denial) = self.denied.reason(field) {
                let error = json!({
                    "message": denial.message(&format!("{typename}.{}", field.name)),
                    "path": path_json(path),
                    "extensions": { "code": denial.code() },
                });
                self.errors.push(error);
                path.pop();
                if field.definition.ty.is_non_null() {
                    return Err(Bubble);
                }
                out.push((*key, Out::Null));
                continue;
            }
            let value = self.value(
                &field.definition.ty,
                sub,
                data.get(*key),
                path,
                typename,
                field,
            );
            path.pop();
            out.push((*key, value?));
        }
        Ok(out)
    }

    fn value(
        &mut self,
        ty: &Type,
        selections: &[&'a SelectionSet],
        data: Option<&'d Value>,
        path: &mut Path<'a>,
        parent: &str,
        field: &Field,
    ) -> Result<Out<'d>, Bubble> {
        let completed = self.nullable_value(ty, selections, data, path, parent, field);
        if completed.is_null() && ty.is_non_null() {
            self.null_error(path, parent, field);
            return Err(Bubble);
        }
        Ok(completed)
    }

    fn nullable_value(
        &mut self,
        ty: &Type,
        selections: &[&'a SelectionSet],
        data: Option<&'d Value>,
        path: &mut Path<'a>,
        parent: &str,
        field: &Field,
    ) -> Out<'d> {
        let Some(data) = data.filter(|d| !d.is_null()) else {
            return Out::Null;
        };
        match ty {
            Type::List(inner) | Type::NonNullList(inner) => {
                let Value::Array(items) = data else {
                    self.error(path, format!("{parent}.{} should be a list", field.name));
                    return Out::Null;
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    let item = self.value(inner, selections, Some(item), path, parent, field);
                    path.pop();
                    match item {
                        Ok(v) => out.push(v),
                        Err(Bubble) => return Out::Null,
                    }
                }
                Out::List(out)
            }
            Type::Named(name) | Type::NonNullNamed(name) => {
                let composite = matches!(
                    self.schema.types.get(name),
                    Some(
                        ExtendedType::Object(_)
                            | ExtendedType::Interface(_)
                            | ExtendedType::Union(_)
                    )
                );
                if !composite {
                    // An enum value the API schema hides (`@inaccessible`) or does not
                    // know never reaches the client.
                    if let Some(ExtendedType::Enum(def)) = self.schema.types.get(name) {
                        let known = data.as_str().is_some_and(|v| def.values.contains_key(v));
                        if !known {
                            self.error(
                                path,
                                format!("Invalid value for enum {name} at {parent}.{}", field.name),
                            );
                            return Out::Null;
                        }
                    }
                    return Out::Leaf(data);
                }
                let Value::Object(map) = data else {
                    self.error(path, format!("{parent}.{} should be an object", field.name));
                    return Out::Null;
                };
                let schema: &'a Schema = self.schema;
                let typename: &'d str = match schema.types.get_key_value(name) {
                    Some((name, ExtendedType::Object(_))) => name.as_str(),
                    _ => match map.get("__typename").and_then(Value::as_str) {
                        // Only a type of the API schema that can be here (not an
                        // `@inaccessible` one).
                        Some(t) if self.is_possible(name, t) => t,
                        Some(_) => {
                            // The type's name is not told: it may be hidden on purpose.
                            self.error(
                                path,
                                format!(
                                    "{parent}.{} returned an object of a type that is not a possible type of {name}",
                                    field.name
                                ),
                            );
                            return Out::Null;
                        }
                        None => {
                            self.error(path, format!("{parent}.{} has no __typename", field.name));
                            return Out::Null;
                        }
                    },
                };
                match self.object(selections, typename, map, path) {
                    Ok(object) => Out::Object(object),
                    Err(Bubble) => Out::Null,
                }
            }
        }
    }

    /// Whether `typename` is an object type of the API schema that `abstract_type` can be.
    fn is_possible(&self, abstract_type: &str, typename: &str) -> bool {
        matches!(
            self.schema.types.get(typename),
            Some(ExtendedType::Object(_))
        ) && self.schema.is_subtype(abstract_type, typename)
    }

    fn error(&mut self, path: &Path<'a>, message: String) {
        self.push_error(path_json(path), message);
    }

    /// A subgraph's data that does not fit the schema (a null in a non-null position, a
    /// value of the wrong shape): `RESPONSE_VALIDATION_FAILED`, Apollo Router's code for
    /// these errors, so clients can tell them from their own mistakes.
    fn push_error(&mut self, path: Vec<Value>, message: String) {
        self.errors.push(json!({
            "message": message,
            "path": path,
            "extensions": { "code": "RESPONSE_VALIDATION_FAILED" },
        }));
    }

    /// Reports a null in a non-null position, unless an error already explains it.
    fn null_error(&mut self, path: &Path<'a>, parent: &str, field: &Field) {
        let path = path_json(path);
        let explained = self.errors.iter().any(|e| {
            e.get("path").and_then(Value::as_array).is_some_and(|p| {
                let n = p.len().min(path.len());
                p[..n] == path[..n]
            })
        });
        if !explained {
            self.push_error(
                path,
                format!(
                    "Cannot return null for non-nullable field {parent}.{}",
                    field.name
                ),
            );
        }
    }
}
