//! The subgraph enforces the authorization model itself (claims in `x-gateway-claims`):
//! the collector takes a partner's API key instead of a token, conversions are a partner
//! user's only when they are its own, the end customer's data needs `pii` or `admin`, and
//! subscriptions need `lectura`.

mod common;

use std::time::Duration;

use anyhow::Result;
use common::*;
use conversiones::Conversiones;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, claims_afiliado, claims_de, error_code, on_both_backends};
use uuid::Uuid;

const EMITIR: &str = "mutation($a: ID!) { emitirClaveApi(input: {afiliadoId: $a}) { clave prefijo afiliadoId emitidaEn } }";

/// Events in the collector's table.
async fn eventos(sg: &TestSubgraph) -> Result<i64> {
    count(sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await
}

/// `registrarEvento` for `afiliado` with this API key and no claims.
async fn con_clave(
    sg: &TestSubgraph,
    clave: &str,
    afiliado: &str,
    campania: &str,
) -> Result<Value> {
    sg.gql_with_headers(
        &[(subgraph_kit::server::API_KEY_HEADER, clave.to_owned())],
        REGISTRAR_EVENTO,
        evento_input("CLICK", afiliado, campania),
    )
    .await
}

async fn the_collector_takes_a_partners_api_key_instead_of_a_token(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (afiliado, otro, campania) = (
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
    );
    // Issuing keys is an admin action.
    let body = sg
        .gql_as(
            Some(&claims_de("operador", "lectura escritura")),
            EMITIR,
            json!({ "a": afiliado }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let emitida = sg.data(EMITIR, json!({ "a": afiliado })).await?["emitirClaveApi"].clone();
    let clave = emitida["clave"].as_str().unwrap_or_default().to_owned();
    assert!(
        clave.starts_with("ak_") && clave.starts_with(emitida["prefijo"].as_str().unwrap_or("?"))
    );
    assert_eq!(emitida["afiliadoId"], afiliado.as_str());
    // Stored as a digest: the key itself is nowhere in the database.
    let guardadas = count(
        &sg,
        &format!(
            "SELECT COUNT(*) AS n FROM claves_api WHERE digest = '{clave}' OR prefijo = '{clave}'"
        ),
    )
    .await?;
    assert_eq!(guardadas, 0);
    assert!(
        outbox(&sg)
            .await?
            .iter()
            .all(|(_, _, datos)| !datos.to_string().contains(&clave)),
        "the key is in no event"
    );

    // The key alone records the partner's events.
    let body = con_clave(&sg, &clave, &afiliado, &campania).await?;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(eventos(&sg).await?, 1);
    // Refused, and nothing stored: another partner's events, a wrong key, no key at all.
    let body = con_clave(&sg, &clave, &otro, &campania).await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let falsa = format!("ak_{}", "x".repeat(40));
    for incorrecta in [falsa.as_str(), "no-es-una-clave", &clave[..clave.len() - 1]] {
        let body = con_clave(&sg, incorrecta, &afiliado, &campania).await?;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "{incorrecta}: {body}"
        );
    }
    let body = sg
        .gql_as(
            None,
            REGISTRAR_EVENTO,
            evento_input("CLICK", &afiliado, &campania),
        )
        .await?;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // A reader's token is not enough either; an operator's token is (without a key).
    let body = sg
        .gql_as(
            Some(&claims_de("lector", "lectura")),
            REGISTRAR_EVENTO,
            evento_input("CLICK", &afiliado, &campania),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert_eq!(eventos(&sg).await?, 1, "nothing stored by refused calls");
    sg.data(
        REGISTRAR_EVENTO,
        evento_input("CLICK", &afiliado, &campania),
    )
    .await?;
    assert_eq!(eventos(&sg).await?, 2);

    // A new key replaces the old one at once.
    let nueva = sg.data(EMITIR, json!({ "a": afiliado })).await?["emitirClaveApi"]["clave"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(nueva, clave);
    let body = con_clave(&sg, &clave, &afiliado, &campania).await?;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = con_clave(&sg, &nueva, &afiliado, &campania).await?;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(eventos(&sg).await?, 3);
    let emitidas: Vec<_> = outbox(&sg)
        .await?
        .into_iter()
        .filter(|(tipo, _, _)| tipo == "ClaveApiEmitida.v1")
        .collect();
    assert_eq!(emitidas.len(), 2, "{emitidas:?}");
    sg.stop().await
}

async fn a_partner_user_sees_only_its_own_conversions(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (propio, otro, campania) = (
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
        Uuid::new_v4().to_string(),
    );
    let query = registrar_conversion();
    let mia = sg
        .data(&query, conversion_input(&propio, &campania, "PROPIA-1"))
        .await?["registrarConversion"]["conversion"]["id"]
        .clone();
    let ajena = sg
        .data(&query, conversion_input(&otro, &campania, "AJENA-1"))
        .await?["registrarConversion"]["conversion"]["id"]
        .clone();
    let socio = claims_afiliado(&propio);
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($c: ID!) { conversiones { paginacion { total } items { id } }
                buscarConversiones(q: "-1") { conversion { id } }
                metricasConversiones { conversiones }
                _entities(representations: [{__typename: "Campania", id: $c}]) {
                  ... on Campania { conversiones { id } } } }"#,
            json!({ "c": campania }),
        )
        .await?;
    assert!(body["errors"].is_null(), "{body}");
    let data = &body["data"];
    assert_eq!(data["conversiones"]["paginacion"]["total"], 1, "{body}");
    assert_eq!(data["conversiones"]["items"][0]["id"], mia);
    assert_eq!(
        data["buscarConversiones"],
        json!([{ "conversion": { "id": mia } }])
    );
    assert_eq!(data["metricasConversiones"]["conversiones"], 1, "{body}");
    assert_eq!(
        data["_entities"][0]["conversiones"],
        json!([{ "id": mia }]),
        "the campaign's conversions, only its own"
    );
    for (query, code) in [
        (
            "query($id: ID!) { conversion(id: $id) { id } }",
            "NOT_FOUND",
        ),
        (
            "query($id: ID!) { conversiones(filtro: {afiliadoId: $id}) { items { id } } }",
            "FORBIDDEN",
        ),
    ] {
        let id = if code == "NOT_FOUND" {
            ajena.clone()
        } else {
            json!(otro)
        };
        let body = sg.gql_as(Some(&socio), query, json!({ "id": id })).await?;
        assert_eq!(error_code(&body), Some(code), "{query}: {body}");
    }
    // Another partner's entities: its conversions and metrics are refused.
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($a: ID!) { _entities(representations: [{__typename: "Afiliado", id: $a}]) {
                ... on Afiliado { conversiones { id } } } }"#,
            json!({ "a": otro }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = sg
        .gql_as(
            Some(&socio),
            r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Conversion { id } } }"#,
            json!({ "r": [{ "__typename": "Conversion", "id": ajena }] }),
        )
        .await?;
    assert_eq!(body["data"]["_entities"], json!([null]), "{body}");
    // A partner user never reviews conversions, even with `escritura`.
    let socio_escritor = json!({ "sub": "s", "scope": "lectura escritura", "role": "afiliado", "afiliado_id": propio });
    let body = sg
        .gql_as(
            Some(&socio_escritor),
            "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { estado } } }",
            json!({ "id": mia }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Nor reverses one, even its own and with `admin`: a reversal moves money.
    sg.data(
        "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { estado } } }",
        json!({ "id": mia }),
    )
    .await?;
    let revertir = "mutation($id: ID!) { revertirConversion(input: {id: $id, motivo: \"Contracargo\"}) { conversion { estado } } }";
    let socio_admin = json!({ "sub": "s", "scope": "lectura escritura admin", "role": "afiliado", "afiliado_id": propio });
    for (claims, code) in [
        (Some(&socio_admin), "FORBIDDEN"),
        (
            Some(&claims_de("operador", "lectura escritura")),
            "FORBIDDEN",
        ),
        (None, "UNAUTHENTICATED"),
    ] {
        let body = sg.gql_as(claims, revertir, json!({ "id": mia })).await?;
        assert_eq!(error_code(&body), Some(code), "{body}");
    }
    let estado = sg
        .data(
            "query($id: ID!) { conversion(id: $id) { estado } }",
            json!({ "id": mia }),
        )
        .await?;
    assert_eq!(
        estado["conversion"]["estado"], "VALIDADA",
        "nothing changed"
    );
    sg.stop().await
}

async fn buyer_data_needs_pii_or_admin(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let id = sg
        .data(
            &registrar_conversion(),
            conversion_input(
                &Uuid::new_v4().to_string(),
                &Uuid::new_v4().to_string(),
                "R-1",
            ),
        )
        .await?["registrarConversion"]["conversion"]["id"]
        .clone();
    let query = "query($id: ID!) { conversion(id: $id) { id datosCliente { email } } }";
    let body = sg
        .gql_as(
            Some(&claims_de("lector", "lectura")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(
        body["data"]["conversion"]["datosCliente"].is_null(),
        "{body}"
    );
    let body = sg
        .gql_as(
            Some(&claims_de("a", "lectura pii")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        body["data"]["conversion"]["datosCliente"]["email"], "cliente@email.com",
        "{body}"
    );
    sg.stop().await
}

async fn subscriptions_need_a_reader(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let mut anonimo = sg.ws_as(None).await?;
    anonimo
        .subscribe(
            "1",
            "subscription { contadoresDashboard { id } }",
            json!({}),
        )
        .await?;
    let respuesta = anonimo
        .next_payload(Duration::from_secs(10))
        .await?
        .unwrap_or(Value::Null);
    assert_eq!(
        error_code(&respuesta),
        Some("UNAUTHENTICATED"),
        "{respuesta}"
    );
    let mut lector = sg.ws_as(Some(&claims_de("lector", "lectura"))).await?;
    lector
        .subscribe(
            "1",
            "subscription { contadoresDashboard { id } }",
            json!({}),
        )
        .await?;
    let respuesta = lector
        .next_payload(Duration::from_secs(10))
        .await?
        .unwrap_or(Value::Null);
    assert_eq!(
        respuesta["data"]["contadoresDashboard"]["id"], "dashboard",
        "{respuesta}"
    );
    sg.stop().await
}

on_both_backends!(
    the_collector_takes_a_partners_api_key_instead_of_a_token,
    a_partner_user_sees_only_its_own_conversions,
    buyer_data_needs_pii_or_admin,
    subscriptions_need_a_reader,
);
