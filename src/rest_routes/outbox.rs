//! `GET /pagos/outbox/estadisticas` (the old pagos service's outbox statistics): the event
//! flow of the pagos context — its outbox, inbox and bus — as its `/health` reports it,
//! open like `/health`.

use axum::{Json, Router, routing::get};
use sea_orm::DatabaseConnection;
use subgraph_kit::messaging::stats::{EventsProbe, report};

/// The route, reading `db` (the pagos database) and the bus `probe` sees.
pub(crate) fn router(db: DatabaseConnection, probe: EventsProbe) -> Router {
    Router::new().route(
        "/pagos/outbox/estadisticas",
        get(move || {
            let (db, probe) = (db.clone(), probe.clone());
            async move { Json(report(&db, Some(&probe)).await) }
        }),
    )
}
