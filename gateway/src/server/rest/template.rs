//! The answer template: picks values of the operation's data, maps lists, counts, sums,
//! compares, echoes parameters, or answers text.

use std::collections::HashMap;

use crate::json as data;

/// The value at `$.a.b.0.c` in `root` (null when absent).
pub(super) fn lookup<'a>(root: &'a data::Value, path: &str) -> &'a data::Value {
    const NULL: &data::Value = &data::Value::Null;
    let mut current = root;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        current = match current {
            data::Value::Object(map) => map.get(step).unwrap_or(NULL),
            data::Value::Array(items) => step
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .unwrap_or(NULL),
            _ => NULL,
        };
    }
    current
}

/// Fills a template: `"$.path"` strings take the value there; `{"$each": "$.list",
/// "$map": template}` maps every element (inside, `$.` is the element); `{"$count": t}` is
/// the length of the list `t` gives, `{"$sum": [t, …]}` the sum of integers, `{"$gt": [a,
/// b]}` whether integer `a` exceeds `b`, `{"$param": "q"}` the request's parameter (path
/// or query string); everything else is copied as is. A template `{"$body": t, "$type": t}`
/// answers the text `t` gives, with that content type, instead of JSON.
pub(super) fn render(
    template: &data::Value,
    root: &data::Value,
    params: &HashMap<String, String>,
) -> data::Value {
    use data::Value;
    match template {
        Value::String(s) => match s.strip_prefix("$.") {
            Some(path) => lookup(root, path).clone(),
            None if s == "$" => root.clone(),
            None => template.clone(),
        },
        Value::Object(map) => {
            if let Some(value) = operator(map, root, params) {
                return value;
            }
            if let (Some(Value::String(each)), Some(inner)) = (map.get("$each"), map.get("$map")) {
                let list = match each.strip_prefix("$.") {
                    Some(path) => lookup(root, path),
                    None => &Value::Null,
                };
                return Value::Array(
                    list.as_array()
                        .map(|items| {
                            items
                                .iter()
                                .map(|item| render(inner, item, params))
                                .collect()
                        })
                        .unwrap_or_default(),
                );
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), render(v, root, params)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render(v, root, params)).collect())
        }
        other => other.clone(),
    }
}

/// A one-key object naming an operator (`$count`, `$sum`, `$gt`, `$param`): its value.
fn operator(
    map: &data::Map,
    root: &data::Value,
    params: &HashMap<String, String>,
) -> Option<data::Value> {
    use data::Value;
    if map.len() != 1 {
        return None;
    }
    let (key, argument) = map.iter().next()?;
    let integer = |t: &Value| match render(t, root, params) {
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    let arguments = argument.as_array().map(Vec::as_slice);
    Some(match (key.as_str(), arguments) {
        ("$count", _) => {
            let list = render(argument, root, params);
            integer_value(list.as_array().map_or(0, Vec::len) as i64)
        }
        ("$sum", Some(terms)) => integer_value(terms.iter().filter_map(integer).sum::<i64>()),
        ("$gt", Some([a, b])) => match (integer(a), integer(b)) {
            (Some(a), Some(b)) => Value::Bool(a > b),
            _ => Value::Null,
        },
        ("$param", _) => argument
            .as_str()
            .and_then(|name| params.get(name))
            .map_or(Value::Null, |value| Value::from(value.as_str())),
        _ => return None,
    })
}

/// A shaped answer `{"$body": "text", "$type": "text/csv"}` (both rendered): the text
/// sent as it is, with that content type (default `text/plain`), not as JSON.
pub(super) fn raw_body(shaped: &data::Value) -> Option<(String, String)> {
    let map = shaped.as_object()?;
    let text = map.get("$body")?.as_str()?.to_owned();
    let content_type = map
        .get("$type")
        .and_then(data::Value::as_str)
        .unwrap_or("text/plain; charset=utf-8")
        .to_owned();
    Some((content_type, text))
}

/// An integer as a JSON number.
fn integer_value(n: i64) -> data::Value {
    data::Number::from_text(&n.to_string()).map_or(data::Value::Null, data::Value::Number)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn templates_pick_and_map_values() {
        let data = crate::json!({ "pagos": { "items": [
            { "id": "p1", "montoTotal": { "valor": "10.00", "moneda": "USD" } },
            { "id": "p2", "montoTotal": { "valor": "5", "moneda": "COP" } } ],
            "paginacion": { "total": 2 } } });
        let template = crate::json!({
            "data": { "$each": "$.pagos.items", "$map": { "id": "$.id", "monto": "$.montoTotal.valor", "fijo": 1 } },
            "pagination": { "total": "$.pagos.paginacion.total", "missing": "$.nope.x" },
            "first": "$.pagos.items.0.id",
        });
        assert_eq!(
            render(&template, &data, &HashMap::new()),
            crate::json!({
                "data": [{ "id": "p1", "monto": "10.00", "fijo": 1 }, { "id": "p2", "monto": "5", "fijo": 1 }],
                "pagination": { "total": 2, "missing": null },
                "first": "p1",
            })
        );
    }

    #[test]
    fn template_operators_count_sum_compare_and_echo() {
        let data = crate::json!({ "a": [1, 2, 3], "b": [], "page": 2 });
        let template = crate::json!({
            "count": { "$count": "$.a" },
            "missing": { "$count": "$.nope" },
            "total": { "$sum": [{ "$count": "$.a" }, { "$count": "$.b" }, 4] },
            "has_prev": { "$gt": ["$.page", 1] },
            "first": { "$gt": [1, "$.page"] },
            "query": { "$param": "q" },
            "absent": { "$param": "nope" },
            "kept": { "other": "$.page" },
        });
        let params = HashMap::from([("q".to_owned(), "Juan".to_owned())]);
        assert_eq!(
            render(&template, &data, &params),
            crate::json!({ "count": 3, "missing": 0, "total": 7, "has_prev": true,
                "first": false, "query": "Juan", "absent": null, "kept": { "other": 2 } })
        );
    }
}
