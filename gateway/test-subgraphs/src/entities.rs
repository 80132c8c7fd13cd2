//! Per-entity errors in `_entities`, as the Federation spec shapes them.
//!
//! async-graphql fails a whole `_entities` batch when one entity resolver errs, and leaves the
//! item index out of error paths. When a batch answers with errors, each representation is
//! run alone and the answers are merged: failed items become `null`, errors get
//! `["_entities", <index>, ...]` paths. Error-free batches are answered as they are.

use async_graphql::{Name, PathSegment, Request, Response, Value, Variables};

/// The variable holding the representations: a list of objects that all have a `__typename`.
fn representations(variables: &Variables) -> Option<(&Name, &Vec<Value>)> {
    variables.iter().find_map(|(name, value)| match value {
        Value::List(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|item| matches!(item, Value::Object(object) if object.contains_key("__typename"))) =>
        {
            Some((name, items))
        }
        _ => None,
    })
}

/// The parts of a request needed to run it again with other variables.
pub(crate) struct Replay {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
}

impl Replay {
    /// Keeps what is needed to split the request, if it carries representations.
    pub(crate) fn of(request: &Request) -> Option<Self> {
        // Only `_entities` queries are ever replayed: they have no side effects.
        if !request.query.contains("_entities") {
            return None;
        }
        representations(&request.variables)?;
        Some(Self {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
        })
    }

    /// One request per representation, in order.
    pub(crate) fn split(&self) -> Vec<Request> {
        let Some((name, items)) = representations(&self.variables) else {
            return Vec::new();
        };
        items
            .iter()
            .map(|item| {
                let mut variables = self.variables.clone();
                variables.insert(name.clone(), Value::List(vec![item.clone()]));
                let mut request = Request::new(self.query.clone()).variables(variables);
                if let Some(operation_name) = &self.operation_name {
                    request = request.operation_name(operation_name.clone());
                }
                request
            })
            .collect()
    }
}

/// Merges single-representation answers into one `_entities` answer.
pub(crate) fn merge(singles: Vec<Response>) -> Response {
    let mut items = Vec::with_capacity(singles.len());
    let mut errors = Vec::new();
    for (index, single) in singles.into_iter().enumerate() {
        let item = match single.data {
            Value::Object(mut data) => match data.shift_remove("_entities") {
                Some(Value::List(mut list)) if list.len() == 1 => list.remove(0),
                _ => Value::Null,
            },
            _ => Value::Null,
        };
        items.push(item);
        for mut error in single.errors {
            if error.path.first() == Some(&PathSegment::Field("_entities".to_owned())) {
                match error.path.get_mut(1) {
                    Some(PathSegment::Index(at)) => *at = index,
                    _ => error.path.insert(1, PathSegment::Index(index)),
                }
            }
            errors.push(error);
        }
    }
    let mut data = async_graphql::indexmap::IndexMap::new();
    data.insert(Name::new("_entities"), Value::List(items));
    let mut response = Response::new(Value::Object(data));
    response.errors = errors;
    response
}
