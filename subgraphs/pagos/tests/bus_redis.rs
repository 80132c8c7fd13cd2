//! The deployed path: other contexts' events arrive over Redis Streams (duplicated, out
//! of order) and this context's own events leave through its relay to the same stream.

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use common::*;
use eventbus::{EventBus, RedisBus, RedisOptions};
use pagos::Pagos;
use serde_json::json;
use testkit::{Backend, on_both_backends};
use uuid::Uuid;

async fn redis() -> Result<RedisBus> {
    let url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let options = RedisOptions {
        stream: format!("test:pagos:{}", Uuid::new_v4().simple()),
        block: Duration::from_millis(100),
        ..RedisOptions::default()
    };
    RedisBus::connect(&url, options).await.with_context(|| {
        format!("Redis is required for the tests (TEST_REDIS_URL={url}); run .ci/run")
    })
}

async fn events_over_redis_are_applied_once_and_own_events_are_published(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let redis = Arc::new(redis().await?);
    let bus: Arc<dyn EventBus> = redis.clone();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let tasks = eventbus::start(&Pagos::with_config(config()), &sg.db.db, &bus, &stop).tasks;

    let (afiliado, campania, cliente, conversion) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let validada = conversion_validada(conversion, afiliado, campania, "VENTA", ("99.99", "EUR"));
    // The conversion first, ten times (one event id redelivered, and other ids), then the rates.
    for i in 0..10 {
        let evento = if i % 2 == 0 {
            validada.clone()
        } else {
            conversion_validada(conversion, afiliado, campania, "VENTA", ("99.99", "EUR"))
        };
        bus.publish(&evento).await?;
    }
    bus.publish(&campania_creada(campania, cliente, "2", "20"))
        .await?;
    bus.publish(&afiliado_registrado(
        afiliado,
        "BASICO",
        "ACTIVO",
        ("1", "EUR"),
    ))
    .await?;

    let consulta =
        "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) {
      ... on Conversion { comision { id estado monto { valor moneda } } } } }";
    let mut comision = json!(null);
    for _ in 0..250 {
        comision =
            sg.data(consulta, json!({ "id": conversion })).await?["_entities"][0]["comision"]
                .clone();
        if comision["estado"] == "CALCULADA" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The campaign's 20 % per sale beats BASICO's 5 %: 99.99 × 20 % = 19.998 → 20.00.
    assert_eq!(comision["estado"], "CALCULADA", "{comision}");
    assert_eq!(
        comision["monto"],
        json!({ "valor": "20.00", "moneda": "EUR" })
    );
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM comisiones").await?,
        1
    );

    // Approval leaves through the relay to the same stream (campanias consumes it there).
    let antes = redis.stream_len().await?;
    sg.data(APROBAR, json!({ "id": comision["id"] })).await?;
    let mut publicados = 0;
    for _ in 0..250 {
        publicados = count(
            &sg.db.db,
            "SELECT COUNT(*) AS n FROM event_outbox WHERE published_at IS NULL",
        )
        .await?;
        if publicados == 0 && redis.stream_len().await? > antes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(publicados, 0, "every outbox row relayed");
    assert!(redis.stream_len().await? > antes);
    stop_tx.send(true)?;
    for task in tasks {
        task.await?;
    }
    redis.delete_stream().await?;
    sg.stop().await
}

on_both_backends!(events_over_redis_are_applied_once_and_own_events_are_published);
