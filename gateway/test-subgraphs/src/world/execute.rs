//! Executing one request against a world subgraph: apollo-compiler validates the operation and
//! coerces its variables; execution (field collection, completion, null propagation) follows
//! the GraphQL spec with values from the world, `_entities` lookups and `@requires` checks.

use apollo_compiler::{
    ExecutableDocument, Name,
    collections::{HashSet, IndexMap},
    executable::{Field, OperationType, Selection, SelectionSet},
    request::coerce_variable_values,
    response::{GraphQLError, JsonMap, JsonValue, ResponseDataPathSegment},
    schema::{ExtendedType, FieldDefinition, Type},
    validation::Valid,
};
use serde_json::{Map, Value};

use super::data::{self, Resolved, View};
use super::schema::SubgraphSchema;

/// Everything a request is executed against.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) schema: &'a SubgraphSchema,
    pub(crate) view: &'a View,
    /// The published SDL, as a JSON string.
    pub(crate) sdl: &'a Value,
}

/// Validates and executes one request; every problem is a GraphQL error in the response.
pub(crate) fn execute(ctx: Ctx<'_>, request: &async_graphql::Request) -> async_graphql::Response {
    let schema = &ctx.schema.schema;
    let document = match ExecutableDocument::parse_and_validate(
        schema,
        request.query.as_str(),
        "operation.graphql",
    ) {
        Ok(document) => document,
        Err(with_errors) => {
            return request_errors(
                with_errors
                    .errors
                    .iter()
                    .map(|diagnostic| diagnostic.to_json()),
            );
        }
    };
    let sources = &document.sources;
    let operation = match document.operations.get(request.operation_name.as_deref()) {
        Ok(operation) => operation,
        Err(error) => return request_errors([error.to_graphql_error(sources)]),
    };
    if operation.operation_type == OperationType::Subscription {
        return request_error("world subgraphs do not serve subscriptions");
    }
    let variables = match coerce_variable_values(schema, operation, &raw_variables(request)) {
        Ok(variables) => variables,
        Err(error) => return request_errors([error.to_graphql_error(sources)]),
    };
    let mut execution = Execution {
        ctx,
        document: &document,
        variables: variables
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), to_serde(value)))
            .collect(),
        errors: Vec::new(),
        path: Vec::new(),
    };
    let root = Obj {
        type_name: operation.object_type().clone(),
        kind: ObjKind::Root,
    };
    let data = execution
        .selection_set(&root, [&operation.selection_set])
        .map_or(async_graphql::Value::Null, async_graphql::Value::Object);
    let mut response = async_graphql::Response::new(data);
    response.errors = execution.errors.into_iter().map(to_server_error).collect();
    response
}

/// A request error (`data: null`).
pub(crate) fn request_error(message: &str) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(message, None)])
}

fn request_errors(errors: impl IntoIterator<Item = GraphQLError>) -> async_graphql::Response {
    async_graphql::Response::from_errors(errors.into_iter().map(to_server_error).collect())
}

fn raw_variables(request: &async_graphql::Request) -> JsonMap {
    let json = request
        .variables
        .clone()
        .into_value()
        .into_json()
        .unwrap_or(Value::Null);
    match JsonValue::from(json) {
        JsonValue::Object(map) => map,
        _ => JsonMap::new(),
    }
}

/// A field error met while completing: its `null` goes up to the nearest nullable place.
struct Bubble;

/// An object being executed, seen as object type `type_name` of this subgraph.
struct Obj<'a> {
    type_name: Name,
    kind: ObjKind<'a>,
}

enum ObjKind<'a> {
    /// The query or mutation root: values from the world's roots, `_service`, `_entities`.
    Root,
    /// `_Service`.
    Service,
    /// A table or inline world object; an `_entities` item keeps its representation.
    World {
        fields: &'a Map<String, Value>,
        representation: Option<Value>,
    },
}

/// A field's value before completion.
enum Val<'a> {
    /// From the world, completed against the field's type.
    World(Resolved<'a>),
    /// An object already seen as a type of this subgraph.
    Object(Obj<'a>),
    /// A list of values computed here (`_entities`).
    Items(Vec<Val<'a>>),
    /// A field error.
    Error(String),
}

struct Execution<'a> {
    ctx: Ctx<'a>,
    document: &'a Valid<ExecutableDocument>,
    variables: Map<String, Value>,
    errors: Vec<GraphQLError>,
    /// The response path of the value being completed.
    path: Vec<ResponseDataPathSegment>,
}

type Grouped<'a> = IndexMap<&'a Name, Vec<&'a Field>>;

/// A completed object, in response-key order.
type Object = async_graphql::indexmap::IndexMap<async_graphql::Name, async_graphql::Value>;

impl<'a> Execution<'a> {
    /// ExecuteSelectionSet: the fields of `object` the selection sets ask for, by response key.
    fn selection_set(
        &mut self,
        object: &Obj<'a>,
        sets: impl IntoIterator<Item = &'a SelectionSet>,
    ) -> Result<Object, Bubble> {
        let mut grouped = Grouped::default();
        let mut visited = HashSet::default();
        for set in sets {
            self.collect_fields(
                &object.type_name,
                &set.selections,
                &mut visited,
                &mut grouped,
            );
        }
        let mut out = Object::new();
        for (response_key, fields) in grouped {
            let field = fields[0];
            // The object type's own definition (its nullability may be stricter than the
            // interface's a fragment selected the field through).
            let definition = self
                .ctx
                .schema
                .schema
                .type_field(&object.type_name, &field.name)
                .map_or(&*field.definition, |definition| &**definition);
            self.path
                .push(ResponseDataPathSegment::Field(response_key.clone()));
            let value = if field.name == "__typename" {
                Ok(async_graphql::Value::String(object.type_name.to_string()))
            } else {
                self.field(object, definition, &fields)
            };
            self.path.pop();
            let value = match value {
                Ok(value) => value,
                Err(Bubble) if definition.ty.is_non_null() => return Err(Bubble),
                Err(Bubble) => async_graphql::Value::Null,
            };
            out.insert(async_graphql::Name::new(response_key), value);
        }
        Ok(out)
    }

    /// CollectFields: `@skip`/`@include`, fragment spreads (each once), type conditions.
    fn collect_fields(
        &self,
        object_type: &Name,
        selections: &'a [Selection],
        visited: &mut HashSet<&'a Name>,
        grouped: &mut Grouped<'a>,
    ) {
        for selection in selections {
            if !self.included(selection) {
                continue;
            }
            match selection {
                Selection::Field(field) => grouped
                    .entry(field.response_key())
                    .or_default()
                    .push(field.as_ref()),
                Selection::FragmentSpread(spread) => {
                    if !visited.insert(&spread.fragment_name) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name)
                        && self.applies(object_type, fragment.type_condition())
                    {
                        self.collect_fields(
                            object_type,
                            &fragment.selection_set.selections,
                            visited,
                            grouped,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|condition| self.applies(object_type, condition));
                    if applies {
                        self.collect_fields(
                            object_type,
                            &inline.selection_set.selections,
                            visited,
                            grouped,
                        );
                    }
                }
            }
        }
    }

    fn included(&self, selection: &Selection) -> bool {
        let flag = |directive: &str| {
            let value = selection
                .directives()
                .get(directive)?
                .specified_argument_by_name("if")?;
            data::literal(value, &self.variables).as_bool()
        };
        !flag("skip").unwrap_or(false) && flag("include").unwrap_or(true)
    }

    /// DoesFragmentTypeApply.
    fn applies(&self, object_type: &Name, condition: &Name) -> bool {
        let schema = &self.ctx.schema.schema;
        match schema.types.get(condition) {
            Some(ExtendedType::Object(_)) => condition == object_type,
            Some(ExtendedType::Interface(_)) => schema
                .get_object(object_type)
                .is_some_and(|object| object.implements_interfaces.contains(condition)),
            Some(ExtendedType::Union(union)) => union.members.contains(object_type),
            _ => false,
        }
    }

    /// ExecuteField: resolve from the world, then complete against the field's type.
    fn field(
        &mut self,
        object: &Obj<'a>,
        definition: &'a FieldDefinition,
        fields: &[&'a Field],
    ) -> Result<async_graphql::Value, Bubble> {
        let arguments = self.arguments(definition, fields[0]);
        let value = self.resolve(object, definition, &arguments);
        self.complete(&definition.ty, value, fields)
    }

    /// The field's arguments after coercion: given or default values, nulls kept (the argument
    /// key leaves them out).
    fn arguments(&self, definition: &FieldDefinition, field: &Field) -> Vec<(String, Value)> {
        definition
            .arguments
            .iter()
            .filter_map(|argument| {
                let given = field
                    .arguments
                    .iter()
                    .find(|given| given.name == argument.name)
                    .map(|given| &given.value)
                    .filter(|given| match given.as_ref() {
                        apollo_compiler::ast::Value::Variable(name) => {
                            self.variables.contains_key(name.as_str())
                        }
                        _ => true,
                    });
                let value = given.or(argument.default_value.as_ref())?;
                let json = data::literal(value, &self.variables);
                Some((
                    argument.name.to_string(),
                    self.ctx.schema.coerce_input(json, &argument.ty),
                ))
            })
            .collect()
    }

    fn resolve(
        &self,
        object: &Obj<'a>,
        definition: &FieldDefinition,
        arguments: &[(String, Value)],
    ) -> Val<'a> {
        let ctx = self.ctx;
        let name = definition.name.as_str();
        match &object.kind {
            ObjKind::Root => {
                let is_query = self.is_query_root(&object.type_name);
                match name {
                    "_service" if is_query => Val::Object(Obj {
                        type_name: definition.ty.inner_named_type().clone(),
                        kind: ObjKind::Service,
                    }),
                    "_entities" if is_query => entities(ctx, arguments),
                    "__schema" | "__type" => {
                        Val::Error("world subgraphs do not serve introspection".to_owned())
                    }
                    _ => Val::World(ctx.view.resolve(data::field(
                        ctx.view.roots(),
                        name,
                        arguments,
                    ))),
                }
            }
            ObjKind::Service => match name {
                "sdl" => Val::World(Resolved::Leaf(ctx.sdl)),
                _ => Val::World(Resolved::Null),
            },
            ObjKind::World {
                fields,
                representation,
            } => match check_requires(
                ctx,
                &object.type_name,
                name,
                fields,
                representation.as_ref(),
            ) {
                Err(message) => Val::Error(message),
                Ok(()) => Val::World(ctx.view.resolve(data::field(fields, name, arguments))),
            },
        }
    }

    fn is_query_root(&self, type_name: &Name) -> bool {
        self.ctx
            .schema
            .schema
            .schema_definition
            .query
            .as_ref()
            .is_some_and(|query| query.name == *type_name)
    }

    /// CompleteValue.
    fn complete(
        &mut self,
        ty: &'a Type,
        value: Val<'a>,
        fields: &[&'a Field],
    ) -> Result<async_graphql::Value, Bubble> {
        let value = match value {
            Val::Error(message) => return Err(self.error(message, fields)),
            Val::World(Resolved::Error(message)) => {
                return Err(self.error(message.to_owned(), fields));
            }
            Val::World(Resolved::Null) if ty.is_non_null() => {
                return Err(self.error(format!("non-null type {ty} resolved to null"), fields));
            }
            Val::World(Resolved::Null) => return Ok(async_graphql::Value::Null),
            value => value,
        };
        if ty.is_list() {
            return self.complete_list(ty, value, fields);
        }
        let name = ty.inner_named_type();
        let is_leaf = self
            .ctx
            .schema
            .schema
            .types
            .get(name)
            .is_some_and(ExtendedType::is_leaf);
        let object = match value {
            Val::World(Resolved::Leaf(leaf)) if is_leaf => {
                return self.complete_leaf(name, leaf, fields);
            }
            // A custom scalar may hold any JSON.
            Val::World(Resolved::Object(object)) if is_leaf => {
                return Ok(to_graphql(Value::Object(object.clone())));
            }
            Val::World(Resolved::List(items)) if is_leaf => {
                return Ok(to_graphql(Value::Array(items.to_vec())));
            }
            Val::World(Resolved::Object(fields_of)) => match present(self.ctx, fields_of, name) {
                Ok(type_name) => Obj {
                    type_name,
                    kind: ObjKind::World {
                        fields: fields_of,
                        representation: None,
                    },
                },
                Err(message) => return Err(self.error(message, fields)),
            },
            Val::Object(object) => object,
            _ => {
                let message = format!("the world's value does not fit type {ty}");
                return Err(self.error(message, fields));
            }
        };
        self.selection_set(&object, fields.iter().map(|field| &field.selection_set))
            .map(async_graphql::Value::Object)
    }

    fn complete_list(
        &mut self,
        ty: &'a Type,
        value: Val<'a>,
        fields: &[&'a Field],
    ) -> Result<async_graphql::Value, Bubble> {
        let items: Vec<Val<'a>> = match value {
            Val::World(Resolved::List(items)) => items
                .iter()
                .map(|item| Val::World(self.ctx.view.resolve(Some(item))))
                .collect(),
            Val::Items(items) => items,
            _ => {
                let message = format!("the world has a non-list value for the list type {ty}");
                return Err(self.error(message, fields));
            }
        };
        let item_type = ty.item_type();
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            self.path.push(ResponseDataPathSegment::ListIndex(index));
            let completed = self.complete(item_type, item, fields);
            self.path.pop();
            match completed {
                Ok(value) => out.push(value),
                Err(Bubble) if item_type.is_non_null() => return Err(Bubble),
                Err(Bubble) => out.push(async_graphql::Value::Null),
            }
        }
        Ok(async_graphql::Value::List(out))
    }

    /// Result coercion of a scalar or enum value from the world.
    fn complete_leaf(
        &mut self,
        type_name: &Name,
        value: &Value,
        fields: &[&'a Field],
    ) -> Result<async_graphql::Value, Bubble> {
        let fits = match (type_name.as_str(), value) {
            ("Int", Value::Number(number)) => number
                .as_i64()
                .is_some_and(|int| i32::try_from(int).is_ok()),
            ("Float", Value::Number(_)) | ("String", Value::String(_)) => true,
            ("Boolean", Value::Bool(_)) => true,
            ("ID", Value::String(_)) => true,
            ("ID", Value::Number(number)) => {
                return Ok(async_graphql::Value::String(number.to_string()));
            }
            ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
            (_, value) => match self.ctx.schema.schema.types.get(type_name) {
                Some(ExtendedType::Enum(enumeration)) => value
                    .as_str()
                    .is_some_and(|name| enumeration.values.contains_key(name)),
                _ => true,
            },
        };
        if !fits {
            let message = format!("the world has {value} for type {type_name}");
            return Err(self.error(message, fields));
        }
        let value = match value {
            Value::Number(number) if type_name == "Float" && !number.is_f64() => number
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| value.clone(), Value::Number),
            _ => value.clone(),
        };
        Ok(to_graphql(value))
    }

    /// Records a field error at the current path; its null bubbles.
    fn error(&mut self, message: String, fields: &[&'a Field]) -> Bubble {
        let mut error =
            GraphQLError::new(message, fields[0].name.location(), &self.document.sources);
        error.path = self.path.clone();
        self.errors.push(error);
        Bubble
    }
}

/// The object type of this subgraph that `object` is seen as where type `declared` is expected:
/// `declared` itself for an object type; for an abstract type, the object's `__typename`, or
/// else a possible type it stands for (an `@interfaceObject` type standing for its interface).
fn present(ctx: Ctx<'_>, object: &Map<String, Value>, declared: &Name) -> Result<Name, String> {
    if !ctx.schema.is_abstract(declared) {
        return Ok(declared.clone());
    }
    let Some(concrete) = data::typename(object) else {
        return Err(format!(
            "the world has an object without `__typename` for the abstract type {declared}"
        ));
    };
    let possible = ctx.schema.possible_types(declared);
    if let Some(found) = possible.iter().find(|name| name.as_str() == concrete) {
        return Ok((*found).clone());
    }
    if let Some(stand_in) = possible.iter().find(|name| ctx.view.is_a(object, name)) {
        return Ok((*stand_in).clone());
    }
    Err(if ctx.schema.schema.get_object(concrete).is_some() {
        format!("type {concrete} is not a possible type of {declared} here")
    } else {
        format!("type {concrete} unknown here")
    })
}

/// `_entities(representations:)`: each item is the world object of that type whose key fields
/// (one of this subgraph's resolvable keys) equal the representation's, or null.
fn entities<'a>(ctx: Ctx<'a>, arguments: &[(String, Value)]) -> Val<'a> {
    let representations = arguments
        .iter()
        .find(|(name, _)| name == "representations")
        .and_then(|(_, value)| value.as_array());
    match representations {
        Some(representations) => Val::Items(
            representations
                .iter()
                .map(|representation| entity(ctx, representation.clone()))
                .collect(),
        ),
        None => Val::Error("`representations` must be a list".to_owned()),
    }
}

fn entity(ctx: Ctx<'_>, representation: Value) -> Val<'_> {
    let Some(type_name) = representation.as_object().and_then(data::typename) else {
        return Val::Error(
            "a representation must be an object with a string `__typename`".to_owned(),
        );
    };
    let Some((type_name, keys)) = ctx.schema.keys.get_key_value(type_name) else {
        return Val::Error(format!(
            "type {type_name} is not an entity with a resolvable @key in this subgraph"
        ));
    };
    let usable: Vec<&SelectionSet> = keys
        .iter()
        .map(|key| &key.selection_set)
        .filter(|key| has_fields(&representation, key))
        .collect();
    if usable.is_empty() {
        return Val::Error(format!(
            "the representation of {type_name} has the fields of none of its keys here"
        ));
    }
    let found = ctx.view.objects().find(|object| {
        ctx.view.is_a(object, type_name)
            && usable
                .iter()
                .any(|key| data::covers(&representation, &Value::Object(project(ctx, object, key))))
    });
    let Some(object) = found else {
        return Val::World(Resolved::Null);
    };
    match present(ctx, object, type_name) {
        Ok(presented) => Val::Object(Obj {
            type_name: presented,
            kind: ObjKind::World {
                fields: object,
                representation: Some(representation),
            },
        }),
        Err(message) => Val::Error(message),
    }
}

/// Whether a representation has every field of a key (type conditions aside).
fn has_fields(value: &Value, set: &SelectionSet) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().all(|item| has_fields(item, set)),
        Value::Object(fields) => set.selections.iter().all(|selection| match selection {
            Selection::Field(field) => {
                fields
                    .get(field.response_key().as_str())
                    .is_some_and(|value| {
                        field.selection_set.selections.is_empty()
                            || has_fields(value, &field.selection_set)
                    })
            }
            Selection::InlineFragment(_) | Selection::FragmentSpread(_) => true,
        }),
        _ => set.selections.is_empty(),
    }
}

/// For a field with `@requires` here: the representation must carry every required field, with
/// the world's value. Outside `_entities` there is no representation, so nothing is provided.
fn check_requires(
    ctx: Ctx<'_>,
    type_name: &Name,
    field_name: &str,
    object: &Map<String, Value>,
    representation: Option<&Value>,
) -> Result<(), String> {
    let Some(required) = ctx
        .schema
        .requires
        .get(type_name)
        .and_then(|fields| fields.get(field_name))
    else {
        return Ok(());
    };
    let want = project(ctx, object, &required.selection_set);
    let nothing = Value::Object(Map::new());
    let got = representation.unwrap_or(&nothing);
    let order = response_keys(&required.selection_set);
    let wanted = || {
        order
            .iter()
            .filter_map(|name| Some((name, want.get(name)?)))
    };
    for (name, want) in wanted() {
        let missing = match got.get(name) {
            None => Some(name.clone()),
            Some(got) => data::first_missing(got, want, name),
        };
        if let Some(path) = missing {
            return Err(format!("`{path}` was not provided in the representation"));
        }
    }
    for (name, want) in wanted() {
        let got = got.get(name).unwrap_or(&Value::Null);
        if !data::covers(got, want) {
            return Err(format!(
                "`{name}` in the representation is {}, expected {}",
                data::render(&data::restrict(got, want)),
                data::render(want),
            ));
        }
    }
    Ok(())
}

/// The response keys of a selection set's fields, inline fragments included, in order, once.
fn response_keys(set: &SelectionSet) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for selection in &set.selections {
        let found = match selection {
            Selection::Field(field) => vec![field.response_key().to_string()],
            Selection::InlineFragment(inline) => response_keys(&inline.selection_set),
            Selection::FragmentSpread(_) => Vec::new(),
        };
        for key in found {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The world's values of a field set (`@key` or `@requires`) on `object`, keyed like a
/// representation; inline fragments count only where the object's type matches.
fn project(ctx: Ctx<'_>, object: &Map<String, Value>, set: &SelectionSet) -> Map<String, Value> {
    let mut out = Map::new();
    project_into(ctx, object, set, &mut out);
    out
}

fn project_into(
    ctx: Ctx<'_>,
    object: &Map<String, Value>,
    set: &SelectionSet,
    out: &mut Map<String, Value>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let value = if field.name == "__typename" {
                    Value::String(data::typename(object).unwrap_or(&set.ty).to_owned())
                } else {
                    let arguments = field_set_arguments(ctx, field);
                    let stored = data::field(object, &field.name, &arguments);
                    project_value(ctx, ctx.view.resolve(stored), &field.selection_set)
                };
                out.insert(field.response_key().to_string(), value);
            }
            Selection::InlineFragment(inline) => {
                let applies = inline.type_condition.as_ref().is_none_or(|condition| {
                    *condition == set.ty || ctx.view.is_a(object, condition)
                });
                if applies {
                    project_into(ctx, object, &inline.selection_set, out);
                }
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

fn project_value(ctx: Ctx<'_>, value: Resolved<'_>, set: &SelectionSet) -> Value {
    match value {
        Resolved::Null | Resolved::Error(_) => Value::Null,
        Resolved::Leaf(value) => value.clone(),
        Resolved::List(items) => Value::Array(
            items
                .iter()
                .map(|item| project_value(ctx, ctx.view.resolve(Some(item)), set))
                .collect(),
        ),
        Resolved::Object(object) if set.selections.is_empty() => Value::Object(object.clone()),
        Resolved::Object(object) => Value::Object(project(ctx, object, set)),
    }
}

/// A field-set field's arguments, coerced like a request's (defaults applied).
fn field_set_arguments(ctx: Ctx<'_>, field: &Field) -> Vec<(String, Value)> {
    let no_variables = Map::new();
    field
        .definition
        .arguments
        .iter()
        .filter_map(|definition| {
            let given = field
                .arguments
                .iter()
                .find(|argument| argument.name == definition.name)
                .map(|argument| &argument.value)
                .or(definition.default_value.as_ref())?;
            let json = data::literal(given, &no_variables);
            Some((
                definition.name.to_string(),
                ctx.schema.coerce_input(json, &definition.ty),
            ))
        })
        .collect()
}

fn to_serde(value: &JsonValue) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn to_graphql(value: Value) -> async_graphql::Value {
    async_graphql::Value::from_json(value).unwrap_or(async_graphql::Value::Null)
}

fn to_server_error(error: GraphQLError) -> async_graphql::ServerError {
    let mut server_error = async_graphql::ServerError::new(error.message, None);
    server_error.locations = error
        .locations
        .iter()
        .map(|location| async_graphql::Pos {
            line: location.line,
            column: location.column,
        })
        .collect();
    server_error.path = error
        .path
        .into_iter()
        .map(|segment| match segment {
            ResponseDataPathSegment::Field(name) => {
                async_graphql::PathSegment::Field(name.to_string())
            }
            ResponseDataPathSegment::ListIndex(index) => async_graphql::PathSegment::Index(index),
        })
        .collect();
    server_error
}
