//! Commissions created by hand with the seeds' options (type, percentage, discounts,
//! VAT), and calculation on request with `forzarRecalculo`: validated input, one
//! commission per conversion, events and audit trail, on SQLite and PostgreSQL.

mod common;

use anyhow::Result;
use common::*;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, bad_user_input, claims_de, error_code, on_both_backends};
use uuid::Uuid;

pub const CREAR: &str = "mutation($input: CrearComisionInput!) { crearComision(input: $input) {
  comision { id estado origen tipoComision porcentaje montoBase { valor moneda } baseCalculo { valor moneda }
    monto { valor moneda } configuracion { aplicarDescuentos incluirIva tasaIva descuentos { valor moneda } montoFijo { valor moneda } } } } }";

pub const CALCULAR: &str = "mutation($id: ID!, $forzar: Boolean!) { calcularComision(input: {id: $id, forzarRecalculo: $forzar}) {
  calculada comision { id estado porcentaje monto { valor moneda } } } }";

const AUDITORIA: &str =
    "query($id: ID!) { comision(id: $id) { auditoria { evento actor detalle } } }";

/// The seeds' `POST /comisiones` body, for this scenario's partner and campaign.
fn como_la_semilla(e: &Escenario, conversion: Uuid) -> Value {
    json!({ "input": {
        "afiliadoId": e.afiliado, "campaniaId": e.campania, "conversionId": conversion,
        "montoBase": { "valor": "250000", "moneda": "COP" },
        "tipoComision": "PORCENTUAL", "porcentaje": "15",
        "descuentos": { "valor": "12000", "moneda": "COP" },
        "configuracion": { "aplicarDescuentos": true, "incluirIva": false } } })
}

async fn estado(sg: &TestSubgraph) -> Result<(i64, usize)> {
    Ok((
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM comisiones").await?,
        testkit::outbox(&sg.db.db).await?.len(),
    ))
}

async fn a_commission_made_by_hand_follows_the_seeds_options(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let ana = claims_de("ana", "lectura escritura admin");
    let conversion = Uuid::now_v7();
    let body = sg
        .gql_as(Some(&ana), CREAR, como_la_semilla(&e, conversion))
        .await?;
    let comision = body["data"]["crearComision"]["comision"].clone();
    // (250000 − 12000) / 1.19 = 200000 COP without VAT; 15 % of it = 30000 COP.
    assert_eq!(
        json!({ "estado": comision["estado"], "origen": comision["origen"],
                "tipoComision": comision["tipoComision"], "porcentaje": comision["porcentaje"],
                "baseCalculo": comision["baseCalculo"], "monto": comision["monto"],
                "configuracion": comision["configuracion"] }),
        json!({ "estado": "CALCULADA", "origen": "MANUAL", "tipoComision": "PORCENTUAL",
                "porcentaje": "15", "baseCalculo": { "valor": "200000", "moneda": "COP" },
                "monto": { "valor": "30000", "moneda": "COP" },
                "configuracion": { "aplicarDescuentos": true, "incluirIva": false, "tasaIva": "19",
                    "descuentos": { "valor": "12000", "moneda": "COP" }, "montoFijo": null } }),
        "{body}"
    );
    let id = comision["id"].clone();
    let trail = sg.data(AUDITORIA, json!({ "id": id })).await?;
    assert_eq!(
        trail["comision"]["auditoria"],
        json!([
            { "evento": "ComisionCreada", "actor": "ana",
              "detalle": "manual: tipo=PORCENTUAL;porcentaje=15;montoFijo=-;descuentos=12000 COP;aplicarDescuentos=true;incluirIva=false;tasaIva=19" },
            { "evento": "ComisionCalculada", "actor": "ana",
              "detalle": "porcentaje 15%, base 200000 COP, monto 30000 COP" }
        ])
    );
    let eventos: Vec<(String, Value)> = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .filter(|(_, agregado, _)| json!(agregado) == id)
        .map(|(tipo, _, datos)| (tipo, datos))
        .collect();
    assert_eq!(
        eventos.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["ComisionCreada.v1", "ComisionCalculada.v1"]
    );
    assert_eq!(eventos[0].1["tipoComision"], "PORCENTUAL");
    assert_eq!(eventos[0].1["aplicarDescuentos"], true);
    assert_eq!(eventos[1].1["origen"], "MANUAL");
    assert_eq!(
        eventos[1].1["monto"],
        json!({ "valor": "30000", "moneda": "COP" })
    );

    // The same request again (a client's retry): the same commission, nothing written.
    let antes = estado(&sg).await?;
    let again = sg.data(CREAR, como_la_semilla(&e, conversion)).await?;
    assert_eq!(again["crearComision"]["comision"]["id"], id);
    assert_eq!(estado(&sg).await?, antes);
    // Another commission for the conversion: CONFLICT.
    let mut otra = como_la_semilla(&e, conversion);
    otra["input"]["porcentaje"] = json!("20");
    let body = sg.gql(CREAR, otra).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    // The conversion validated later makes no second commission.
    aplicar(
        &sg.db.db,
        &conversion_validada(
            conversion,
            e.afiliado,
            e.campania,
            "VENTA",
            ("250000", "COP"),
        ),
    )
    .await?;
    assert_eq!(estado(&sg).await?, antes);
    // A FIJA commission: its amount, whatever the base.
    let fija = sg
        .data(
            CREAR,
            json!({ "input": { "afiliadoId": e.afiliado, "campaniaId": e.campania,
                "conversionId": Uuid::now_v7(), "tipoConversion": "LEAD",
                "montoBase": { "valor": "80", "moneda": "USD" }, "tipoComision": "FIJA",
                "montoFijo": { "valor": "7.5", "moneda": "USD" } } }),
        )
        .await?;
    let fija = &fija["crearComision"]["comision"];
    assert_eq!(fija["porcentaje"], Value::Null);
    assert_eq!(fija["monto"], json!({ "valor": "7.50", "moneda": "USD" }));
    assert_eq!(
        fija["baseCalculo"],
        json!({ "valor": "80.00", "moneda": "USD" })
    );
    // It is approved and paid like any other.
    sg.data(APROBAR, json!({ "id": fija_id(fija) })).await?;
    let pago = sg
        .data(
            PAGAR,
            pagar_input("clave-manual-0001", e.afiliado, "CYCLE-M"),
        )
        .await?;
    assert_eq!(
        pago["pagar"]["pago"]["montoTotal"],
        json!({ "valor": "7.50", "moneda": "USD" })
    );
    sg.stop().await
}

fn fija_id(comision: &Value) -> Value {
    comision["id"].clone()
}

async fn bad_manual_commissions_write_nothing(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let eliminado = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &afiliado_eliminado(eliminado, 2, "BASICO", ("1", "USD")),
    )
    .await?;
    let base = como_la_semilla(&e, Uuid::now_v7());
    let con = |cambios: Value| {
        let mut v = base.clone();
        for (k, valor) in cambios.as_object().expect("object") {
            if valor.is_null() {
                v["input"]
                    .as_object_mut()
                    .expect("input")
                    .remove(k.as_str());
            } else {
                v["input"][k] = valor.clone();
            }
        }
        v
    };
    let antes = estado(&sg).await?;
    let casos: Vec<(Value, &str, &str)> = vec![
        (con(json!({ "porcentaje": null })), "porcentaje", "250000"),
        (con(json!({ "porcentaje": "0" })), "porcentaje", "250000"),
        (con(json!({ "porcentaje": "100.5" })), "porcentaje", "100.5"),
        (
            con(json!({ "porcentaje": "12.34567" })),
            "porcentaje",
            "12.34567",
        ),
        (
            con(json!({ "montoFijo": { "valor": "1", "moneda": "COP" } })),
            "montoFijo",
            "250000",
        ),
        (
            con(json!({ "tipoComision": "FIJA", "porcentaje": null })),
            "montoFijo",
            "250000",
        ),
        (
            con(
                json!({ "tipoComision": "FIJA", "porcentaje": null, "montoFijo": { "valor": "250001", "moneda": "COP" } }),
            ),
            "montoFijo",
            "250001",
        ),
        (
            con(json!({ "descuentos": { "valor": "1", "moneda": "USD" } })),
            "descuentos.moneda",
            "250000",
        ),
        (
            con(json!({ "descuentos": { "valor": "300000", "moneda": "COP" } })),
            "descuentos",
            "300000",
        ),
        (con(json!({ "descuentos": null })), "descuentos", "250000"),
        (
            con(json!({ "configuracion": { "aplicarDescuentos": false } })),
            "configuracion.aplicarDescuentos",
            "250000",
        ),
        (
            con(
                json!({ "configuracion": { "aplicarDescuentos": true, "incluirIva": false, "tasaIva": "120" } }),
            ),
            "configuracion.tasaIva",
            "120",
        ),
        (
            con(json!({ "montoBase": { "valor": "-5", "moneda": "COP" } })),
            "montoBase",
            "-5",
        ),
        (
            con(json!({ "montoBase": { "valor": "10.5", "moneda": "COP" } })),
            "montoBase",
            "10.5",
        ),
        (
            con(json!({ "afiliadoId": Uuid::now_v7() })),
            "afiliadoId",
            "250000",
        ),
        (
            con(json!({ "afiliadoId": eliminado })),
            "afiliadoId",
            "250000",
        ),
        (
            con(json!({ "campaniaId": Uuid::now_v7() })),
            "campaniaId",
            "250000",
        ),
    ];
    for (variables, campo, enviado) in casos {
        let body = sg.gql(CREAR, variables.clone()).await?;
        bad_user_input(&body, campo, enviado).map_err(|e| e.context(variables))?;
    }
    // Ids are checked like every id of the schema.
    let body = sg
        .gql(CREAR, con(json!({ "conversionId": "no-es-uuid" })))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "conversionId");
    assert_eq!(estado(&sg).await?, antes, "nothing written");
    sg.stop().await
}

async fn a_commission_is_calculated_again_only_when_forced(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let conversion = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(conversion, e.afiliado, e.campania, "VENTA", ("1000", "USD")),
    )
    .await?;
    let id = sg
        .data("{ comisiones { items { id porcentaje } } }", json!({}))
        .await?["comisiones"]["items"][0]["id"]
        .clone();
    // PREMIUM 12.5 % beats the campaign's 10 %: 125.00. The partner moves to BASICO (5 %).
    aplicar(
        &sg.db.db,
        &afiliado_actualizado(e.afiliado, 2, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    let ana = claims_de("ana", "lectura escritura admin");
    let no_forzada = sg
        .gql_as(Some(&ana), CALCULAR, json!({ "id": id, "forzar": false }))
        .await?;
    assert_eq!(
        no_forzada["data"]["calcularComision"],
        json!({ "calculada": false, "comision": { "id": id, "estado": "CALCULADA", "porcentaje": "12.5",
                "monto": { "valor": "125.00", "moneda": "USD" } } }),
        "{no_forzada}"
    );
    let forzada = sg
        .gql_as(Some(&ana), CALCULAR, json!({ "id": id, "forzar": true }))
        .await?;
    assert_eq!(
        forzada["data"]["calcularComision"],
        json!({ "calculada": true, "comision": { "id": id, "estado": "CALCULADA", "porcentaje": "10",
                "monto": { "valor": "100.00", "moneda": "USD" } } }),
        "{forzada}"
    );
    let recalculada = testkit::outbox(&sg.db.db)
        .await?
        .into_iter()
        .find(|(tipo, _, _)| tipo == "ComisionRecalculada.v1")
        .expect("ComisionRecalculada in the outbox");
    assert_eq!(recalculada.2["porcentajeAnterior"], "12.5");
    assert_eq!(
        recalculada.2["montoAnterior"],
        json!({ "valor": "125.00", "moneda": "USD" })
    );
    assert_eq!(
        recalculada.2["monto"],
        json!({ "valor": "100.00", "moneda": "USD" })
    );
    let trail = sg.data(AUDITORIA, json!({ "id": id })).await?;
    assert_eq!(
        trail["comision"]["auditoria"],
        json!([
            { "evento": "ComisionCalculada", "actor": "system",
              "detalle": "porcentaje 12.5%, base 1000.00 USD, monto 125.00 USD" },
            { "evento": "ComisionRecalculada", "actor": "ana",
              "detalle": "12.5%, 125.00 USD → porcentaje 10%, base 1000.00 USD, monto 100.00 USD" }
        ])
    );
    // A PENDIENTE commission waits for its rates: calculating it is a CONFLICT until they
    // arrive.
    let sin_campania = Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(
            Uuid::now_v7(),
            e.afiliado,
            sin_campania,
            "LEAD",
            ("10", "USD"),
        ),
    )
    .await?;
    let pendiente = sg
        .data(
            "{ comisiones(filtro: {estado: PENDIENTE}) { items { id } } }",
            json!({}),
        )
        .await?["comisiones"]["items"][0]["id"]
        .clone();
    let body = sg
        .gql(CALCULAR, json!({ "id": pendiente, "forzar": false }))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    // Approved: final, even forced.
    sg.data(APROBAR, json!({ "id": id })).await?;
    let antes = estado(&sg).await?;
    let body = sg
        .gql(CALCULAR, json!({ "id": id, "forzar": true }))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let body = sg
        .gql(CALCULAR, json!({ "id": Uuid::now_v7(), "forzar": true }))
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = sg
        .gql(CALCULAR, json!({ "id": "xyz", "forzar": true }))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "id");
    assert_eq!(estado(&sg).await?, antes, "nothing written");
    sg.stop().await
}

on_both_backends!(
    a_commission_made_by_hand_follows_the_seeds_options,
    bad_manual_commissions_write_nothing,
    a_commission_is_calculated_again_only_when_forced,
);
