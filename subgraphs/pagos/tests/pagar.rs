//! Payout requests: idempotent under concurrent duplicates (database constraints),
//! validated before anything is written, currencies never mixed.

mod common;

use std::collections::HashSet;

use anyhow::{Context, Result};
use common::*;
use futures::future::join_all;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, error_message, on_both_backends};
use uuid::Uuid;

const CONCURRENTES: usize = 1000;

/// Sends `CONCURRENTES` `pagar` calls at once (one HTTP connection each at most, the
/// client's pool decides) and returns every payout id answered.
async fn a_la_vez(sg: &TestSubgraph, inputs: Vec<Value>) -> Result<Vec<String>> {
    let respuestas = join_all(inputs.into_iter().map(|input| sg.data(PAGAR, input))).await;
    respuestas
        .into_iter()
        .map(|r| {
            let data = r?;
            Ok(data["pagar"]["pago"]["id"]
                .as_str()
                .context("payout id")?
                .to_owned())
        })
        .collect()
}

async fn state(sg: &TestSubgraph) -> Result<(i64, i64, i64)> {
    let db = &sg.db.db;
    Ok((
        count(db, "SELECT COUNT(*) AS n FROM pagos").await?,
        count(
            db,
            "SELECT COUNT(*) AS n FROM comisiones WHERE pago_id IS NOT NULL",
        )
        .await?,
        count(db, "SELECT COUNT(*) AS n FROM event_outbox").await?,
    ))
}

async fn one_key_a_thousand_times_is_one_payout_and_one_charge(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    for _ in 0..3 {
        e.comision_aprobada(&sg, "100", "USD").await?;
    }
    let clave = Uuid::now_v7().to_string();
    let ids = a_la_vez(
        &sg,
        vec![pagar_input(&clave, e.afiliado, "CYCLE-2026-11"); CONCURRENTES],
    )
    .await?;
    let distintos: HashSet<_> = ids.iter().collect();
    assert_eq!(distintos.len(), 1, "every duplicate got the same payout");
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        1
    );

    let pasarela = pasarela();
    let worker = procesador(&sg.db.db, pasarela.clone());
    assert_eq!(worker.ronda().await?, 1);
    assert_eq!(worker.ronda().await?, 0, "nothing left to charge");
    assert_eq!(pasarela.cargos(), 1, "one charge at the provider");
    assert_eq!(pasarela.llamadas(&clave), 1);
    let pago = sg.data(PAGO, json!({ "id": ids[0] })).await?["pago"].clone();
    assert_eq!(pago["estado"], "EXITOSO");
    assert_eq!(
        pago["montoTotal"],
        json!({ "valor": "37.50", "moneda": "USD" })
    );
    assert!(
        pago["confirmacion"]
            .as_str()
            .is_some_and(|c| c.starts_with("SIM-"))
    );
    let estados: Vec<&str> = pago["comisiones"]
        .as_array()
        .context("list")?
        .iter()
        .filter_map(|c| c["estado"].as_str())
        .collect();
    assert_eq!(estados, ["PAGADA"; 3]);
    let tipos: Vec<&str> = pago["transacciones"]
        .as_array()
        .context("list")?
        .iter()
        .filter_map(|t| t["tipo"].as_str())
        .collect();
    assert_eq!(tipos, ["COMISION", "COMISION", "COMISION", "CARGO"]);
    let eventos: Vec<&str> = pago["auditoria"]
        .as_array()
        .context("list")?
        .iter()
        .filter_map(|a| a["evento"].as_str())
        .collect();
    assert_eq!(eventos, ["PagoSolicitado", "PagoProcesando", "PagoExitoso"]);
    let publicados: Vec<String> = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .map(|(tipo, _, _)| tipo)
        .filter(|t| t.starts_with("Pago"))
        .collect();
    assert_eq!(publicados, ["PagoSolicitado.v1", "PagoExitoso.v1"]);
    // Paid commissions never join another payout.
    let otra = sg
        .gql(
            PAGAR,
            pagar_input("otra-clave-0001", e.afiliado, "CYCLE-2026-12"),
        )
        .await?;
    assert_eq!(error_code(&otra), Some("BAD_USER_INPUT"), "{otra}");
    sg.stop().await
}

async fn a_thousand_keys_for_one_cycle_are_one_payout(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    e.comision_aprobada(&sg, "500", "USD").await?;
    let inputs = (0..CONCURRENTES)
        .map(|i| {
            pagar_input(
                &format!("clave-distinta-{i:05}"),
                e.afiliado,
                "CYCLE-2026-11",
            )
        })
        .collect();
    let ids = a_la_vez(&sg, inputs).await?;
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1);
    let (pagos, reservadas, eventos) = state(&sg).await?;
    assert_eq!((pagos, reservadas), (1, 1));
    let solicitados = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .filter(|(t, _, _)| t == "PagoSolicitado.v1")
        .count();
    assert_eq!(solicitados, 1, "{eventos} events in all");
    sg.stop().await
}

async fn a_reused_key_with_other_data_is_a_conflict(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "10").await?;
    e.comision_aprobada(&sg, "500", "USD").await?;
    let primero = sg
        .data(
            PAGAR,
            pagar_input("clave-reusada-01", e.afiliado, "CYCLE-2026-11"),
        )
        .await?;
    assert_eq!(primero["pagar"]["pago"]["estado"], "PENDIENTE");
    let mut otro = pagar_input("clave-reusada-01", e.afiliado, "CYCLE-2026-11");
    otro["input"]["metodoPago"]["mascara"] = json!("****9999");
    let body = sg.gql(PAGAR, otro).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert!(error_message(&body).is_some_and(|m| m.contains("clave-reusada-01")));
    // The same key and data again: the same payout.
    let again = sg
        .data(
            PAGAR,
            pagar_input("clave-reusada-01", e.afiliado, "CYCLE-2026-11"),
        )
        .await?;
    assert_eq!(again["pagar"]["pago"]["id"], primero["pagar"]["pago"]["id"]);
    sg.stop().await
}

async fn bad_requests_write_nothing(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "100").await?;
    e.comision_aprobada(&sg, "200", "USD").await?; // 25.00 USD, below the 100 USD minimum
    let suspendido = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &afiliado_registrado(suspendido, "BASICO", "SUSPENDIDO", ("1", "USD")),
    )
    .await?;
    let sin_comisiones = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &afiliado_registrado(sin_comisiones, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    let antes = state(&sg).await?;
    let casos: Vec<(Value, &str, Option<&str>, &str)> = vec![
        (
            pagar_input("clave-valida-001", Uuid::now_v7(), "CYCLE-1"),
            "NOT_FOUND",
            None,
            "Afiliado no encontrado",
        ),
        (
            pagar_input("clave-valida-002", suspendido, "CYCLE-1"),
            "BAD_USER_INPUT",
            Some("afiliadoId"),
            "SUSPENDIDO",
        ),
        (
            pagar_input("clave-valida-003", e.afiliado, "CYCLE-1"),
            "BAD_USER_INPUT",
            Some("afiliadoId"),
            "menor que el mínimo",
        ),
        (
            pagar_input("clave-valida-004", sin_comisiones, "CYCLE-1"),
            "BAD_USER_INPUT",
            Some("afiliadoId"),
            "no tiene comisiones aprobadas",
        ),
        (
            pagar_input("clave-valida-005", e.afiliado, "   "),
            "BAD_USER_INPUT",
            Some("ciclo"),
            "obligatorio",
        ),
        (
            pagar_input("mala clave!", e.afiliado, "CYCLE-1"),
            "BAD_USER_INPUT",
            Some("idempotencyKey"),
            "carácter no permitido",
        ),
        (
            pagar_input("corta", e.afiliado, "CYCLE-1"),
            "BAD_USER_INPUT",
            Some("idempotencyKey"),
            "entre 8 y 128",
        ),
        (
            pagar_input("clave-valida-006", e.afiliado, "CYCLE-1")
                .tap(|v| v["input"]["metodoPago"]["mascara"] = json!("4111111111111111")),
            "BAD_USER_INPUT",
            Some("metodoPago.mascara"),
            "últimos 4 dígitos",
        ),
        (
            pagar_input("clave-valida-007", e.afiliado, "CYCLE-1")
                .tap(|v| v["input"]["moneda"] = json!("EUR")),
            "BAD_USER_INPUT",
            Some("moneda"),
            "en EUR",
        ),
    ];
    for (input, code, campo, mensaje) in casos {
        let body = sg.gql(PAGAR, input.clone()).await?;
        assert_eq!(error_code(&body), Some(code), "{input}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["campo"].as_str(),
            campo,
            "{body}"
        );
        assert!(
            error_message(&body).is_some_and(|m| m.contains(mensaje)),
            "{mensaje}: {body}"
        );
        assert_eq!(state(&sg).await?, antes, "nothing written for {input}");
    }
    // Negative and float amounts in a filter are refused too.
    let negativo = sg
        .gql(
            "{ pagos(filtro: {montoMin: \"-1\"}) { items { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_code(&negativo), Some("BAD_USER_INPUT"));
    let flotante = sg
        .gql(
            "{ pagos(filtro: {montoMin: 1.5}) { items { id } } }",
            json!({}),
        )
        .await?;
    assert!(
        flotante["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("coma flotante")),
        "{flotante}"
    );
    sg.stop().await
}

async fn currencies_are_paid_separately(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    e.comision_aprobada(&sg, "0.10", "USD").await?;
    e.comision_aprobada(&sg, "1000000", "COP").await?;
    let saldo = "query($a: ID!) { _entities(representations: [{__typename: \"Afiliado\", id: $a}]) { ... on Afiliado { saldoPendiente { valor moneda } } } }";
    let data = sg.data(saldo, json!({ "a": e.afiliado })).await?;
    let mut monedas: Vec<String> = data["_entities"][0]["saldoPendiente"]
        .as_array()
        .context("list")?
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["valor"].as_str().unwrap_or(""),
                d["moneda"].as_str().unwrap_or("")
            )
        })
        .collect();
    monedas.sort();
    assert_eq!(monedas, ["12.51 USD", "125000 COP"]);
    let sin_moneda = sg
        .gql(PAGAR, pagar_input("clave-moneda-01", e.afiliado, "CYCLE-1"))
        .await?;
    assert_eq!(
        sin_moneda["errors"][0]["extensions"]["campo"], "moneda",
        "{sin_moneda}"
    );
    let mut usd = pagar_input("clave-moneda-02", e.afiliado, "CYCLE-1");
    usd["input"]["moneda"] = json!("USD");
    let pago = sg.data(PAGAR, usd).await?;
    assert_eq!(
        pago["pagar"]["pago"]["montoTotal"],
        json!({ "valor": "12.51", "moneda": "USD" })
    );
    let mut cop = pagar_input("clave-moneda-03", e.afiliado, "CYCLE-2");
    cop["input"]["moneda"] = json!("COP");
    let pago = sg.data(PAGAR, cop).await?;
    assert_eq!(
        pago["pagar"]["pago"]["montoTotal"],
        json!({ "valor": "125000", "moneda": "COP" })
    );
    sg.stop().await
}

async fn a_currency_the_provider_does_not_pay_is_refused(backend: Backend) -> Result<()> {
    let mut config = config();
    config.pasarela.monedas = vec![subgraph_kit::Moneda::Usd];
    let sg = TestSubgraph::start(&pagos::Pagos::with_config(config), backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100000", "COP").await?;
    let antes = state(&sg).await?;
    let body = sg
        .gql(PAGAR, pagar_input("clave-cop-00001", e.afiliado, "CYCLE-1"))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "moneda");
    assert!(
        error_message(&body).is_some_and(|m| m.contains("no admite pagos en COP")),
        "{body}"
    );
    assert_eq!(state(&sg).await?, antes);
    sg.stop().await
}

async fn the_audit_trail_names_the_caller_the_gateway_vouched_for(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", sg.base_url))
        .header(
            "x-gateway-claims",
            r#"{"sub":"tesorera","scope":"lectura escritura admin"}"#,
        )
        .json(&json!({ "query": PAGAR, "variables": pagar_input("clave-actor-0001", e.afiliado, "CYCLE-1") }))
        .send()
        .await?
        .json()
        .await?;
    let id = body["data"]["pagar"]["pago"]["id"].clone();
    let pago = sg.data(PAGO, json!({ "id": id })).await?;
    assert_eq!(pago["pago"]["auditoria"][0]["evento"], "PagoSolicitado");
    assert_eq!(pago["pago"]["auditoria"][0]["actor"], "tesorera");
    sg.stop().await
}

/// `value.tap(|v| …)`: edits a JSON value in an expression.
trait Tap {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}

async fn a_deleted_partner_is_never_paid(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let comision = e.comision_aprobada(&sg, "200", "USD").await?;
    // `afiliados` deletes the partner (version 2); a stale update delivered late (version
    // 1) never brings it back.
    assert!(
        aplicar(
            &sg.db.db,
            &afiliado_eliminado(e.afiliado, 2, "PREMIUM", ("1", "USD"))
        )
        .await?
    );
    assert!(
        aplicar(
            &sg.db.db,
            &afiliado_actualizado(e.afiliado, 1, "PREMIUM", "ACTIVO", ("1", "USD"))
        )
        .await?
    );
    let body = sg
        .gql(
            PAGAR,
            pagar_input("clave-eliminado-01", e.afiliado, "CYCLE-1"),
        )
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "afiliadoId");
    assert!(
        error_message(&body).is_some_and(|m| m.contains("ELIMINADO")),
        "{body}"
    );
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        0
    );
    // Its commission keeps its history: approved, owed, never paid.
    let data = sg
        .data(
            "query($id: ID!) { comision(id: $id) { estado pago { id } } }",
            json!({ "id": comision }),
        )
        .await?;
    assert_eq!(
        data["comision"],
        json!({ "estado": "APROBADA", "pago": null })
    );
    sg.stop().await
}

on_both_backends!(
    a_deleted_partner_is_never_paid,
    one_key_a_thousand_times_is_one_payout_and_one_charge,
    a_thousand_keys_for_one_cycle_are_one_payout,
    a_reused_key_with_other_data_is_a_conflict,
    bad_requests_write_nothing,
    currencies_are_paid_separately,
    a_currency_the_provider_does_not_pay_is_refused,
    the_audit_trail_names_the_caller_the_gateway_vouched_for,
);
