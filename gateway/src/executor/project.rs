//! Response shaping: exactly the requested fields, in request order, with aliases;
//! `@skip`/`@include` applied; nulls in non-null positions bubble to the nearest
//! nullable parent (GraphQL spec, "Handling Field Errors").

use apollo_compiler::{
    ExecutableDocument, Node, Schema,
    ast::{DirectiveList, Type, Value as AstValue},
    executable::{Field, Selection, SelectionSet},
    schema::{EnumType, ExtendedType},
};
use std::{collections::HashMap, rc::Rc};

use indexmap::IndexMap;

use crate::auth::Denied;
use crate::json;
use crate::json::{Map, Value};
use crate::query_planner::{SiteIndex, site_of, stream_of};

mod collect;

/// The request's variables, as the client sent them.
pub(crate) type Variables = serde_json::Map<String, serde_json::Value>;

/// The collected fields of some selection sets for one type: response key, the field nodes
/// merged under it, their sub-selections and what their named type is; and the defer
/// sites whose fragments were left out (delivered later).
type Fields<'a> = Rc<CollectedSet<'a>>;

/// What CollectFields gives for one object type.
pub(crate) struct CollectedSet<'a> {
    fields: Vec<Collected<'a>>,
    deferred: Vec<usize>,
}

/// The defer sites that split this response: their fragments are left out where they
/// apply, and each place is recorded for a later payload.
pub(crate) struct Deferring<'s> {
    /// The operation's sites by directive.
    pub(crate) index: &'s SiteIndex,
    /// Whether each site defers in this request.
    pub(crate) active: &'s [bool],
    /// The operation's stream sites by directive.
    pub(crate) stream_index: &'s SiteIndex,
    /// For each stream site that streams in this request, how many items come first.
    pub(crate) streams: &'s [Option<usize>],
    /// Where deferred fragments were left out, in response order.
    pub(crate) pending: Vec<Pending>,
}

/// A deferred fragment left out of a payload (its site, the object's path and type), or
/// the rest of a streamed list (its stream site, the list's path, the type holding the
/// field and the first item left out).
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) site: usize,
    pub(crate) path: Vec<Value>,
    pub(crate) typename: String,
    pub(crate) stream: Option<usize>,
}

/// One response key of a collected selection.
pub(crate) struct Collected<'a> {
    key: &'a str,
    /// The first field node merged under the key.
    field: &'a Node<Field>,
    /// The sub-selections of every node merged under the key.
    sub: Vec<&'a SelectionSet>,
    named: Named<'a>,
    /// `__typename`: answered from the type, not the data.
    typename: bool,
    /// A scalar, not in a list: its value is written as it is.
    scalar: bool,
    /// `"key":`, written before its value (response keys are names: nothing to escape).
    member: Box<[u8]>,
}

/// What projecting a field's values needs to know of its named type (looked up once per
/// selection, not per value).
#[derive(Clone, Copy)]
pub(crate) enum Named<'a> {
    /// A scalar.
    Scalar,
    /// An enum: only its API schema values pass.
    Enum(&'a Node<EnumType>),
    /// An object type.
    Object(&'a str),
    /// An interface or union: the object's `__typename` tells its type.
    Abstract(&'a str),
}

impl<'a> Named<'a> {
    fn of(schema: &'a Schema, ty: &Type) -> Self {
        match schema.types.get_key_value(ty.inner_named_type()) {
            Some((name, ExtendedType::Object(_))) => Named::Object(name.as_str()),
            Some((name, ExtendedType::Interface(_) | ExtendedType::Union(_))) => {
                Named::Abstract(name.as_str())
            }
            Some((_, ExtendedType::Enum(def))) => Named::Enum(def),
            _ => Named::Scalar,
        }
    }
}

/// Collected fields by selection sets (their addresses) and type name.
type FieldsCache<'a> = HashMap<(usize, usize, &'a str), Fields<'a>, foldhash::fast::RandomState>;

/// Projects merged subgraph data onto the operation.
pub(crate) struct Projector<'a, 'e> {
    pub(crate) schema: &'a Schema,
    pub(crate) document: &'a ExecutableDocument,
    pub(crate) variables: &'a Variables,
    pub(crate) errors: &'e mut Vec<Value>,
    /// CollectFields results by selection sets (their addresses) and type: the same
    /// selection is applied to every object of a list.
    pub(crate) fields: FieldsCache<'a>,
    /// Fields the caller may not see: `null` with an error.
    pub(crate) denied: &'a Denied,
    /// Set when the response is delivered incrementally.
    pub(crate) deferring: Option<Deferring<'e>>,
    /// The path of the object projected, for error paths (a deferred fragment's object).
    pub(crate) base: Vec<Value>,
}

/// Where a value is: its parent type, its field and what the field's named type is.
struct Position<'a, 'f> {
    parent: &'a str,
    field: &'f Field,
    named: Named<'a>,
}

/// A non-null position became null: the parent must become null too.
struct Bubble;

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
            Step::Key(k) => Value::String((*k).into()),
            Step::Index(i) => Value::from(*i),
        })
        .collect()
}

impl<'a> Projector<'a, '_> {
    /// Writes the response `data` as JSON: the root object, or null when a null bubbled to
    /// the root. Values are written as they are projected, straight from the merged data;
    /// where a null bubbles up, what was written of the object or list it voids is cut off.
    pub(crate) fn project(&mut self, root: &'a SelectionSet, data: &Value, out: &mut Vec<u8>) {
        if !self.project_object(root, root.ty.as_str(), data, out) {
            out.extend_from_slice(b"null");
        }
    }

    /// Writes `data` as an object of `typename` with `selection`'s fields; `false` (and
    /// nothing written) when a null bubbled up to it.
    pub(crate) fn project_object(
        &mut self,
        selection: &'a SelectionSet,
        typename: &'a str,
        data: &Value,
        out: &mut Vec<u8>,
    ) -> bool {
        static EMPTY: std::sync::LazyLock<Map> = std::sync::LazyLock::new(Map::default);
        let object = data.as_object().unwrap_or(&EMPTY);
        let start = out.len();
        let pending = self.pending_len();
        if self
            .object(&[selection], typename, object, &mut Vec::new(), out)
            .is_err()
        {
            out.truncate(start);
            self.truncate_pending(pending);
            return false;
        }
        true
    }

    /// Writes the items of a streamed list from `start` on as a JSON array (`path` is the
    /// list's, in [`Self::base`]); `false` (nothing written) when a null bubbled up to the
    /// list.
    pub(crate) fn project_items(
        &mut self,
        field: &'a Node<Field>,
        parent: &'a str,
        list: &Value,
        start: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        let (Value::Array(items), Type::List(inner) | Type::NonNullList(inner)) =
            (list, &field.definition.ty)
        else {
            return false;
        };
        let at = Position {
            parent,
            field,
            named: Named::of(self.schema, &field.definition.ty),
        };
        let selections = [&field.selection_set];
        let (begin, pending) = (out.len(), self.pending_len());
        let mut path = Vec::new();
        out.push(b'[');
        for (i, item) in items.iter().enumerate().skip(start) {
            if i > start {
                out.push(b',');
            }
            path.push(Step::Index(i));
            let written = self.value(inner, &selections, Some(item), &mut path, &at, out);
            path.pop();
            if written.is_err() {
                out.truncate(begin);
                self.truncate_pending(pending);
                return false;
            }
        }
        out.push(b']');
        true
    }

    fn path_json(&self, path: &[Step<'_>]) -> Vec<Value> {
        let mut out = self.base.clone();
        out.extend(path_json(path));
        out
    }

    /// Writes an object's selected fields; `Err` when a non-null field is null (the
    /// caller voids what was written).
    fn object(
        &mut self,
        selections: &[&'a SelectionSet],
        typename: &'a str,
        data: &Map,
        path: &mut Path<'a>,
        out: &mut Vec<u8>,
    ) -> Result<(), Bubble> {
        let fields = self.fields(selections, typename);
        let check_denied = !self.denied.is_empty();
        // Subgraphs answer fields in the order asked: each lookup starts where the
        // previous one matched.
        let mut hint = 0;
        out.push(b'{');
        for (i, collected) in fields.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&collected.member);
            let field = collected.field;
            if collected.typename {
                json::write_str(out, typename);
                continue;
            }
            let value = data.get_hinted(collected.key, &mut hint);
            // The common case, a scalar with a value, written without the general path.
            if collected.scalar
                && !check_denied
                && let Some(value) = value.filter(|v| !v.is_null())
            {
                json::write_value(out, value);
                continue;
            }
            path.push(Step::Key(collected.key));
            if check_denied && let Some(denial) = self.denied.reason(field) {
                let error = json!({
                    "message": denial.message(&format!("{typename}.{}", field.name)),
                    "path": self.path_json(path),
                    "extensions": { "code": denial.code() },
                });
                self.errors.push(error);
                path.pop();
                if field.definition.ty.is_non_null() {
                    return Err(Bubble);
                }
                out.extend_from_slice(b"null");
                continue;
            }
            let at = Position {
                parent: typename,
                field,
                named: collected.named,
            };
            let written = match (self.streamed(field), value) {
                // A streamed list: its first items now, the rest in a later payload.
                (Some((site, count)), Some(Value::Array(items))) if items.len() > count => {
                    let head = Value::Array(items[..count].to_vec());
                    let ty = &field.definition.ty;
                    let written = self.value(ty, &collected.sub, Some(&head), path, &at, out);
                    if written.is_ok() {
                        let at = self.path_json(path);
                        if let Some(deferring) = &mut self.deferring {
                            deferring.pending.push(Pending {
                                site,
                                path: at,
                                typename: typename.to_owned(),
                                stream: Some(count),
                            });
                        }
                    }
                    written
                }
                _ => self.value(&field.definition.ty, &collected.sub, value, path, &at, out),
            };
            path.pop();
            written?;
        }
        out.push(b'}');
        if !fields.deferred.is_empty() {
            let at = self.path_json(path);
            if let Some(deferring) = &mut self.deferring {
                for &site in &fields.deferred {
                    deferring.pending.push(Pending {
                        site,
                        path: at.clone(),
                        typename: typename.to_owned(),
                        stream: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// Writes a value; `Err` when it is null in a non-null position.
    fn value(
        &mut self,
        ty: &Type,
        selections: &[&'a SelectionSet],
        data: Option<&Value>,
        path: &mut Path<'a>,
        at: &Position<'a, '_>,
        out: &mut Vec<u8>,
    ) -> Result<(), Bubble> {
        let null = self.nullable_value(ty, selections, data, path, at, out);
        if null && ty.is_non_null() {
            self.null_error(path, at.parent, at.field);
            return Err(Bubble);
        }
        Ok(())
    }

    /// Writes a value, `null` where it is missing, wrong or voided by a bubbling null;
    /// whether it wrote `null`.
    fn nullable_value(
        &mut self,
        ty: &Type,
        selections: &[&'a SelectionSet],
        data: Option<&Value>,
        path: &mut Path<'a>,
        at: &Position<'a, '_>,
        out: &mut Vec<u8>,
    ) -> bool {
        let start = out.len();
        let pending = self.pending_len();
        let null = |out: &mut Vec<u8>| {
            out.truncate(start);
            out.extend_from_slice(b"null");
            true
        };
        let Some(data) = data.filter(|d| !d.is_null()) else {
            return null(out);
        };
        let (parent, field) = (at.parent, at.field);
        if let Type::List(inner) | Type::NonNullList(inner) = ty {
            let Value::Array(items) = data else {
                self.error(path, format!("{parent}.{} should be a list", field.name));
                return null(out);
            };
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(Step::Index(i));
                let item = self.value(inner, selections, Some(item), path, at, out);
                path.pop();
                if item.is_err() {
                    self.truncate_pending(pending);
                    return null(out);
                }
            }
            out.push(b']');
            return false;
        }
        let typename: &'a str = match at.named {
            Named::Scalar => {
                json::write_value(out, data);
                return false;
            }
            Named::Enum(def) => {
                // An enum value the API schema hides (`@inaccessible`) or does not know
                // never reaches the client.
                let known = data.as_str().is_some_and(|v| def.values.contains_key(v));
                if !known {
                    self.error(
                        path,
                        format!(
                            "Invalid value for enum {} at {parent}.{}",
                            def.name, field.name
                        ),
                    );
                    return null(out);
                }
                json::write_value(out, data);
                return false;
            }
            Named::Object(name) => name,
            Named::Abstract(name) => {
                match data.get("__typename").and_then(Value::as_str) {
                    // Only a type of the API schema that can be here (not an
                    // `@inaccessible` one).
                    Some(t) => match self.possible(name, t) {
                        Some(t) => t,
                        None => {
                            // The type's name is not told: it may be hidden on purpose.
                            self.error(
                                path,
                                format!(
                                    "{parent}.{} returned an object of a type that is not a possible type of {name}",
                                    field.name
                                ),
                            );
                            return null(out);
                        }
                    },
                    None if data.is_object() => {
                        self.error(path, format!("{parent}.{} has no __typename", field.name));
                        return null(out);
                    }
                    None => "",
                }
            }
        };
        let Value::Object(map) = data else {
            self.error(path, format!("{parent}.{} should be an object", field.name));
            return null(out);
        };
        match self.object(selections, typename, map, path, out) {
            Ok(()) => false,
            Err(Bubble) => {
                self.truncate_pending(pending);
                null(out)
            }
        }
    }

    fn error(&mut self, path: &Path<'a>, message: String) {
        let path = self.path_json(path);
        self.push_error(path, message);
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
        let path = self.path_json(path);
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

fn push_new(sites: &mut Vec<usize>, site: usize) {
    if !sites.contains(&site) {
        sites.push(site);
    }
}
