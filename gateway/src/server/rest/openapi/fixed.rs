//! The documented paths no operation serves: the BFF health document and JSON metrics,
//! whose shapes the gateway itself makes, and the deployment's external routes, which
//! bring their own response schema. All of them are open (no token).

use serde_json::{Value, json};

use crate::config::{RestConfig, RestRoute};

/// One documented path and method, with its OpenAPI operation object.
#[derive(Clone, Debug)]
pub(crate) struct Fixed {
    /// The path (`/api/v1/health`).
    pub(crate) path: String,
    /// The method, lower case (`get`).
    pub(crate) method: String,
    /// The operation object.
    pub(crate) operation: Value,
}

/// The health document and metrics the configuration serves, if any.
pub(crate) fn documented(config: &RestConfig) -> Vec<Fixed> {
    let mut out = Vec::new();
    if let Some(path) = &config.health.path {
        out.push(Fixed {
            path: path.clone(),
            method: "get".into(),
            operation: open_operation(
                "get",
                path,
                "The old BFF's health document: every subgraph under its service name, and the caches.",
                &[
                    ("200", "Healthy or degraded", health_schema()),
                    ("503", "No service answers", health_schema()),
                ],
            ),
        });
    }
    if let Some(path) = &config.metrics.path {
        out.push(Fixed {
            path: path.clone(),
            method: "get".into(),
            operation: open_operation(
                "get",
                path,
                "The old BFF's JSON metrics: requests since start (count, errors, latency quantiles in ms), in all, per operation and per subgraph.",
                &[("200", "The metrics", metrics_schema())],
            ),
        });
    }
    out
}

/// An external route, with the schema its configuration gives.
pub(crate) fn external(route: &RestRoute, schema: Value) -> Fixed {
    let method = route
        .method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_lowercase();
    let status = route.status.unwrap_or(200).to_string();
    Fixed {
        path: route.path.clone(),
        operation: open_operation(
            &method,
            &route.path,
            "Served by the deployment itself.",
            &[(status.as_str(), "The answer", schema)],
        ),
        method,
    }
}

/// An operation without parameters or token, answering JSON of `schema` per status.
fn open_operation(
    method: &str,
    path: &str,
    summary: &str,
    responses: &[(&str, &str, Value)],
) -> Value {
    let responses: serde_json::Map<String, Value> = responses
        .iter()
        .map(|(status, description, schema)| {
            (
                (*status).to_owned(),
                json!({ "description": description,
                    "content": { "application/json": { "schema": schema } } }),
            )
        })
        .collect();
    json!({
        "operationId": super::operation_id(method, path),
        "summary": summary,
        "security": [],
        "responses": responses,
    })
}

fn counter() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

/// `server::health::bff_health`'s document.
fn health_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status", "timestamp", "version", "services", "cache"],
        "properties": {
            "status": { "type": "string", "enum": ["healthy", "degraded", "unhealthy"] },
            "timestamp": { "type": "string", "format": "date-time" },
            "version": { "type": "string" },
            "services": { "type": "object", "additionalProperties": {
                "type": "object",
                "required": ["status", "response_time_ms"],
                "properties": {
                    "status": { "type": "string", "enum": ["up", "degraded", "down"] },
                    "response_time_ms": counter(),
                    "note": { "type": "string" },
                },
            } },
            "cache": {
                "type": "object",
                "required": ["hits", "misses", "hit_rate"],
                "properties": {
                    "hits": counter(),
                    "misses": counter(),
                    "hit_rate": { "type": "number", "minimum": 0, "maximum": 1 },
                },
            },
        },
    })
}

/// One summary of `telemetry::metrics`: counts and latency quantiles (ms).
fn summary_schema() -> Value {
    let ms = json!({ "type": "number", "minimum": 0 });
    json!({
        "type": "object",
        "required": ["count", "errors", "rejected", "p50", "p95", "p99"],
        "properties": {
            "count": counter(), "errors": counter(), "rejected": counter(),
            "p50": ms, "p95": ms, "p99": ms,
        },
    })
}

/// `Metrics::summary`: the summary of everything, then per operation and per subgraph.
fn metrics_schema() -> Value {
    let mut schema = summary_schema();
    let by_name = json!({ "type": "object", "additionalProperties": summary_schema() });
    schema["properties"]["operations"] = by_name.clone();
    schema["properties"]["subgraphs"] = by_name;
    if let Some(required) = schema["required"].as_array_mut() {
        required.extend([json!("operations"), json!("subgraphs")]);
    }
    schema
}
