//! The subgraph enforces the authorization model itself, from the claims in
//! `x-gateway-claims`: called directly with absent, insufficient or forged claims it
//! answers UNAUTHENTICATED/FORBIDDEN and writes nothing (defence in depth behind the
//! gateway), and personal data needs `pii` or `admin`.

use anyhow::Result;
use clientes::Clientes;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, claims_de, error_code, on_both_backends, outbox};

const REGISTRAR: &str = r#"mutation($input: RegistrarClienteInput!) {
  registrarCliente(input: $input) { cliente { id nombre } }
}"#;

fn input(email: &str) -> Value {
    json!({ "input": {
        "nombre": "Ana Gómez", "email": email, "cedula": "1020304050", "fechaNacimiento": "1985-03-15"
    }})
}

async fn without_a_token_nothing_is_read_or_written(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    for query in [
        "{ clientes { paginacion { total } } }",
        r#"{ buscarClientes(q: "ana") { relevancia } }"#,
        r#"{ cliente(id: "00000000-0000-4000-8000-000000000000") { id } }"#,
        r#"{ _entities(representations: [{__typename: "Cliente", id: "00000000-0000-4000-8000-000000000000"}]) { __typename } }"#,
    ] {
        let body = sg.gql_as(None, query, json!({})).await?;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "{query}: {body}"
        );
    }
    let body = sg.gql_as(None, REGISTRAR, input("ana@example.com")).await?;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // Claims that are not JSON are no claims at all.
    let body = sg
        .gql_with_headers(
            &[(subgraph_kit::server::CLAIMS_HEADER, "admin".to_owned())],
            REGISTRAR,
            input("ana@example.com"),
        )
        .await?;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert!(outbox(&sg.db.db).await?.is_empty(), "nothing written");
    sg.stop().await
}

async fn a_reader_cannot_write_and_an_operator_can(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let lector = claims_de("lector", "lectura");
    let body = sg
        .gql_as(Some(&lector), REGISTRAR, input("ana@example.com"))
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(body["data"].is_null(), "{body}");
    assert!(outbox(&sg.db.db).await?.is_empty(), "nothing written");
    let operador = claims_de("operador", "lectura escritura");
    let body = sg
        .gql_as(Some(&operador), REGISTRAR, input("ana@example.com"))
        .await?;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(outbox(&sg.db.db).await?.len(), 1);
    sg.stop().await
}

async fn personal_data_needs_pii_or_admin(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let id =
        sg.data(REGISTRAR, input("ana@example.com")).await?["registrarCliente"]["cliente"]["id"]
            .clone();
    let query = "query($id: ID!) { cliente(id: $id) { nombre email cedula fechaNacimiento } }";
    for scopes in ["lectura", "lectura escritura"] {
        let body = sg
            .gql_as(Some(&claims_de("u", scopes)), query, json!({ "id": id }))
            .await?;
        let cliente = &body["data"]["cliente"];
        assert_eq!(cliente["nombre"], "Ana Gómez", "{body}");
        for campo in ["email", "cedula", "fechaNacimiento"] {
            assert!(cliente[campo].is_null(), "{scopes}: {campo} hidden: {body}");
        }
        let errores = body["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errores.len(), 3, "{body}");
        assert!(
            errores
                .iter()
                .all(|e| e["extensions"]["code"] == "FORBIDDEN"),
            "{body}"
        );
    }
    for scopes in ["lectura pii", "lectura admin"] {
        let body = sg
            .gql_as(Some(&claims_de("u", scopes)), query, json!({ "id": id }))
            .await?;
        assert!(body["errors"].is_null(), "{scopes}: {body}");
        assert_eq!(body["data"]["cliente"]["email"], "ana@example.com");
        assert_eq!(body["data"]["cliente"]["fechaNacimiento"], "1985-03-15");
    }
    sg.stop().await
}

async fn searches_match_e_mails_only_for_who_may_read_them(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    sg.data(REGISTRAR, input("secreta.direccion@example.com"))
        .await?;
    let query = r#"{ buscarClientes(q: "secreta.direccion") { relevancia }
        clientes(filtro: { busqueda: "secreta.direccion" }) { paginacion { total } } }"#;
    let lector = sg
        .gql_as(Some(&claims_de("lector", "lectura")), query, json!({}))
        .await?;
    assert_eq!(lector["data"]["buscarClientes"], json!([]), "{lector}");
    assert_eq!(
        lector["data"]["clientes"]["paginacion"]["total"], 0,
        "{lector}"
    );
    let auditora = sg
        .gql_as(
            Some(&claims_de("auditora", "lectura pii")),
            query,
            json!({}),
        )
        .await?;
    assert_eq!(
        auditora["data"]["buscarClientes"].as_array().map(Vec::len),
        Some(1),
        "{auditora}"
    );
    assert_eq!(auditora["data"]["clientes"]["paginacion"]["total"], 1);
    // Names are searched for everybody.
    let body = sg
        .gql_as(
            Some(&claims_de("lector", "lectura")),
            r#"{ buscarClientes(q: "ana gomez") { relevancia } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(
        body["data"]["buscarClientes"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    sg.stop().await
}

on_both_backends!(
    searches_match_e_mails_only_for_who_may_read_them,
    without_a_token_nothing_is_read_or_written,
    a_reader_cannot_write_and_an_operator_can,
    personal_data_needs_pii_or_admin,
);
