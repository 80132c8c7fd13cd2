//! `pagoActualizado` over a real WebSocket (`graphql-transport-ws`): a payout's state
//! changes reach its subscribers through the outbox, the relay, the bus and this
//! process's live events; other partners' subscribers hear nothing.

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use common::*;
use eventbus::{EventBus, InProcessBus};
use pagos::Pagos;
use serde_json::json;
use testkit::{Backend, TestSubgraph, WsClient, on_both_backends};
use uuid::Uuid;

const SUSCRIPCION: &str = "subscription($afiliado: ID, $id: ID) {
  pagoActualizado(afiliadoId: $afiliado, id: $id) { id estado ciclo montoTotal { valor moneda } } }";

const ESPERA: Duration = Duration::from_secs(10);

async fn conectar(sg: &TestSubgraph) -> Result<WsClient> {
    sg.ws_as(Some(&testkit::claims_admin())).await
}

async fn a_payout_pushes_each_state_change_to_its_subscribers(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut tasks = eventbus::start(&Pagos::with_config(config()), &sg.db.db, &bus, &stop).tasks;
    tasks.push(eventbus::feed_live(
        bus.clone(),
        sg.live.clone(),
        stop.clone(),
    ));

    let e = Escenario::nuevo(&sg, "10").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let otro = Escenario::nuevo(&sg, "10").await?;

    let escuchando = sg.live.watchers();
    let mut del_afiliado = conectar(&sg).await?;
    del_afiliado
        .subscribe("1", SUSCRIPCION, json!({ "afiliado": e.afiliado }))
        .await?;
    let mut de_otro = conectar(&sg).await?;
    de_otro
        .subscribe("1", SUSCRIPCION, json!({ "afiliado": otro.afiliado }))
        .await?;
    // Subscriptions start listening once the server handled `subscribe`.
    sg.until_watched_by(escuchando + 2).await?;

    let pagado = sg
        .data(
            PAGAR,
            pagar_input(&Uuid::now_v7().to_string(), e.afiliado, "CYCLE-LIVE"),
        )
        .await?;
    let id = pagado["pagar"]["pago"]["id"]
        .as_str()
        .context("payout id")?
        .to_owned();
    let solicitado = del_afiliado
        .next_payload(ESPERA)
        .await?
        .context("PENDIENTE pushed")?;
    // 12.5 %: the PREMIUM partner rate beats the campaign's 10 % on a 100 USD sale.
    assert_eq!(
        solicitado["data"]["pagoActualizado"],
        json!({ "id": id, "estado": "PENDIENTE", "ciclo": "CYCLE-LIVE",
                "montoTotal": { "valor": "12.50", "moneda": "USD" } })
    );

    // By payout id as well: the worker charges it.
    let mut por_id = conectar(&sg).await?;
    por_id
        .subscribe("7", SUSCRIPCION, json!({ "id": id }))
        .await?;
    sg.until_watched_by(escuchando + 3).await?;
    assert_eq!(procesador(&sg.db.db, pasarela()).ronda().await?, 1);
    for client in [&mut del_afiliado, &mut por_id] {
        let exitoso = client
            .next_payload(ESPERA)
            .await?
            .context("EXITOSO pushed")?;
        assert_eq!(exitoso["data"]["pagoActualizado"]["estado"], "EXITOSO");
        assert_eq!(exitoso["data"]["pagoActualizado"]["id"], id);
    }
    assert_eq!(
        de_otro.next_payload(Duration::from_millis(500)).await?,
        None,
        "another partner's subscriber hears nothing"
    );

    stop_tx.send(true).ok();
    futures::future::join_all(tasks).await;
    sg.db.drop_db().await
}

async fn a_subscription_without_a_filter_is_refused(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let mut client = conectar(&sg).await?;
    client.subscribe("1", SUSCRIPCION, json!({})).await?;
    // A resolver error: one result with the error, then the end.
    let answer = client.message(ESPERA).await?.context("an answer")?;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["errors"][0]["message"],
        "Indica el id del pago o el afiliadoId"
    );
    let end = client.message(ESPERA).await?.context("complete")?;
    assert_eq!(end, json!({ "type": "complete", "id": "1" }));
    client
        .subscribe("2", SUSCRIPCION, json!({ "id": "no-es-un-id" }))
        .await?;
    let answer = client.message(ESPERA).await?.context("an answer")?;
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer}"
    );
    sg.db.drop_db().await
}

on_both_backends!(
    a_payout_pushes_each_state_change_to_its_subscribers,
    a_subscription_without_a_filter_is_refused,
);
