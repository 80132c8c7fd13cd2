//! `conversionRegistrada` over a real WebSocket (`graphql-transport-ws`): each recorded
//! conversion reaches the subscribers of its campaign or partner through the outbox, the
//! relay, the bus and this process's live events, and no one else's.

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use common::*;
use conversiones::Conversiones;
use eventbus::{EventBus, InProcessBus};
use serde_json::json;
use testkit::{Backend, TestSubgraph, WsClient, on_both_backends};
use uuid::Uuid;

const SUSCRIPCION: &str = "subscription($campania: ID, $afiliado: ID) {
  conversionRegistrada(campaniaId: $campania, afiliadoId: $afiliado) { id referenciaExterna campania { id } } }";

async fn conectar(sg: &TestSubgraph) -> Result<WsClient> {
    sg.ws_as(Some(&testkit::claims_admin())).await
}

async fn each_conversion_reaches_its_campaigns_subscribers(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut tasks = eventbus::start(&Conversiones, &sg.db.db, &bus, &stop).tasks;
    tasks.push(eventbus::feed_live(
        bus.clone(),
        sg.live.clone(),
        stop.clone(),
    ));

    let (afiliado, campania, otra) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let escuchando = sg.live.watchers();
    let mut de_campania = conectar(&sg).await?;
    de_campania
        .subscribe("c", SUSCRIPCION, json!({ "campania": campania }))
        .await?;
    let mut de_otra = conectar(&sg).await?;
    de_otra
        .subscribe("o", SUSCRIPCION, json!({ "campania": otra }))
        .await?;
    let mut de_ambos = conectar(&sg).await?;
    de_ambos
        .subscribe(
            "a",
            SUSCRIPCION,
            json!({ "campania": campania, "afiliado": afiliado }),
        )
        .await?;
    sg.until_watched_by(escuchando + 3).await?;

    for referencia in ["ORDER-LIVE-1", "ORDER-LIVE-2"] {
        let input = conversion_input(&afiliado.to_string(), &campania.to_string(), referencia);
        let body = sg.gql(&registrar_conversion(), input).await?;
        assert!(body.get("errors").is_none(), "{body}");
    }
    for client in [&mut de_campania, &mut de_ambos] {
        for referencia in ["ORDER-LIVE-1", "ORDER-LIVE-2"] {
            let pushed = client
                .next_payload(Duration::from_secs(10))
                .await?
                .context("conversion pushed")?;
            let conversion = &pushed["data"]["conversionRegistrada"];
            assert_eq!(conversion["referenciaExterna"], referencia, "{pushed}");
            assert_eq!(conversion["campania"]["id"], campania.to_string());
        }
    }
    assert_eq!(
        de_otra.next_payload(Duration::from_millis(500)).await?,
        None
    );

    // A duplicate (same reference, same body) records nothing new and pushes nothing.
    let input = conversion_input(&afiliado.to_string(), &campania.to_string(), "ORDER-LIVE-1");
    sg.gql(&registrar_conversion(), input).await?;
    assert_eq!(
        de_campania.next_payload(Duration::from_millis(500)).await?,
        None
    );

    stop_tx.send(true).ok();
    futures::future::join_all(tasks).await;
    sg.db.drop_db().await
}

async fn a_subscription_needs_a_campaign_or_a_partner(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let mut client = conectar(&sg).await?;
    client.subscribe("1", SUSCRIPCION, json!({})).await?;
    let answer = client
        .message(Duration::from_secs(10))
        .await?
        .context("an answer")?;
    // A resolver error: one result with the error, then the end.
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["errors"][0]["message"],
        "Indica la campaniaId o el afiliadoId"
    );
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let end = client
        .message(Duration::from_secs(10))
        .await?
        .context("complete")?;
    assert_eq!(end["type"], "complete", "{end}");
    sg.db.drop_db().await
}

on_both_backends!(
    each_conversion_reaches_its_campaigns_subscribers,
    a_subscription_needs_a_campaign_or_a_partner,
);
