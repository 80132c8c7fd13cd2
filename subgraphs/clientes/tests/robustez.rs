//! Input that cannot be coerced is `BAD_USER_INPUT` on its field, never echoed, and
//! writes nothing; no request's own input makes the subgraph answer a 500. On SQLite and
//! on PostgreSQL.

use anyhow::{Result, ensure};
use clientes::Clientes;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, bad_user_input, on_both_backends};

const REGISTRAR: &str = r#"mutation($input: RegistrarClienteInput!) {
  registrarCliente(input: $input) { cliente { id } }
}"#;

fn input() -> Value {
    json!({ "input": {
        "nombre": "Ana Pérez", "email": "ana@example.com", "cedula": "1020304050",
        "fechaNacimiento": "1985-03-15"
    }})
}

async fn total(sg: &TestSubgraph) -> Result<Value> {
    Ok(sg
        .data("{ clientes { paginacion { total } } }", json!({}))
        .await?["clientes"]["paginacion"]["total"]
        .clone())
}

async fn bad_dates_and_numbers_are_bad_user_input_and_write_nothing(
    backend: Backend,
) -> Result<()> {
    let sg = TestSubgraph::start(&Clientes, backend).await?;
    let enorme = "x".repeat(30_000);
    let casos: Vec<(&str, Value, &str, &str)> = vec![
        (
            "fechaNacimiento",
            json!("1985-02-30"),
            "fechaNacimiento",
            "1985-02-30",
        ),
        (
            "fechaNacimiento",
            json!("15/03/1985"),
            "fechaNacimiento",
            "15/03/1985",
        ),
        (
            "fechaNacimiento",
            json!(19850315),
            "fechaNacimiento",
            "19850315",
        ),
        (
            "fechaNacimiento",
            json!(enorme),
            "fechaNacimiento",
            &enorme[..100],
        ),
        ("cedula", json!(1020304050.5), "cedula", "1020304050"),
        // Domain validation quotes at most an excerpt of what it refuses.
        (
            "email",
            json!(format!("{enorme}@")),
            "email",
            &enorme[..100],
        ),
        (
            "cedula",
            json!(format!("{enorme}1")),
            "cedula",
            &enorme[..100],
        ),
    ];
    for (campo_input, valor, campo, enviado) in casos {
        let mut variables = input();
        variables["input"][campo_input] = valor;
        let (status, body) = sg
            .post_raw(
                "application/json",
                json!({ "query": REGISTRAR, "variables": variables }).to_string(),
            )
            .await?;
        ensure!(status == 200, "{campo}: HTTP {status}");
        bad_user_input(&body, campo, enviado)?;
        ensure!(
            body.to_string().len() < 1_000,
            "{campo}: the input came back"
        );
    }
    let body = sg
        .gql(
            "{ clientes(paginacion: {page: 1, perPage: 99999999999999999999}) { items { id } } }",
            json!({}),
        )
        .await?;
    bad_user_input(&body, "paginacion.perPage", "99999999999999999999")?;
    let body = sg
        .gql(
            "query($l: Int!) { buscarClientes(q: \"ana\", limite: $l) { relevancia } }",
            json!({ "l": 1.5 }),
        )
        .await?;
    bad_user_input(&body, "limite", "1.5")?;
    ensure!(total(&sg).await? == json!(0), "nothing written");
    sg.stop().await
}

on_both_backends!(bad_dates_and_numbers_are_bad_user_input_and_write_nothing);
