//! How a route's variables are read: a binding names a request value (path, query string,
//! header, JSON body) and the type it is given.

use serde_json::{Map, Value};

use crate::json as data;

/// Where a variable's value comes from, and its JSON type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Binding {
    /// Variable path (`paginacion.page`).
    pub(super) target: Vec<String>,
    pub(super) source: Source,
    pub(super) name: String,
    pub(super) kind: Kind,
    /// Enum values accepted under another name (`COMPLETED` → `EXITOSO`), upper case.
    pub(super) aliases: Vec<(String, String)>,
    /// The names that make a `oneof` flag true, upper case.
    pub(super) names: Vec<String>,
    /// The raw value used when the request gives none.
    pub(super) default: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    Path,
    Query,
    Header,
    /// A field of the JSON body (`name` is its dotted path; empty: the whole body).
    Body,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Int,
    Bool,
    /// A decimal sent as text (money).
    Decimal,
    /// An enum value: upper-cased (`fecha_registro` → `FECHA_REGISTRO`).
    Enum,
    /// A body value as it is (objects and lists included).
    Json,
    /// A calendar date: the date part of an ISO date-time (`1985-03-15T00:00:00`).
    Date,
    /// A flag: whether the value is one of a list (`oneof(cliente,all)`), in any case.
    OneOf,
}

/// Parses `query.page:int` (source, name, optional type), with an optional default
/// (`query.limit:int=5`) and, for enums, aliases (`query.estado:enum(COMPLETED=EXITOSO)`).
pub(super) fn binding(target: &str, spec: &str) -> Result<Binding, String> {
    let (location, typed) = spec.split_once(':').unwrap_or((spec, ""));
    let (typed, default) = match typed.rsplit_once('=') {
        // An `=` inside the aliases' parentheses is not a default.
        Some((head, value)) if !value.contains(')') => (head, Some(value.to_owned())),
        _ => (typed, None),
    };
    let (kind, list) = match typed.split_once('(') {
        Some((kind, list)) => {
            let list = list
                .strip_suffix(')')
                .ok_or_else(|| format!("{spec:?}: unclosed alias list"))?;
            (kind, Some(list))
        }
        None => (typed, None),
    };
    let (aliases, names) = match list {
        // The names that make a flag true.
        Some(list) if kind == "oneof" => (
            Vec::new(),
            list.split(',')
                .map(|v| v.trim().to_uppercase())
                .filter(|v| !v.is_empty())
                .collect(),
        ),
        Some(list) => (aliases(spec, list)?, Vec::new()),
        None => (Vec::new(), Vec::new()),
    };
    let (source, name) = match location.split_once('.') {
        Some(split) => split,
        None if location == "body" => ("body", ""),
        None => {
            return Err(format!(
                "{spec:?}: expected path.NAME, query.NAME, header.NAME, body.NAME or body"
            ));
        }
    };
    let source = match source {
        "path" => Source::Path,
        "query" => Source::Query,
        "header" => Source::Header,
        "body" => Source::Body,
        other => return Err(format!("{spec:?}: unknown source {other:?}")),
    };
    let kind = match kind {
        "" if source == Source::Body => Kind::Json,
        "" => Kind::String,
        "string" | "id" => Kind::String,
        "int" => Kind::Int,
        "bool" => Kind::Bool,
        "decimal" => Kind::Decimal,
        "enum" => Kind::Enum,
        "date" => Kind::Date,
        "oneof" if !names.is_empty() => Kind::OneOf,
        "json" if source == Source::Body => Kind::Json,
        other => {
            return Err(format!(
                "{spec:?}: unknown type {other:?} (string, id, int, bool, decimal, enum, date, oneof(…), json)"
            ));
        }
    };
    if !aliases.is_empty() && kind != Kind::Enum {
        return Err(format!("{spec:?}: only enum values take aliases"));
    }
    Ok(Binding {
        target: target.split('.').map(str::to_owned).collect(),
        source,
        name: name.to_owned(),
        kind,
        aliases,
        names,
        default,
    })
}

/// `OLD=NEW,OTHER=VALUE` → upper-cased pairs.
fn aliases(spec: &str, list: &str) -> Result<Vec<(String, String)>, String> {
    list.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (from, to) = pair
                .split_once('=')
                .ok_or_else(|| format!("{spec:?}: alias {pair:?} is not OLD=NEW"))?;
            Ok((from.trim().to_uppercase(), to.trim().to_uppercase()))
        })
        .collect()
}

/// A body value as a variable: integers stay numbers, other numbers become their text as
/// written (decimals: an old client's `1250.50` is money, which the schema takes as text).
fn variable(value: &data::Value) -> Value {
    match value {
        data::Value::Null => Value::Null,
        data::Value::Bool(flag) => Value::Bool(*flag),
        data::Value::Number(number) => number
            .as_i64()
            .map_or_else(|| Value::String(number.as_str().to_owned()), Value::from),
        data::Value::String(text) => Value::String(text.to_string()),
        data::Value::Array(items) => Value::Array(items.iter().map(variable).collect()),
        data::Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.to_string(), variable(value)))
                .collect(),
        ),
    }
}

/// A parameter's value before its type is applied: text (path, query, header, default)
/// or a value of the JSON body.
pub(super) enum Raw<'a> {
    Text(String),
    Json(&'a data::Value),
}

impl Binding {
    /// The variable's value, typed; the message for a caller who sent the wrong kind.
    pub(super) fn value(&self, raw: Raw<'_>) -> Result<Value, String> {
        let name = if self.name.is_empty() {
            "body"
        } else {
            self.name.as_str()
        };
        let text = match &raw {
            Raw::Text(text) => Some(text.trim().to_owned()),
            Raw::Json(data::Value::String(text)) => Some(text.to_string()),
            // Numbers keep the digits the caller wrote (money is never re-rounded).
            Raw::Json(data::Value::Number(number)) => Some(number.as_str().to_owned()),
            Raw::Json(data::Value::Bool(flag)) => Some(flag.to_string()),
            Raw::Json(_) => None,
        };
        let wrong = |expected: &str| format!("parameter {name:?} must be {expected}");
        Ok(match self.kind {
            Kind::Json => match raw {
                Raw::Json(value) => variable(value),
                Raw::Text(text) => Value::String(text),
            },
            // A list of enum values, each as an enum value.
            Kind::Enum if matches!(raw, Raw::Json(data::Value::Array(_))) => {
                let items = match raw {
                    Raw::Json(data::Value::Array(items)) => items.as_slice(),
                    _ => &[],
                };
                let values = items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(|text| Value::String(self.enum_value(text)))
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| wrong("a list of names"))?;
                Value::Array(values)
            }
            Kind::String | Kind::Decimal => Value::String(text.ok_or_else(|| wrong("text"))?),
            Kind::Enum => Value::String(self.enum_value(&text.ok_or_else(|| wrong("text"))?)),
            Kind::OneOf => {
                let text = text.ok_or_else(|| wrong("a name"))?.to_uppercase();
                Value::Bool(self.names.contains(&text))
            }
            Kind::Date => {
                let text = text.ok_or_else(|| wrong("a date"))?;
                let date = text.split(['T', ' ']).next().unwrap_or_default();
                Value::String(date.to_owned())
            }
            Kind::Int => text
                .and_then(|t| t.parse::<i64>().ok())
                .map(Value::from)
                .ok_or_else(|| wrong("an integer"))?,
            Kind::Bool => match text.as_deref() {
                Some("true" | "1") => Value::Bool(true),
                Some("false" | "0") => Value::Bool(false),
                _ => return Err(wrong("true or false")),
            },
        })
    }

    /// An enum value from a name in any case, or its alias.
    fn enum_value(&self, text: &str) -> String {
        let upper = text.trim().to_uppercase();
        self.aliases
            .iter()
            .find(|(from, _)| *from == upper)
            .map_or(upper, |(_, to)| to.clone())
    }
}

pub(super) fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use axum::http::{HeaderMap, StatusCode};
    use serde_json::{Value, json};

    use super::super::CompiledRoute;
    use super::*;
    use crate::config::RestRoute;

    #[test]
    fn parameters_bind_typed_and_nested() {
        let route = CompiledRoute::compile(&RestRoute {
            path: "/x/{id}".into(),
            operation: Some("query X { __typename }".into()),
            variables: [
                ("id", "path.id"),
                ("paginacion.page", "query.page:int"),
                ("paginacion.perPage", "query.per_page:int"),
                ("filtro.montoMin", "query.monto_min:decimal"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        let path = HashMap::from([("id".to_owned(), "abc".to_owned())]);
        let query = HashMap::from([
            ("page".to_owned(), "2".to_owned()),
            ("monto_min".to_owned(), "10.50".to_owned()),
        ]);
        let variables = route
            .variables(&path, &query, &HeaderMap::new(), None)
            .expect("bound");
        assert_eq!(
            Value::Object(variables),
            json!({ "id": "abc", "paginacion": { "page": 2 }, "filtro": { "montoMin": "10.50" } })
        );
        let bad = HashMap::from([("page".to_owned(), "dos".to_owned())]);
        assert!(
            route
                .variables(&path, &bad, &HeaderMap::new(), None)
                .is_err()
        );
        assert!(binding("x", "form.x").is_err());
        assert!(binding("x", "query.x:float").is_err());
    }

    #[test]
    fn enum_aliases_and_defaults_bind() {
        let route = CompiledRoute::compile(&RestRoute {
            path: "/x".into(),
            operation: Some("query X { __typename }".into()),
            variables: [
                (
                    "estado",
                    "query.estado:enum(COMPLETED=EXITOSO,failed=fallido)",
                ),
                ("limite", "query.limit:int=5"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        let bind = |pairs: &[(&str, &str)]| {
            let query = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Value::Object(
                route
                    .variables(&HashMap::new(), &query, &HeaderMap::new(), None)
                    .expect("bound"),
            )
        };
        assert_eq!(bind(&[]), json!({ "limite": 5 }));
        assert_eq!(
            bind(&[("estado", "completed"), ("limit", "2")]),
            json!({ "estado": "EXITOSO", "limite": 2 })
        );
        assert_eq!(bind(&[("estado", "Failed")])["estado"], "FALLIDO");
        assert_eq!(bind(&[("estado", "exitoso")])["estado"], "EXITOSO");
        assert!(
            binding("x", "query.x:int(A=B)").is_err(),
            "aliases are for enums"
        );
        assert!(binding("x", "query.x:enum(A=B").is_err());
        assert!(binding("x", "query.x:enum(AB)").is_err());
    }

    #[test]
    fn body_fields_bind_with_numbers_as_written() {
        let route = CompiledRoute::compile(&RestRoute {
            method: Some("post".into()),
            path: "/x".into(),
            operation: Some("mutation X { __typename }".into()),
            status: Some(201),
            variables: [
                ("input.nombre", "body.nombre"),
                ("input.monto", "body.pago.monto:decimal"),
                ("input.meta", "body.meta"),
                ("input.cuotas", "body.cuotas:int"),
                ("input.moneda", "body.moneda:enum=USD"),
                ("todo", "body"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(route.method, axum::http::Method::POST);
        assert_eq!(route.status, StatusCode::CREATED);
        let body = data::parse(
            br#"{"nombre":"Ana","pago":{"monto":1500.50},"meta":{"a":[1,2]},"cuotas":"3","moneda":null}"#,
        )
        .expect("json");
        let variables = route
            .variables(
                &HashMap::new(),
                &HashMap::new(),
                &HeaderMap::new(),
                Some(&body),
            )
            .expect("bound");
        assert_eq!(
            Value::Object(variables)["input"],
            json!({ "nombre": "Ana", "monto": "1500.50", "meta": { "a": [1, 2] }, "cuotas": 3,
                "moneda": "USD" })
        );
        let wrong = data::parse(br#"{"pago":{"monto":{"valor":1}}}"#).expect("json");
        assert!(
            route
                .variables(
                    &HashMap::new(),
                    &HashMap::new(),
                    &HeaderMap::new(),
                    Some(&wrong)
                )
                .is_err()
        );
        assert!(binding("x", "body.x:json").is_ok());
        assert!(
            binding("x", "query.x:json").is_err(),
            "only bodies carry JSON"
        );
    }
}
