//! The subgraph enforces the authorization model itself, from the claims in
//! `x-gateway-claims`: suspension and deletion need `admin`, personal and bank data need
//! `pii` or `admin`, and a partner user sees only its own partner — whatever a caller
//! sends straight to the subgraph.

use afiliados::Afiliados;
use anyhow::Result;
use serde_json::{Value, json};
use testkit::{
    Backend, TestSubgraph, claims_afiliado, claims_de, error_code, on_both_backends, outbox,
};

const REGISTRAR: &str = "mutation($input: RegistrarAfiliadoInput!) {
  registrarAfiliado(input: $input) { afiliado { id } } }";

fn input(nombre: &str, email: &str) -> Value {
    json!({ "input": {
        "nombre": nombre, "email": email, "telefono": "+57 300 123 4567",
        "documento": { "tipo": "CEDULA", "numero": "1234567890" },
        "datosBancarios": { "banco": "Banco Nacional", "tipoCuenta": "AHORROS", "numeroCuenta": "98765432101" },
        "configuracionComisiones": { "comisionBase": "15", "comisionPremium": "20",
            "minimoPago": { "valor": "50000", "moneda": "COP" } }
    }})
}

async fn register(sg: &TestSubgraph, nombre: &str, email: &str) -> Result<String> {
    let data = sg.data(REGISTRAR, input(nombre, email)).await?;
    Ok(data["registrarAfiliado"]["afiliado"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn suspension_and_deletion_need_admin(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let id = register(&sg, "Ana Gómez", "ana@example.com").await?;
    let antes = outbox(&sg.db.db).await?.len();
    let operador = claims_de("operador", "lectura escritura");
    for mutation in [
        "mutation($id: ID!) { suspenderAfiliado(input: {id: $id}) { afiliado { estado } } }",
        "mutation($id: ID!) { eliminarAfiliado(input: {id: $id}) { afiliado { estado } } }",
        "mutation($id: ID!) { reactivarAfiliado(input: {id: $id}) { afiliado { estado } } }",
    ] {
        for claims in [None, Some(&operador)] {
            let body = sg.gql_as(claims, mutation, json!({ "id": id })).await?;
            let esperado = if claims.is_some() {
                "FORBIDDEN"
            } else {
                "UNAUTHENTICATED"
            };
            assert_eq!(error_code(&body), Some(esperado), "{mutation}: {body}");
        }
    }
    assert_eq!(outbox(&sg.db.db).await?.len(), antes, "nothing written");
    let estado = sg
        .data(
            "query($id: ID!) { afiliado(id: $id) { estado } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(estado["afiliado"]["estado"], "ACTIVO");
    let admin = claims_de("admin", "lectura escritura admin");
    let body = sg
        .gql_as(
            Some(&admin),
            "mutation($id: ID!) { suspenderAfiliado(input: {id: $id}) { afiliado { estado } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        body["data"]["suspenderAfiliado"]["afiliado"]["estado"], "SUSPENDIDO",
        "{body}"
    );
    sg.stop().await
}

async fn personal_and_bank_data_need_pii_or_admin(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let id = register(&sg, "Ana Gómez", "ana@example.com").await?;
    let query = "query($id: ID!) { afiliado(id: $id) { nombre email telefono
        documento { numero } datosBancarios { numeroCuentaEnmascarado } } }";
    let body = sg
        .gql_as(
            Some(&claims_de("operador", "lectura escritura")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(body["data"]["afiliado"]["nombre"], "Ana Gómez", "{body}");
    for campo in ["email", "telefono", "documento", "datosBancarios"] {
        assert!(body["data"]["afiliado"][campo].is_null(), "{campo}: {body}");
    }
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(4), "{body}");
    let body = sg
        .gql_as(
            Some(&claims_de("auditora", "lectura pii")),
            query,
            json!({ "id": id }),
        )
        .await?;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["afiliado"]["email"], "ana@example.com");
    sg.stop().await
}

async fn a_partner_user_sees_only_itself(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let propio = register(&sg, "Ana Gómez", "ana@example.com").await?;
    let otro = register(&sg, "Beto Ruiz", "beto@example.com").await?;
    let socio = claims_afiliado(&propio);
    let lista = sg
        .gql_as(
            Some(&socio),
            "{ afiliados { paginacion { total } items { id } } buscarAfiliados(q: \"example\") { afiliado { id } } }",
            json!({}),
        )
        .await?;
    assert!(lista["errors"].is_null(), "{lista}");
    assert_eq!(lista["data"]["afiliados"]["paginacion"]["total"], 1);
    assert_eq!(
        lista["data"]["afiliados"]["items"][0]["id"],
        propio.as_str()
    );
    let encontrados = lista["data"]["buscarAfiliados"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        encontrados
            .iter()
            .all(|r| r["afiliado"]["id"] == propio.as_str()),
        "{lista}"
    );
    // Another partner does not exist for it: by id, as an entity, in the counters.
    let body = sg
        .gql_as(
            Some(&socio),
            "query($id: ID!) { afiliado(id: $id) { id } }",
            json!({ "id": otro }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = sg
        .gql_as(
            Some(&socio),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Afiliado { id nombre } } }",
            json!({ "r": [{ "__typename": "Afiliado", "id": otro }, { "__typename": "Afiliado", "id": propio }] }),
        )
        .await?;
    assert_eq!(
        body["data"]["_entities"],
        json!([null, { "id": propio, "nombre": "Ana Gómez" }]),
        "{body}"
    );
    let body = sg
        .gql_as(
            Some(&socio),
            r#"{ _entities(representations: [{__typename: "ContadoresDashboard", id: "dashboard"}]) { ... on ContadoresDashboard { totalAfiliados } } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(body["data"]["_entities"][0]["totalAfiliados"], 1, "{body}");
    // A partner token without its partner's id sees nothing at all.
    let roto = json!({ "sub": "x", "scope": "lectura", "role": "afiliado" });
    let body = sg
        .gql_as(Some(&roto), "{ afiliados { items { id } } }", json!({}))
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    sg.stop().await
}

on_both_backends!(
    suspension_and_deletion_need_admin,
    personal_and_bank_data_need_pii_or_admin,
    a_partner_user_sees_only_itself,
);
