//! The event flow in `/health` and `/metrics` over real HTTP, on the in-process bus and
//! on Redis Streams, SQLite and PostgreSQL: consumer groups absent, then caught up, then
//! the relay's lag, then a backlog once the relay stops.

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result, ensure};
use common::*;
use eventbus::{EventBus, InProcessBus, RedisBus, RedisOptions};
use pagos::Pagos;
use serde_json::{Value, json};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::outbox,
    server::{self, with_events},
};
use testkit::{Backend, TestSubgraph};
use uuid::Uuid;

const GRUPOS: [&str; 3] = ["pagos.afiliados", "pagos.campanias", "pagos.comisiones"];

async fn redis() -> Result<RedisBus> {
    let url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let options = RedisOptions {
        stream: format!("test:pagos-stats:{}", Uuid::new_v4().simple()),
        block: Duration::from_millis(100),
        ..RedisOptions::default()
    };
    RedisBus::connect(&url, options).await.with_context(|| {
        format!("Redis is required for the tests (TEST_REDIS_URL={url}); run .ci/run")
    })
}

fn grupo<'a>(health: &'a Value, nombre: &str) -> Result<&'a Value> {
    health["events"]["bus"]["groups"]
        .as_array()
        .and_then(|groups| groups.iter().find(|g| g["group"] == nombre))
        .with_context(|| format!("no group {nombre} in {health}"))
}

async fn metrics(sg: &TestSubgraph) -> Result<String> {
    // Open like /health: no gateway credential, no claims.
    let response = reqwest::get(format!("{}/metrics", sg.base_url)).await?;
    ensure!(response.status() == 200, "{}", response.status());
    ensure!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        response.headers()
    );
    Ok(response.text().await?)
}

/// Polls `/health` until `ready` holds (at most 10 s).
async fn health_until(sg: &TestSubgraph, ready: impl Fn(&Value) -> bool) -> Result<Value> {
    let mut last = Value::Null;
    for _ in 0..500 {
        let (status, health) = sg.get("/health").await?;
        ensure!(status == 200, "{status} {health}");
        if ready(&health) {
            return Ok(health);
        }
        last = health;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::bail!("not reached: {last}")
}

async fn the_event_flow_is_reported(
    bus: Arc<dyn EventBus>,
    kind: &str,
    backend: Backend,
) -> Result<()> {
    let pagos = Pagos::with_config(config());
    let probe = eventbus::events_probe(&pagos, Some(&bus));
    let sg = TestSubgraph::start_with(&pagos, backend, |app| with_events(app, probe)).await?;

    // Before its consumers run: the groups are listed, without members.
    let (afiliado, campania, cliente, conversion) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    bus.publish(&conversion_validada(
        conversion,
        afiliado,
        campania,
        "VENTA",
        ("99.99", "EUR"),
    ))
    .await?;
    bus.publish(&campania_creada(campania, cliente, "2", "20"))
        .await?;
    bus.publish(&afiliado_registrado(
        afiliado,
        "BASICO",
        "ACTIVO",
        ("1", "EUR"),
    ))
    .await?;
    let (status, antes) = sg.get("/health").await?;
    ensure!(status == 200 && antes["status"] == "up", "{antes}");
    ensure!(antes["events"]["bus"]["kind"] == kind, "{antes}");
    ensure!(
        antes["events"]["bus"]["length"].as_u64() >= Some(3),
        "{antes}"
    );
    for nombre in GRUPOS {
        ensure!(grupo(&antes, nombre)?["consumers"] == 0, "{antes}");
    }
    ensure!(antes["events"]["outbox"]["backlog"] == 0, "{antes}");

    // Running: every group joins and catches up; the inbox counts what each applied.
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let tasks = eventbus::start(&pagos, &sg.db.db, &bus, &stop).tasks;
    let al_dia = health_until(&sg, |h| {
        GRUPOS.iter().all(|nombre| {
            grupo(h, nombre).is_ok_and(|g| {
                g["consumers"].as_u64() >= Some(1) && g["pending"] == 0 && g["lag"] == 0
            })
        }) && h["events"]["inbox"]
            .as_array()
            .is_some_and(|i| i.len() == 3)
    })
    .await?;
    ensure!(al_dia["events"]["status"] == "up", "{al_dia}");
    ensure!(
        GRUPOS
            .iter()
            .all(|nombre| grupo(&al_dia, nombre).is_ok_and(|g| g["oldestUnackedAgeMs"].is_null())),
        "{al_dia}"
    );
    let inbox = al_dia["events"]["inbox"].as_array().context("inbox")?;
    ensure!(
        inbox.iter().all(|c| c["applied"].as_u64() >= Some(1)),
        "{al_dia}"
    );

    // Its own event leaves through the relay: the last published row and its lag.
    let consulta =
        "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) {
      ... on Conversion { comision { id estado } } } }";
    let mut comision = Value::Null;
    for _ in 0..250 {
        comision =
            sg.data(consulta, json!({ "id": conversion })).await?["_entities"][0]["comision"]
                .clone();
        if comision["estado"] == "CALCULADA" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ensure!(comision["estado"] == "CALCULADA", "{comision}");
    sg.data(APROBAR, json!({ "id": comision["id"] })).await?;
    let publicado = health_until(&sg, |h| {
        h["events"]["outbox"]["backlog"] == 0
            && h["events"]["outbox"]["lastPublishedSeq"].is_number()
    })
    .await?;
    ensure!(
        publicado["events"]["outbox"]["relayLagMs"].is_u64(),
        "{publicado}"
    );
    ensure!(
        publicado["events"]["outbox"]["lastPublishedAt"].is_string(),
        "{publicado}"
    );

    let texto = metrics(&sg).await?;
    for linea in [
        "subgraph_up{subgraph=\"pagos\"} 1".to_owned(),
        "events_up{subgraph=\"pagos\"} 1".to_owned(),
        "events_outbox_backlog{subgraph=\"pagos\"} 0".to_owned(),
        format!(
            "events_consumer_group_pending{{subgraph=\"pagos\",group=\"{}\"}} 0",
            GRUPOS[2]
        ),
        format!(
            "events_consumer_group_lag{{subgraph=\"pagos\",group=\"{}\"}} 0",
            GRUPOS[0]
        ),
    ] {
        ensure!(
            texto.lines().any(|l| l == linea),
            "{linea} missing from\n{texto}"
        );
    }
    for nombre in [
        "events_outbox_relay_lag_seconds",
        "events_inbox_applied_total",
        "events_bus_stream_length",
    ] {
        ensure!(
            texto.lines().any(|l| l.starts_with(nombre)),
            "{nombre} missing from\n{texto}"
        );
    }

    // The relay stops: what is written waits in the outbox and shows.
    stop_tx.send(true)?;
    for task in tasks {
        task.await?;
    }
    let txn = sea_orm::TransactionTrait::begin(&sg.db.db).await?;
    let evento = EventEnvelope {
        id: Uuid::now_v7(),
        tipo: "Prueba.v1".into(),
        agregado_id: "x".into(),
        ocurrido_en: chrono::Utc::now(),
        datos: json!({}),
    };
    outbox::append(&txn, &[evento]).await?;
    txn.commit().await?;
    let (_, esperando) = sg.get("/health").await?;
    ensure!(esperando["events"]["outbox"]["backlog"] == 1, "{esperando}");
    ensure!(
        esperando["events"]["outbox"]["oldestUnpublishedAgeMs"].is_u64(),
        "{esperando}"
    );
    let texto = metrics(&sg).await?;
    ensure!(
        texto
            .lines()
            .any(|l| l == "events_outbox_backlog{subgraph=\"pagos\"} 1"),
        "{texto}"
    );
    sg.stop().await
}

async fn on_the_in_process_bus(backend: Backend) -> Result<()> {
    the_event_flow_is_reported(Arc::new(InProcessBus::default()), "in-process", backend).await
}

async fn on_redis_streams(backend: Backend) -> Result<()> {
    let redis = redis().await?;
    let result = the_event_flow_is_reported(Arc::new(redis.clone()), "redis", backend).await;
    redis.delete_stream().await.ok();
    result
}

testkit::on_both_backends!(on_the_in_process_bus, on_redis_streams);

#[tokio::test]
async fn without_a_probe_health_still_reports_the_outbox_and_metrics_stay_open_behind_the_secret() {
    let pagos = Pagos::with_config(config());
    let sg = TestSubgraph::start_with(&pagos, Backend::Sqlite, |app| {
        server::require_gateway_secret(app, "0123456789abcdef-secreto")
    })
    .await
    .expect("subgraph");
    let health: Value = reqwest::get(format!("{}/health", sg.base_url))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["events"]["outbox"]["backlog"], 0, "{health}");
    assert!(health["events"]["bus"].is_null(), "{health}");
    let metrics = reqwest::get(format!("{}/metrics", sg.base_url))
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 200);
    sg.stop().await.expect("stop");
}
