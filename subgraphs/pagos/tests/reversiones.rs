//! Payouts reversible: a conversion rejected after its commission was paid is clawed back
//! as a negative movement of the partner's next payout, once per conversion however often
//! the event comes, never making a payout negative (what is not covered is carried), and
//! given back when the payout that deducted it fails — on SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use anyhow::{Context, Result};
use common::*;
use futures::future::join_all;
use pagos::adapters::{OpcionesSimulador, PasarelaSimulada};
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, on_both_backends};
use uuid::Uuid;

const COMISION: &str = "query($id: ID!) { comision(id: $id) { id estado motivoRechazo pago { id }
  reversion { estado monto { valor } pendiente { valor } recuperado { valor } pagoOrigen { id estado } }
  auditoria { evento actor } } }";

/// A validated sale of `valor` USD, its commission approved: (conversion, commission).
async fn venta_aprobada(sg: &TestSubgraph, e: &Escenario, valor: &str) -> Result<(Uuid, Value)> {
    let conversion = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(conversion, e.afiliado, e.campania, "VENTA", (valor, "USD")),
    )
    .await?;
    let data = sg
        .data(
            "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) { ... on Conversion { comision { id } } } }",
            json!({ "id": conversion }),
        )
        .await?;
    let id = data["_entities"][0]["comision"]["id"].clone();
    sg.data(APROBAR, json!({ "id": id })).await?;
    Ok((conversion, id))
}

/// The partner's `saldoPendiente`.
async fn saldo(sg: &TestSubgraph, e: &Escenario) -> Result<Value> {
    let data = sg
        .data(
            "query($id: ID!) { _entities(representations: [{__typename: \"Afiliado\", id: $id}]) { ... on Afiliado { saldoPendiente { valor moneda } } } }",
            json!({ "id": e.afiliado }),
        )
        .await?;
    Ok(data["_entities"][0]["saldoPendiente"].clone())
}

/// Requests a payout of cycle `ciclo`; returns it.
async fn pagar(sg: &TestSubgraph, e: &Escenario, ciclo: &str) -> Result<Value> {
    Ok(sg
        .data(
            PAGAR,
            pagar_input(
                &format!("clave-{}-{ciclo}", e.afiliado.simple()),
                e.afiliado,
                ciclo,
            ),
        )
        .await?["pagar"]["pago"]
        .clone())
}

/// Runs the worker once with `pasarela`.
async fn procesar(sg: &TestSubgraph, pasarela: Arc<PasarelaSimulada>) -> Result<()> {
    procesador(&sg.db.db, pasarela).ronda().await?;
    Ok(())
}

/// A provider refusing every charge for good.
fn pasarela_que_rechaza() -> Arc<PasarelaSimulada> {
    Arc::new(PasarelaSimulada::new(OpcionesSimulador {
        tasa_rechazo: 100,
        ..config().pasarela
    }))
}

async fn pago(sg: &TestSubgraph, id: &Value) -> Result<Value> {
    Ok(sg.data(PAGO, json!({ "id": id })).await?["pago"].clone())
}

async fn comision(sg: &TestSubgraph, id: &Value) -> Result<Value> {
    Ok(sg.data(COMISION, json!({ "id": id })).await?["comision"].clone())
}

fn movimientos(pago: &Value) -> Vec<(String, String)> {
    pago["transacciones"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["tipo"] != "CARGO")
        .map(|t| {
            (
                t["tipo"].as_str().unwrap_or_default().to_owned(),
                t["monto"]["valor"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn par(tipo: &str, valor: &str) -> (String, String) {
    (tipo.to_owned(), valor.to_owned())
}

/// A sale of `valor` paid out in `ciclo`, then its conversion rejected: (commission id,
/// payout id).
async fn pagada_y_rechazada(
    sg: &TestSubgraph,
    e: &Escenario,
    valor: &str,
    ciclo: &str,
) -> Result<(Value, Value)> {
    let (conversion, id) = venta_aprobada(sg, e, valor).await?;
    let p = pagar(sg, e, ciclo).await?["id"].clone();
    procesar(sg, pasarela()).await?;
    assert_eq!(pago(sg, &p).await?["estado"], "EXITOSO");
    aplicar(
        &sg.db.db,
        &conversion_rechazada(conversion, e.afiliado, e.campania, "Contracargo"),
    )
    .await?;
    Ok((id, p))
}

async fn a_paid_commission_rejected_later_is_clawed_back_once(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let e = Escenario::nuevo(&sg, "1").await?;
    // PREMIUM 12.5 %: a 100 USD sale earns 12.50, paid in CYCLE-1.
    let (conversion, c1) = venta_aprobada(&sg, &e, "100").await?;
    let p1 = pagar(&sg, &e, "CYCLE-1").await?["id"].clone();
    procesar(&sg, pasarela()).await?;
    assert_eq!(pago(&sg, &p1).await?["estado"], "EXITOSO");
    // conversiones reverses the conversion: the event comes twice, and a second event
    // about the same conversion too.
    let rechazo = conversion_rechazada(conversion, e.afiliado, e.campania, "Contracargo");
    assert!(aplicar(db, &rechazo).await?);
    assert!(
        !aplicar(db, &rechazo).await?,
        "the inbox skips the duplicate"
    );
    assert!(
        aplicar(
            db,
            &conversion_rechazada(conversion, e.afiliado, e.campania, "Otra vez")
        )
        .await?
    );
    let revertida = comision(&sg, &c1).await?;
    assert_eq!(revertida["estado"], "RECHAZADA");
    assert_eq!(
        revertida["motivoRechazo"],
        "Conversión rechazada tras el pago: Contracargo"
    );
    assert_eq!(revertida["pago"]["id"], p1, "it was paid by CYCLE-1");
    assert_eq!(
        revertida["reversion"],
        json!({ "estado": "PENDIENTE", "monto": { "valor": "12.50" }, "pendiente": { "valor": "12.50" },
                "recuperado": { "valor": "0.00" }, "pagoOrigen": { "id": p1, "estado": "EXITOSO" } })
    );
    assert_eq!(
        revertida["auditoria"]
            .as_array()
            .and_then(|a| a.last())
            .cloned(),
        Some(json!({ "evento": "ComisionRevertida", "actor": "system" }))
    );
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM reversiones").await?, 1);
    let eventos = testkit::outbox(db).await?;
    let revertidas: Vec<&Value> = eventos
        .iter()
        .filter(|(tipo, _, _)| tipo == "ComisionRevertida.v1")
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(revertidas.len(), 1, "one reversal");
    assert_eq!(revertidas[0]["estadoAnterior"], "PAGADA");
    assert_eq!(revertidas[0]["pagoOrigenId"], p1);

    // The next payout deducts it: 25.00 earned, 12.50 paid.
    let (_, c2) = venta_aprobada(&sg, &e, "200").await?;
    let p2 = pagar(&sg, &e, "CYCLE-2").await?;
    assert_eq!(
        p2["montoTotal"],
        json!({ "valor": "12.50", "moneda": "USD" })
    );
    let detalle = pago(&sg, &p2["id"]).await?;
    assert_eq!(
        movimientos(&detalle),
        [par("COMISION", "25.00"), par("REVERSION", "-12.50")]
    );
    assert_eq!(
        detalle["comisiones"],
        json!([{ "id": c2, "estado": "APROBADA" }])
    );
    let solicitado = testkit::outbox(db)
        .await?
        .into_iter()
        .rev()
        .find(|(tipo, _, _)| tipo == "PagoSolicitado.v1")
        .context("PagoSolicitado")?;
    assert_eq!(
        solicitado.2["descuentos"],
        json!({ "valor": "12.50", "moneda": "USD" })
    );
    assert_eq!(solicitado.2["reversiones"], json!([c1]));
    assert_eq!(
        comision(&sg, &c1).await?["reversion"]["estado"],
        "RECUPERADA"
    );
    procesar(&sg, pasarela()).await?;
    assert_eq!(pago(&sg, &p2["id"]).await?["estado"], "EXITOSO");
    // Nothing more is deducted afterwards: never twice.
    venta_aprobada(&sg, &e, "80").await?;
    let p3 = pagar(&sg, &e, "CYCLE-3").await?;
    assert_eq!(
        p3["montoTotal"],
        json!({ "valor": "10.00", "moneda": "USD" })
    );
    assert_eq!(
        movimientos(&pago(&sg, &p3["id"]).await?),
        [par("COMISION", "10.00")]
    );
    sg.stop().await
}

async fn a_clawback_above_a_payout_is_carried_never_negative(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    // 50.00 paid, then clawed back.
    let (c1, _) = pagada_y_rechazada(&sg, &e, "400", "CYCLE-1").await?;
    // 12.50 earned: all of it goes to the clawback; the payout is 0.00, settled without
    // a charge, and 37.50 stay owed.
    venta_aprobada(&sg, &e, "100").await?;
    assert_eq!(
        saldo(&sg, &e).await?,
        json!([{ "valor": "0.00", "moneda": "USD" }]),
        "the balance is what the next payout carries"
    );
    let cobros = pasarela();
    let p2 = pagar(&sg, &e, "CYCLE-2").await?;
    assert_eq!(
        p2["montoTotal"],
        json!({ "valor": "0.00", "moneda": "USD" })
    );
    procesar(&sg, cobros.clone()).await?;
    let p2 = pago(&sg, &p2["id"]).await?;
    assert_eq!(p2["estado"], "EXITOSO");
    assert!(
        p2["confirmacion"]
            .as_str()
            .is_some_and(|c| c.starts_with("SIN-CARGO")),
        "{p2}"
    );
    assert_eq!(cobros.cargos(), 0, "nothing charged");
    assert_eq!(
        movimientos(&p2),
        [par("COMISION", "12.50"), par("REVERSION", "-12.50")]
    );
    let reversion = comision(&sg, &c1).await?["reversion"].clone();
    assert_eq!(reversion["estado"], "PENDIENTE");
    assert_eq!(reversion["pendiente"]["valor"], "37.50");
    assert_eq!(reversion["recuperado"]["valor"], "12.50");
    // 50.00 earned next: 37.50 deducted, 12.50 paid.
    venta_aprobada(&sg, &e, "400").await?;
    assert_eq!(
        saldo(&sg, &e).await?,
        json!([{ "valor": "12.50", "moneda": "USD" }])
    );
    let p3 = pagar(&sg, &e, "CYCLE-3").await?;
    assert_eq!(
        p3["montoTotal"],
        json!({ "valor": "12.50", "moneda": "USD" })
    );
    assert_eq!(
        movimientos(&pago(&sg, &p3["id"]).await?),
        [par("COMISION", "50.00"), par("REVERSION", "-37.50")]
    );
    assert_eq!(
        comision(&sg, &c1).await?["reversion"]["estado"],
        "RECUPERADA"
    );
    sg.stop().await
}

async fn a_failed_payout_gives_its_deduction_back(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let (c1, _) = pagada_y_rechazada(&sg, &e, "400", "CYCLE-1").await?;
    let (_, c2) = venta_aprobada(&sg, &e, "800").await?;
    let p2 = pagar(&sg, &e, "CYCLE-2").await?;
    assert_eq!(p2["montoTotal"]["valor"], "50.00");
    assert_eq!(
        comision(&sg, &c1).await?["reversion"]["pendiente"]["valor"],
        "0.00"
    );
    // The provider refuses it: its commission is payable again, and so is the clawback.
    procesar(&sg, pasarela_que_rechaza()).await?;
    assert_eq!(pago(&sg, &p2["id"]).await?["estado"], "FALLIDO");
    let liberada = comision(&sg, &c2).await?;
    assert_eq!(
        (&liberada["estado"], &liberada["pago"]),
        (&json!("APROBADA"), &Value::Null)
    );
    let reversion = comision(&sg, &c1).await?["reversion"].clone();
    assert_eq!(reversion["estado"], "PENDIENTE");
    assert_eq!(reversion["pendiente"]["valor"], "50.00");
    let p3 = pagar(&sg, &e, "CYCLE-3").await?;
    assert_eq!(p3["montoTotal"]["valor"], "50.00");
    assert_eq!(
        movimientos(&pago(&sg, &p3["id"]).await?),
        [par("COMISION", "100.00"), par("REVERSION", "-50.00")]
    );
    sg.stop().await
}

async fn a_commission_in_a_payout_being_charged_waits_for_its_outcome(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    // The payout fails: nothing was paid, nothing is owed.
    let e = Escenario::nuevo(&sg, "1").await?;
    let (conversion, c1) = venta_aprobada(&sg, &e, "400").await?;
    let p1 = pagar(&sg, &e, "CYCLE-1").await?["id"].clone();
    aplicar(
        db,
        &conversion_rechazada(conversion, e.afiliado, e.campania, "Fraude"),
    )
    .await?;
    let c = comision(&sg, &c1).await?;
    assert_eq!(c["estado"], "RECHAZADA");
    assert_eq!(c["reversion"]["estado"], "EN_ESPERA");
    procesar(&sg, pasarela_que_rechaza()).await?;
    assert_eq!(pago(&sg, &p1).await?["estado"], "FALLIDO");
    let c = comision(&sg, &c1).await?;
    assert_eq!(
        c["estado"], "RECHAZADA",
        "a refused commission is not released"
    );
    assert_eq!(c["reversion"]["estado"], "ANULADA");
    venta_aprobada(&sg, &e, "100").await?;
    let p2 = pagar(&sg, &e, "CYCLE-2").await?;
    assert_eq!(p2["montoTotal"]["valor"], "12.50", "nothing deducted");
    // The payout is paid: the clawback is owed from then on.
    let otro = Escenario::nuevo(&sg, "1").await?;
    let (conversion, c1) = venta_aprobada(&sg, &otro, "400").await?;
    let p1 = pagar(&sg, &otro, "CYCLE-1").await?["id"].clone();
    aplicar(
        db,
        &conversion_rechazada(conversion, otro.afiliado, otro.campania, "Fraude"),
    )
    .await?;
    assert_eq!(
        comision(&sg, &c1).await?["reversion"]["estado"],
        "EN_ESPERA"
    );
    procesar(&sg, pasarela()).await?;
    assert_eq!(pago(&sg, &p1).await?["estado"], "EXITOSO");
    let c = comision(&sg, &c1).await?;
    assert_eq!(
        c["estado"], "RECHAZADA",
        "the charge does not make it PAGADA"
    );
    assert_eq!(c["reversion"]["estado"], "PENDIENTE");
    venta_aprobada(&sg, &otro, "800").await?;
    let p2 = pagar(&sg, &otro, "CYCLE-2").await?;
    assert_eq!(p2["montoTotal"]["valor"], "50.00");
    sg.stop().await
}

async fn rejections_before_payment_owe_nothing(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let e = Escenario::nuevo(&sg, "1").await?;
    // Calculated, not approved: refused.
    let calculada = Uuid::now_v7();
    aplicar(
        db,
        &conversion_validada(calculada, e.afiliado, e.campania, "VENTA", ("100", "USD")),
    )
    .await?;
    aplicar(
        db,
        &conversion_rechazada(calculada, e.afiliado, e.campania, "Duplicada"),
    )
    .await?;
    // Approved, not in a payout: reversed, nothing owed.
    let (aprobada, c2) = venta_aprobada(&sg, &e, "100").await?;
    aplicar(
        db,
        &conversion_rechazada(aprobada, e.afiliado, e.campania, "Devolución"),
    )
    .await?;
    let c = comision(&sg, &c2).await?;
    assert_eq!(c["estado"], "RECHAZADA");
    assert_eq!(
        c["motivoRechazo"],
        "Conversión rechazada tras la aprobación: Devolución"
    );
    assert_eq!(c["reversion"], Value::Null);
    let eventos = testkit::outbox(db).await?;
    let tipos: Vec<&str> = eventos
        .iter()
        .filter(|(_, agregado, _)| json!(agregado) == c2)
        .map(|(tipo, _, _)| tipo.as_str())
        .collect();
    assert_eq!(
        tipos,
        [
            "ComisionCalculada.v1",
            "ComisionAprobada.v1",
            "ComisionRevertida.v1"
        ]
    );
    assert_eq!(
        eventos
            .iter()
            .filter(|(tipo, _, _)| tipo == "ComisionRechazada.v1")
            .count(),
        1,
        "the calculated one"
    );
    // Rejected before its commission exists (the two events through different consumers):
    // a late ConversionValidada creates none.
    let tardia = Uuid::now_v7();
    aplicar(
        db,
        &conversion_rechazada(tardia, e.afiliado, e.campania, "Fraude"),
    )
    .await?;
    aplicar(
        db,
        &conversion_validada(tardia, e.afiliado, e.campania, "VENTA", ("100", "USD")),
    )
    .await?;
    let data = sg
        .data(
            "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) { ... on Conversion { comision { id } } } }",
            json!({ "id": tardia }),
        )
        .await?;
    assert_eq!(data["_entities"][0]["comision"], Value::Null);
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM comisiones").await?, 2);
    assert_eq!(count(db, "SELECT COUNT(*) AS n FROM reversiones").await?, 0);
    // Nothing payable is left.
    let body = sg
        .gql(PAGAR, pagar_input("clave-nada-0001", e.afiliado, "CYCLE-X"))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    sg.stop().await
}

async fn concurrent_payout_requests_deduct_a_clawback_once(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let (c1, _) = pagada_y_rechazada(&sg, &e, "400", "CYCLE-0").await?;
    venta_aprobada(&sg, &e, "800").await?;
    let respuestas = join_all((0..20).map(|i| {
        let sg = &sg;
        let afiliado = e.afiliado;
        async move {
            sg.gql(
                PAGAR,
                pagar_input(
                    &format!("clave-carrera-{i:04}"),
                    afiliado,
                    &format!("CYCLE-R{i}"),
                ),
            )
            .await
        }
    }))
    .await;
    let aceptados: Vec<Value> = respuestas
        .into_iter()
        .map(|r| r.map(|body| body["data"]["pagar"]["pago"].clone()))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|p| !p.is_null())
        .collect();
    assert_eq!(aceptados.len(), 1, "one payout takes the commission");
    assert_eq!(aceptados[0]["montoTotal"]["valor"], "50.00");
    let db = &sg.db.db;
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) AS n FROM transacciones WHERE tipo = 'REVERSION'"
        )
        .await?,
        1
    );
    assert_eq!(
        comision(&sg, &c1).await?["reversion"]["pendiente"]["valor"],
        "0.00"
    );
    sg.stop().await
}

on_both_backends!(
    a_paid_commission_rejected_later_is_clawed_back_once,
    a_clawback_above_a_payout_is_carried_never_negative,
    a_failed_payout_gives_its_deduction_back,
    a_commission_in_a_payout_being_charged_waits_for_its_outcome,
    rejections_before_payment_owe_nothing,
    concurrent_payout_requests_deduct_a_clawback_once,
);
