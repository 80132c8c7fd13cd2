//! The subgraph enforces the authorization model itself (claims in `x-gateway-claims`):
//! money moves only for `escritura` + `admin`, payment data needs `pii` or `admin`, and
//! a partner user sees only its own commissions and payouts — whatever a caller sends
//! straight to the subgraph.

mod common;

use anyhow::Result;
use common::*;
use serde_json::json;
use testkit::{Backend, claims_afiliado, claims_de, error_code, on_both_backends};

/// Outbox rows of the subgraph's database.
async fn eventos(sg: &testkit::TestSubgraph) -> Result<usize> {
    Ok(testkit::outbox(&sg.db.db).await?.len())
}

async fn money_moves_only_for_admins(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let conversion = uuid::Uuid::now_v7();
    aplicar(
        &sg.db.db,
        &conversion_validada(conversion, e.afiliado, e.campania, "VENTA", ("100", "USD")),
    )
    .await?;
    let comision = sg
        .data("{ comisiones { items { id estado } } }", json!({}))
        .await?["comisiones"]["items"][0]["id"]
        .clone();
    let antes = eventos(&sg).await?;
    let operador = claims_de("operador", "lectura escritura");
    let lector = claims_de("lector", "lectura");
    let casos = [
        (APROBAR, json!({ "id": comision })),
        (
            "mutation($id: ID!) { rechazarComision(input: {id: $id, motivo: \"no\"}) { comision { id } } }",
            json!({ "id": comision }),
        ),
        (
            PAGAR,
            pagar_input("clave-autorizacion-01", e.afiliado, "CYCLE-A"),
        ),
        (
            "mutation { cambiarVersionReporte(input: {version: V2}) { version } }",
            json!({}),
        ),
        (
            "mutation($input: CrearComisionInput!) { crearComision(input: $input) { comision { id } } }",
            json!({ "input": { "afiliadoId": e.afiliado, "campaniaId": e.campania,
                "conversionId": uuid::Uuid::now_v7(), "montoBase": { "valor": "100", "moneda": "USD" },
                "porcentaje": "10" } }),
        ),
        (
            "mutation($id: ID!) { calcularComision(input: {id: $id, forzarRecalculo: true}) { calculada } }",
            json!({ "id": comision }),
        ),
    ];
    // A partner user never reviews or makes commissions, whatever scopes its token has.
    let mut socio = claims_afiliado(&e.afiliado.to_string());
    socio["scope"] = json!("lectura escritura admin");
    for (mutation, variables) in &casos {
        for (claims, code) in [
            (None, "UNAUTHENTICATED"),
            (Some(&lector), "FORBIDDEN"),
            (Some(&operador), "FORBIDDEN"),
            (Some(&socio), "FORBIDDEN"),
        ] {
            // `pagar` takes a partner user's own id (tested with the partner's rows).
            if claims == Some(&socio) && !mutation.contains("Comision(") {
                continue;
            }
            let body = sg.gql_as(claims, mutation, variables.clone()).await?;
            assert_eq!(error_code(&body), Some(code), "{mutation}: {body}");
        }
    }
    assert_eq!(eventos(&sg).await?, antes, "nothing written");
    let estado = sg
        .data(
            "query($id: ID!) { comision(id: $id) { estado } versionReporte }",
            json!({ "id": comision }),
        )
        .await?;
    assert_eq!(estado["comision"]["estado"], "CALCULADA");
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM comisiones").await?,
        1
    );
    assert_eq!(
        count(
            &sg.db.db,
            "SELECT COUNT(*) AS n FROM auditoria_comisiones WHERE actor <> 'system'"
        )
        .await?,
        0,
        "no audit line of a denied caller"
    );
    assert_eq!(estado["versionReporte"], "V1");
    // The admin may.
    let body = sg.gql(APROBAR, json!({ "id": comision })).await?;
    assert_eq!(
        body["data"]["aprobarComision"]["comision"]["estado"], "APROBADA",
        "{body}"
    );
    sg.stop().await
}

async fn a_partner_user_sees_only_its_own_money(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let propio = Escenario::nuevo(&sg, "1").await?;
    let otro = Escenario::nuevo(&sg, "1").await?;
    let comision_propia = propio.comision_aprobada(&sg, "100", "USD").await?;
    let comision_ajena = otro.comision_aprobada(&sg, "100", "USD").await?;
    let pago_propio = sg
        .data(
            PAGAR,
            pagar_input("clave-propia-0001", propio.afiliado, "CYCLE-P"),
        )
        .await?["pagar"]["pago"]["id"]
        .clone();
    let pago_ajeno = sg
        .data(
            PAGAR,
            pagar_input("clave-ajena-00001", otro.afiliado, "CYCLE-O"),
        )
        .await?["pagar"]["pago"]["id"]
        .clone();
    let socio = claims_afiliado(&propio.afiliado.to_string());
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($c: ID!) {
              pagos { paginacion { total } items { id } agregaciones { pendientes } }
              comisiones { paginacion { total } items { id } }
              exportarComisiones(formato: CSV) { filas }
              reportePagos { totalPagos }
              _entities(representations: [{__typename: "Campania", id: $c}]) {
                ... on Campania { comisiones { id } } } }"#,
            json!({ "c": otro.campania }),
        )
        .await?;
    assert!(body["errors"].is_null(), "{body}");
    let d = &body["data"];
    assert_eq!(d["pagos"]["paginacion"]["total"], 1, "{body}");
    assert_eq!(d["pagos"]["items"][0]["id"], pago_propio);
    assert_eq!(d["pagos"]["agregaciones"]["pendientes"], 1);
    assert_eq!(d["comisiones"]["paginacion"]["total"], 1);
    assert_eq!(d["comisiones"]["items"][0]["id"], comision_propia.as_str());
    assert_eq!(d["exportarComisiones"]["filas"], 1);
    assert_eq!(d["reportePagos"]["totalPagos"], 1);
    assert_eq!(
        d["_entities"][0]["comisiones"],
        json!([]),
        "another campaign's"
    );
    for (query, id) in [
        (
            "query($id: ID!) { pago(id: $id) { id } }",
            pago_ajeno.clone(),
        ),
        (
            "query($id: ID!) { comision(id: $id) { id } }",
            json!(comision_ajena),
        ),
    ] {
        let body = sg.gql_as(Some(&socio), query, json!({ "id": id })).await?;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{query}: {body}");
    }
    let body = sg
        .gql_as(
            Some(&socio),
            "query($a: ID!) { pagos(filtro: {afiliadoId: $a}) { items { id } } }",
            json!({ "a": otro.afiliado }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Pago { id } ... on Comision { id } } }"#,
            json!({ "r": [
                { "__typename": "Pago", "id": pago_ajeno },
                { "__typename": "Comision", "id": comision_ajena },
                { "__typename": "Pago", "id": pago_propio },
            ] }),
        )
        .await?;
    assert_eq!(
        body["data"]["_entities"],
        json!([null, null, { "id": pago_propio }]),
        "{body}"
    );
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($a: ID!) { _entities(representations: [{__typename: "Afiliado", id: $a}]) { ... on Afiliado { saldoPendiente { valor } } } }"#,
            json!({ "a": otro.afiliado }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Advertisers' payout figures span every partner: not for a partner user.
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($c: ID!) { _entities(representations: [{__typename: "Cliente", id: $c}]) { ... on Cliente { totalPagos } } }"#,
            json!({ "c": propio.cliente }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    sg.stop().await
}

async fn payment_data_needs_pii_or_admin(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let id = sg
        .data(
            PAGAR,
            pagar_input("clave-pii-000001", e.afiliado, "CYCLE-1"),
        )
        .await?["pagar"]["pago"]["id"]
        .clone();
    let query = "query($id: ID!) { pago(id: $id) { id metodoPago { mascara } } }";
    let body = sg
        .gql_as(
            Some(&claims_de("operador", "lectura escritura")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(body["data"]["pago"]["metodoPago"].is_null(), "{body}");
    let body = sg
        .gql_as(
            Some(&claims_de("a", "lectura pii")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        body["data"]["pago"]["metodoPago"]["mascara"], "****1234",
        "{body}"
    );
    sg.stop().await
}

on_both_backends!(
    money_moves_only_for_admins,
    a_partner_user_sees_only_its_own_money,
    payment_data_needs_pii_or_admin,
);
