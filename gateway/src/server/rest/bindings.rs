//! How a route's variables are read: a binding names a request value (path, query string,
//! header, JSON body) and the type it is given.

use chrono::{Duration, SecondsFormat, Utc};
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
    /// The key and value field names of an `entries` list (`clave`, `valor`).
    pub(super) fields: Option<(String, String)>,
    /// One of several sources of its variable (`query.fecha_desde | query.periodo:ago`):
    /// the first one the request gives wins, so none is required.
    pub(super) alternative: bool,
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
    /// A JSON object of texts as a list of key/value entries (`{"utm_source": "google"}` →
    /// `[{"clave": "utm_source", "valor": "google"}]` with `entries(clave,valor)`).
    Entries,
    /// A period back from now (`30d`: hours, days or weeks) as the instant it starts, a
    /// date-time (or a date with `ago(…,date)`), at most `max` back.
    Ago(Ago),
}

/// The bounds and output of a relative period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ago {
    /// The longest period accepted, in seconds.
    pub(super) max_seconds: i64,
    /// Whether it becomes a calendar date instead of a date-time.
    pub(super) date: bool,
}

impl Ago {
    /// The bound as written: days when whole days, otherwise hours.
    pub(super) fn bound(&self) -> String {
        if self.max_seconds % 86_400 == 0 {
            format!("{}d", self.max_seconds / 86_400)
        } else {
            format!("{}h", self.max_seconds / 3_600)
        }
    }
}

/// Longest period `ago` accepts without its own bound: a year.
const AGO_MAX_DEFAULT: &str = "365d";

/// `30d`, `12h`, `2w` → seconds; none for anything else (zero, another unit, overflow).
fn period_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: i64 = digits.parse().ok()?;
    let seconds = match unit.to_ascii_lowercase() {
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    (number >= 1).then(|| number.checked_mul(seconds)).flatten()
}

/// `ago`'s list: an optional bound (`90d`) and an optional `date`.
fn ago(spec: &str, list: Option<&str>) -> Result<Ago, String> {
    let mut ago = Ago {
        max_seconds: period_seconds(AGO_MAX_DEFAULT).unwrap_or(i64::MAX),
        date: false,
    };
    for item in list.unwrap_or_default().split(',').map(str::trim) {
        match item {
            "" => {}
            "date" => ago.date = true,
            bound => {
                ago.max_seconds = period_seconds(bound).ok_or_else(|| {
                    format!("{spec:?}: {bound:?} is not a period like 90d, 12h or 2w")
                })?;
            }
        }
    }
    Ok(ago)
}

/// `entries`'s list: the key and the value field names, two different ones.
fn entry_fields(spec: &str, list: Option<&str>) -> Result<(String, String), String> {
    let names: Vec<&str> = list.unwrap_or_default().split(',').map(str::trim).collect();
    match names.as_slice() {
        [key, value] if !key.is_empty() && !value.is_empty() && key != value => {
            Ok(((*key).to_owned(), (*value).to_owned()))
        }
        _ => Err(format!(
            "{spec:?}: entries names its key and value fields: entries(clave,valor)"
        )),
    }
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
    let (mut aliases, mut names, mut fields, mut period) = (Vec::new(), Vec::new(), None, None);
    match (kind, list) {
        // The names that make a flag true.
        ("oneof", Some(list)) => {
            names = list
                .split(',')
                .map(|v| v.trim().to_uppercase())
                .filter(|v| !v.is_empty())
                .collect();
        }
        ("entries", list) => fields = Some(entry_fields(spec, list)?),
        ("ago", list) => period = Some(ago(spec, list)?),
        (_, Some(list)) => aliases = self::aliases(spec, list)?,
        (_, None) => {}
    }
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
        "entries" if source == Source::Body => Kind::Entries,
        "ago" => Kind::Ago(match period {
            Some(period) => period,
            None => ago(spec, None)?,
        }),
        other => {
            return Err(format!(
                "{spec:?}: unknown type {other:?} (string, id, int, bool, decimal, enum, date, \
                 oneof(…), ago, and for bodies json and entries(…))"
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
        fields,
        alternative: false,
        default,
    })
}

/// A variable's bindings: one, or several separated by `|` (`query.fecha_desde |
/// query.periodo:ago`), tried in order; only the last may have a default.
pub(super) fn bindings(target: &str, spec: &str) -> Result<Vec<Binding>, String> {
    let parts: Vec<&str> = spec.split('|').map(str::trim).collect();
    let alternative = parts.len() > 1;
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let mut b = binding(target, part)?;
        if b.default.is_some() && i + 1 < parts.len() {
            return Err(format!(
                "{spec:?}: only the last alternative may have a default"
            ));
        }
        b.alternative = alternative;
        out.push(b);
    }
    Ok(out)
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
    /// The request parameter (or body field) it reads, as a caller names it.
    pub(super) fn parameter(&self) -> &str {
        if self.name.is_empty() {
            "body"
        } else {
            self.name.as_str()
        }
    }

    /// The variable's value, typed; the message for a caller who sent the wrong kind.
    pub(super) fn value(&self, raw: Raw<'_>) -> Result<Value, String> {
        let name = self.parameter();
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
            Kind::Entries => {
                let Raw::Json(data::Value::Object(map)) = raw else {
                    return Err(wrong("an object of texts"));
                };
                let (key, value) = self.fields.clone().unwrap_or_default();
                let mut entries = Vec::with_capacity(map.len());
                for (name, item) in map.iter() {
                    // Scalars as their text; an old client may send a number.
                    let text = match item {
                        data::Value::String(text) => text.to_string(),
                        data::Value::Number(number) => number.as_str().to_owned(),
                        data::Value::Bool(flag) => flag.to_string(),
                        _ => return Err(wrong("an object of texts")),
                    };
                    let mut entry = Map::new();
                    entry.insert(key.clone(), Value::String(name.to_string()));
                    entry.insert(value.clone(), Value::String(text));
                    entries.push(Value::Object(entry));
                }
                Value::Array(entries)
            }
            Kind::Ago(ago) => {
                // Checked arithmetic: a configured bound may be beyond the calendar.
                let since = text
                    .as_deref()
                    .and_then(period_seconds)
                    .filter(|seconds| *seconds <= ago.max_seconds)
                    .and_then(Duration::try_seconds)
                    .and_then(|period| Utc::now().checked_sub_signed(period))
                    .ok_or_else(|| {
                        wrong(&format!(
                            "a period back from now like 7d, 30d or 90d (h, d or w), at most {}",
                            ago.bound()
                        ))
                    })?;
                Value::String(if ago.date {
                    since.format("%Y-%m-%d").to_string()
                } else {
                    since.to_rfc3339_opts(SecondsFormat::Secs, true)
                })
            }
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
mod tests;
