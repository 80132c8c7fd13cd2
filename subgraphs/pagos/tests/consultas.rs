//! Reads: reports switched between versions under load, payout lists with SQL
//! aggregates, and entity extensions loaded with one statement per `_entities` batch.

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use anyhow::{Context, Result};
use common::*;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, on_both_backends};
use uuid::Uuid;

const REPORTE: &str = "{ reportePagos { __typename version totalPagos totalMonto { valor moneda }
  ... on ReportePagosV2 { ticketPromedio { valor moneda } porEstado { estado cantidad } porCampania { campania { id } pagos monto { valor } } } } }";

/// Pays `n` payouts of a new partner (one commission of `valor` USD each).
async fn pagos_de(sg: &TestSubgraph, n: usize, valor: &str) -> Result<Escenario> {
    let e = Escenario::nuevo(sg, "1").await?;
    for i in 0..n {
        e.comision_aprobada(sg, valor, "USD").await?;
        sg.data(
            PAGAR,
            pagar_input(
                &format!("clave-{}-{i:03}", e.afiliado),
                e.afiliado,
                &format!("CYCLE-{i}"),
            ),
        )
        .await?;
        procesador(&sg.db.db, pasarela()).ronda().await?;
    }
    Ok(e)
}

/// Leaves one more payout of `e` PENDIENTE (call after every worker round).
async fn pendiente(sg: &TestSubgraph, e: &Escenario, valor: &str) -> Result<()> {
    e.comision_aprobada(sg, valor, "USD").await?;
    sg.data(
        PAGAR,
        pagar_input(
            &format!("clave-{}-pend", e.afiliado),
            e.afiliado,
            "CYCLE-PEND",
        ),
    )
    .await?;
    Ok(())
}

async fn reports_switch_version_under_load_without_a_failed_request(
    backend: Backend,
) -> Result<()> {
    let sg = Arc::new(start(backend).await?);
    let e = pagos_de(&sg, 3, "100").await?;
    pendiente(&sg, &e, "100").await?;
    let v1 = sg.data(REPORTE, json!({})).await?;
    assert_eq!(
        v1["reportePagos"],
        json!({ "__typename": "ReportePagosV1", "version": "V1", "totalPagos": 4,
                "totalMonto": [{ "valor": "50.00", "moneda": "USD" }] })
    );
    let parar = Arc::new(AtomicBool::new(false));
    let (ok, fallos) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clientes: Vec<_> = (0..8)
        .map(|_| {
            let (sg, parar, ok, fallos) = (sg.clone(), parar.clone(), ok.clone(), fallos.clone());
            tokio::spawn(async move {
                while !parar.load(Ordering::Relaxed) {
                    let bien = match sg.gql(REPORTE, json!({})).await {
                        Ok(body) => {
                            let r = &body["data"]["reportePagos"];
                            body.get("errors").is_none()
                                && match r["version"].as_str() {
                                    Some("V1") => {
                                        r["__typename"] == "ReportePagosV1"
                                            && r.get("porEstado").is_none()
                                    }
                                    Some("V2") => {
                                        r["__typename"] == "ReportePagosV2"
                                            && r["porEstado"].as_array().map(Vec::len) == Some(4)
                                    }
                                    _ => false,
                                }
                                && r["totalPagos"] == 4
                        }
                        Err(_) => false,
                    };
                    let contador = if bien { &ok } else { &fallos };
                    contador.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let cambiar =
        "mutation($v: VersionReporte!) { cambiarVersionReporte(input: {version: $v}) { version } }";
    // Each switch lands while the load runs: it waits for more answers, not for a time.
    let carga_avanza = |desde: usize| {
        let ok = ok.clone();
        testkit::eventually("more answers under load", move || {
            ok.load(Ordering::Relaxed) >= desde + 10
        })
    };
    for version in ["V2", "V1", "V2", "V1", "V2"] {
        carga_avanza(ok.load(Ordering::Relaxed)).await?;
        let data = sg.data(cambiar, json!({ "v": version })).await?;
        assert_eq!(data["cambiarVersionReporte"]["version"], version);
        // From the switch on, every answer is in the new version.
        let r = sg.data(REPORTE, json!({})).await?;
        assert_eq!(r["reportePagos"]["version"], version);
    }
    carga_avanza(ok.load(Ordering::Relaxed)).await?;
    parar.store(true, Ordering::Relaxed);
    for c in clientes {
        c.await?;
    }
    assert_eq!(
        fallos.load(Ordering::Relaxed),
        0,
        "no failed or mis-shaped request"
    );
    assert!(
        ok.load(Ordering::Relaxed) > 50,
        "the load ran: {}",
        ok.load(Ordering::Relaxed)
    );
    let v2 = sg.data(REPORTE, json!({})).await?["reportePagos"].clone();
    assert_eq!(
        v2["ticketPromedio"],
        json!([{ "valor": "12.50", "moneda": "USD" }])
    );
    let por_estado: Vec<(String, u64)> = v2["porEstado"]
        .as_array()
        .context("list")?
        .iter()
        .map(|e| {
            (
                e["estado"].as_str().unwrap_or_default().to_owned(),
                e["cantidad"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        por_estado,
        [
            ("PENDIENTE".to_owned(), 1),
            ("PROCESANDO".to_owned(), 0),
            ("EXITOSO".to_owned(), 3),
            ("FALLIDO".to_owned(), 0)
        ]
    );
    assert_eq!(
        v2["porCampania"],
        json!([{ "campania": { "id": e.campania }, "pagos": 4, "monto": [{ "valor": "50.00" }] }])
    );
    let version = sg.data("{ versionReporte }", json!({})).await?;
    assert_eq!(
        version["versionReporte"], "V2",
        "stored: every replica reads it"
    );
    let sg = Arc::try_unwrap(sg).ok().context("sole owner")?;
    sg.stop().await
}

async fn payout_lists_filter_and_aggregate_in_sql(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let a = pagos_de(&sg, 2, "80").await?; // 2 × 10.00 EXITOSO + 10.00 PENDIENTE
    let b = pagos_de(&sg, 1, "1000").await?; // 125.00 EXITOSO + 125.00 PENDIENTE
    pendiente(&sg, &a, "80").await?;
    pendiente(&sg, &b, "1000").await?;
    let q = "query($f: FiltroPagosInput, $p: Paginacion) { pagos(filtro: $f, paginacion: $p) {
      items { afiliado { id } estado montoTotal { valor } }
      paginacion { page perPage total pages hasNextPage }
      agregaciones { totalMonto { valor moneda } completados pendientes fallidos } } }";
    let todos = sg
        .data(q, json!({ "p": { "page": 1, "perPage": 2 } }))
        .await?["pagos"]
        .clone();
    assert_eq!(
        todos["paginacion"],
        json!({ "page": 1, "perPage": 2, "total": 5, "pages": 3, "hasNextPage": true })
    );
    assert_eq!(todos["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        todos["agregaciones"],
        json!({ "totalMonto": [{ "valor": "280.00", "moneda": "USD" }], "completados": 3, "pendientes": 2, "fallidos": 0 })
    );
    let de_a = sg
        .data(
            q,
            json!({ "f": { "afiliadoId": a.afiliado, "estado": "EXITOSO" } }),
        )
        .await?["pagos"]
        .clone();
    assert_eq!(de_a["paginacion"]["total"], 2);
    assert_eq!(
        de_a["agregaciones"]["totalMonto"],
        json!([{ "valor": "20.00", "moneda": "USD" }])
    );
    let grandes = sg
        .data(q, json!({ "f": { "montoMin": "100.001" } }))
        .await?["pagos"]
        .clone();
    assert_eq!(
        grandes["paginacion"]["total"], 2,
        "125.00 ≥ 100.001 (rounded up to 100.01)"
    );
    assert!(
        grandes["items"]
            .as_array()
            .context("list")?
            .iter()
            .all(|p| p["afiliado"]["id"] == json!(b.afiliado))
    );
    let rango = sg
        .data(q, json!({ "f": { "montoMin": "10", "montoMax": "10" } }))
        .await?["pagos"]
        .clone();
    assert_eq!(rango["paginacion"]["total"], 3);
    let invertido = sg
        .gql(q, json!({ "f": { "montoMin": "10", "montoMax": "1" } }))
        .await?;
    assert_eq!(error_code(&invertido), Some("BAD_USER_INPUT"));
    let grande = sg.gql(q, json!({ "p": { "perPage": 101 } })).await?;
    assert_eq!(error_code(&grande), Some("BAD_USER_INPUT"));
    sg.stop().await
}

async fn entity_extensions_take_one_statement_per_batch(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let mut afiliados = Vec::new();
    let mut campanias = Vec::new();
    let mut clientes = Vec::new();
    let mut escenarios = Vec::new();
    for _ in 0..6 {
        let e = pagos_de(&sg, 1, "100").await?;
        afiliados.push(json!({ "__typename": "Afiliado", "id": e.afiliado }));
        campanias.push(json!({ "__typename": "Campania", "id": e.campania }));
        clientes.push(json!({ "__typename": "Cliente", "id": e.cliente }));
        escenarios.push(e);
    }
    for e in &escenarios {
        pendiente(&sg, e, "100").await?;
    }
    let consulta = |campo: &str| {
        format!("query($r: [_Any!]!) {{ _entities(representations: $r) {{ __typename {campo} }} }}")
    };
    let casos: [(&str, &Vec<Value>); 6] = [
        (
            "... on Afiliado { pagos(limite: 5) { id estado } }",
            &afiliados,
        ),
        (
            "... on Afiliado { comisiones(estado: PAGADA) { id } }",
            &afiliados,
        ),
        (
            "... on Afiliado { saldoPendiente { valor moneda } }",
            &afiliados,
        ),
        ("... on Campania { comisiones { id estado } }", &campanias),
        ("... on Cliente { totalPagos }", &clientes),
        (
            "... on Cliente { ultimoPago { id } pagosRecientes(limite: 3) { id } }",
            &clientes,
        ),
    ];
    for (campo, representaciones) in casos {
        sg.db.statements.reset();
        let data = sg
            .data(&consulta(campo), json!({ "r": representaciones }))
            .await?;
        // Two fields, or a balance (commissions, then the clawbacks they carry): two.
        let esperadas = if campo.contains("ultimoPago") || campo.contains("saldoPendiente") {
            2
        } else {
            1
        };
        assert_eq!(sg.db.statements.get(), esperadas, "{campo}");
        assert_eq!(
            data["_entities"].as_array().map(Vec::len),
            Some(6),
            "{data}"
        );
    }
    let data = sg
        .data(
            &consulta("... on Cliente { totalPagos ultimoPago { estado montoTotal { valor } } pagosRecientes { estado } } ... on Afiliado { saldoPendiente { valor } comisiones { estado } pagos { estado } }"),
            json!({ "r": [clientes[0].clone(), afiliados[0].clone(), { "__typename": "Cliente", "id": Uuid::now_v7() }] }),
        )
        .await?;
    assert_eq!(
        data["_entities"],
        json!([
            { "__typename": "Cliente", "totalPagos": 1, "ultimoPago": { "estado": "EXITOSO", "montoTotal": { "valor": "12.50" } },
              "pagosRecientes": [{ "estado": "PENDIENTE" }, { "estado": "EXITOSO" }] },
            { "__typename": "Afiliado", "saldoPendiente": [{ "valor": "12.50" }],
              "comisiones": [{ "estado": "APROBADA" }, { "estado": "PAGADA" }],
              "pagos": [{ "estado": "PENDIENTE" }, { "estado": "EXITOSO" }] },
            { "__typename": "Cliente", "totalPagos": 0, "ultimoPago": null, "pagosRecientes": [] }
        ])
    );
    sg.stop().await
}

async fn payouts_are_found_by_cycle_key_or_confirmation_with_relevance(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let e = pagos_de(&sg, 2, "100").await?; // cycles CYCLE-0 and CYCLE-1, paid
    let buscar = "query($q: String!) { buscarPagos(q: $q) { relevancia pago { ciclo estado confirmacion } } }";
    let exacto = sg.data(buscar, json!({ "q": "cycle-1" })).await?["buscarPagos"].clone();
    assert_eq!(exacto[0]["relevancia"], 1.0, "{exacto}");
    assert_eq!(exacto[0]["pago"]["ciclo"], "CYCLE-1");
    let prefijo = sg.data(buscar, json!({ "q": "CYCLE" })).await?["buscarPagos"].clone();
    assert_eq!(prefijo.as_array().map(Vec::len), Some(2), "{prefijo}");
    assert!(
        prefijo
            .as_array()
            .context("list")?
            .iter()
            .all(|r| r["relevancia"] == 0.8)
    );
    let confirmacion = exacto[0]["pago"]["confirmacion"]
        .as_str()
        .context("confirmation")?
        .to_owned();
    let por_confirmacion =
        sg.data(buscar, json!({ "q": confirmacion })).await?["buscarPagos"].clone();
    assert_eq!(por_confirmacion[0]["pago"]["ciclo"], "CYCLE-1");
    let clave = sg
        .data(buscar, json!({ "q": e.afiliado.to_string() }))
        .await?["buscarPagos"]
        .clone();
    assert_eq!(
        clave.as_array().map(Vec::len),
        Some(2),
        "keys contain the partner id: {clave}"
    );
    assert!(
        clave
            .as_array()
            .context("list")?
            .iter()
            .all(|r| r["relevancia"] == 0.4)
    );
    let nada = sg.data(buscar, json!({ "q": "no-existe" })).await?["buscarPagos"].clone();
    assert_eq!(nada, json!([]));
    let vacio = sg.gql(buscar, json!({ "q": "  " })).await?;
    assert_eq!(error_code(&vacio), Some("BAD_USER_INPUT"));
    sg.stop().await
}

on_both_backends!(
    payouts_are_found_by_cycle_key_or_confirmation_with_relevance,
    reports_switch_version_under_load_without_a_failed_request,
    payout_lists_filter_and_aggregate_in_sql,
    entity_extensions_take_one_statement_per_batch,
);
