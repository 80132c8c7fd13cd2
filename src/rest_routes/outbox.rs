//! `GET /pagos/outbox/estadisticas` (the old pagos service's outbox statistics): the event
//! flow of the pagos context — its outbox, inbox and bus — as its `/health` reports it,
//! open like `/health`. The launcher serves it next to the gateway in both modes (embedded:
//! [`router`] over the pagos database; deployed: [`remote_router`] from the pagos subgraph's
//! `/health`); [`route`] documents it in the gateway's `/spec`.

use axum::{Json, Router, routing::get};
use gateway::config::RestRoute;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use subgraph_kit::messaging::stats::{EventsProbe, report};

/// Where it is served.
const PATH: &str = "/pagos/outbox/estadisticas";

/// The route, reading `db` (the pagos database) and the bus `probe` sees.
pub(crate) fn router(db: DatabaseConnection, probe: EventsProbe) -> Router {
    Router::new().route(
        PATH,
        get(move || {
            let (db, probe) = (db.clone(), probe.clone());
            async move { Json(report(&db, Some(&probe)).await) }
        }),
    )
}

/// The same route where the gateway runs alone (deployed topology): the `events` part of
/// the pagos subgraph's own `/health` at `health_url` (open, like this route), or 503 with
/// the reason when it cannot be read.
pub(crate) fn remote_router(health_url: String) -> Router {
    let http = reqwest::Client::new();
    Router::new().route(
        PATH,
        get(move || {
            let (http, url) = (http.clone(), health_url.clone());
            async move {
                let unavailable = |why: String| {
                    let body = json!({ "error": format!("las estadísticas de pagos no están disponibles: {why}"), "code": "SERVICE_UNAVAILABLE" });
                    (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(body))
                };
                let health: Value = match http
                    .get(&url)
                    .timeout(std::time::Duration::from_secs(5))
                    .send()
                    .await
                {
                    Ok(response) => match response.json().await {
                        Ok(health) => health,
                        Err(error) => return unavailable(error.to_string()),
                    },
                    Err(error) => return unavailable(error.to_string()),
                };
                match health.get("events") {
                    Some(events) => (axum::http::StatusCode::OK, Json(events.clone())),
                    None => unavailable("su /health no informa del flujo de eventos".to_owned()),
                }
            }
        }),
    )
}

/// Its entry in the REST configuration: external (served above, not by an operation),
/// with the JSON Schema of its answer for `/spec`.
pub(crate) fn route() -> RestRoute {
    RestRoute {
        method: Some("GET".to_owned()),
        path: PATH.to_owned(),
        status: Some(200),
        external: true,
        response_schema: Some(schema().to_string()),
        ..RestRoute::default()
    }
}

/// The schema of `subgraph_kit::messaging::stats::EventsReport` as serialised.
fn schema() -> Value {
    let count = json!({ "type": "integer", "minimum": 0 });
    let maybe_count = json!({ "type": ["integer", "null"], "minimum": 0 });
    let maybe_seq = json!({ "type": ["integer", "null"] });
    let maybe_instant = json!({ "type": ["string", "null"], "format": "date-time" });
    json!({
        "type": "object",
        "required": ["status", "outbox", "inbox", "bus"],
        "properties": {
            "status": { "type": "string", "enum": ["up", "degraded"] },
            "notes": { "type": "array", "items": { "type": "string" } },
            "outbox": {
                "type": ["object", "null"],
                "required": ["backlog"],
                "properties": {
                    "backlog": count,
                    "oldestUnpublishedSeq": maybe_seq,
                    "oldestUnpublishedAgeMs": maybe_count,
                    "lastPublishedSeq": maybe_seq,
                    "lastPublishedAt": maybe_instant,
                    "relayLagMs": maybe_count,
                },
            },
            "inbox": { "type": "array", "items": {
                "type": "object",
                "required": ["consumer", "applied"],
                "properties": {
                    "consumer": { "type": "string" },
                    "applied": count,
                    "lastAppliedAt": maybe_instant,
                },
            } },
            "bus": {
                "type": ["object", "null"],
                "required": ["kind", "stream", "length", "groups"],
                "properties": {
                    "kind": { "type": "string" },
                    "stream": { "type": "string" },
                    "length": count,
                    "published": maybe_count,
                    "trimmed": maybe_count,
                    "groups": { "type": "array", "items": {
                        "type": "object",
                        "required": ["group", "consumers", "pending"],
                        "properties": {
                            "group": { "type": "string" },
                            "consumers": count,
                            "pending": count,
                            "lag": maybe_count,
                            "oldestUnackedAgeMs": maybe_count,
                        },
                    } },
                },
            },
        },
    })
}
