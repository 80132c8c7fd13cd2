//! Per-entity errors in `_entities`, as the Federation spec shapes them.
//!
//! async-graphql fails a whole `_entities` batch when one entity resolver errs, and leaves the
//! item index out of error paths. When a batch answers with errors, each representation is
//! run alone and the answers are merged: failed items become `null`, errors get
//! `[<alias>, <index>, ...]` paths. Error-free batches are answered as they are. A request may
//! carry several aliased `_entities` fields, each with its own representations variable.

use async_graphql::{Name, PathSegment, Request, Response, Value, Variables};

/// Whether a variable holds representations: a list of objects that all have a `__typename`
/// (an empty list counts when some `_entities` field reads it).
fn is_representations(value: &Value) -> bool {
    matches!(value, Value::List(items) if items
        .iter()
        .all(|item| matches!(item, Value::Object(object) if object.contains_key("__typename"))))
}

/// The response key of the `_entities` field that reads `$variable`.
fn alias_of(query: &str, variable: &str) -> Option<String> {
    let call = format!("_entities(representations: ${variable})");
    let at = query.find(&call)?;
    let before = query[..at].trim_end();
    let Some(before) = before.strip_suffix(':') else {
        return Some("_entities".to_owned());
    };
    let alias: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some(alias.chars().rev().collect())
}

/// One representations variable and the response key of the field reading it.
struct Part {
    variable: Name,
    alias: String,
}

/// The parts of a request needed to run it again with other variables.
pub(crate) struct Replay {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    parts: Vec<Part>,
}

impl Replay {
    /// Keeps what is needed to split the request, if it carries representations.
    pub(crate) fn of(request: &Request) -> Option<Self> {
        // Only `_entities` queries are ever replayed: they have no side effects.
        if !request.query.contains("_entities") {
            return None;
        }
        let parts: Vec<Part> = request
            .variables
            .iter()
            .filter(|(_, value)| is_representations(value))
            .filter_map(|(name, _)| {
                alias_of(&request.query, name).map(|alias| Part {
                    variable: name.clone(),
                    alias,
                })
            })
            .collect();
        if parts.is_empty() {
            return None;
        }
        Some(Self {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            parts,
        })
    }

    /// One request per representation, in order: `(alias, index, request)`; the other
    /// parts' representations are empty in it.
    pub(crate) fn split(&self) -> Vec<(String, usize, Request)> {
        let mut out = Vec::new();
        for part in &self.parts {
            let Some(Value::List(items)) = self.variables.get(&part.variable) else {
                continue;
            };
            for (index, item) in items.iter().enumerate() {
                let mut variables = self.variables.clone();
                for other in &self.parts {
                    variables.insert(other.variable.clone(), Value::List(Vec::new()));
                }
                variables.insert(part.variable.clone(), Value::List(vec![item.clone()]));
                let mut request = Request::new(self.query.clone()).variables(variables);
                if let Some(operation_name) = &self.operation_name {
                    request = request.operation_name(operation_name.clone());
                }
                out.push((part.alias.clone(), index, request));
            }
        }
        out
    }

    /// Merges single-representation answers (as [`Replay::split`] ordered them) into one
    /// answer.
    pub(crate) fn merge(&self, singles: Vec<(String, usize, Response)>) -> Response {
        let mut data = async_graphql::indexmap::IndexMap::new();
        for part in &self.parts {
            data.insert(Name::new(&part.alias), Value::List(Vec::new()));
        }
        let mut errors = Vec::new();
        for (alias, index, single) in singles {
            let item = match single.data {
                Value::Object(mut found) => match found.shift_remove(alias.as_str()) {
                    Some(Value::List(mut list)) if list.len() == 1 => list.remove(0),
                    _ => Value::Null,
                },
                _ => Value::Null,
            };
            if let Some(Value::List(items)) = data.get_mut(alias.as_str()) {
                items.push(item);
            }
            for mut error in single.errors {
                if error.path.first() == Some(&PathSegment::Field(alias.clone())) {
                    match error.path.get_mut(1) {
                        Some(PathSegment::Index(at)) => *at = index,
                        _ => error.path.insert(1, PathSegment::Index(index)),
                    }
                }
                errors.push(error);
            }
        }
        let mut response = Response::new(Value::Object(data));
        response.errors = errors;
        response
    }
}
