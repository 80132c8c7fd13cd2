//! Input that cannot be coerced is `BAD_USER_INPUT` on its field, never echoed; every
//! amount has the kernel's limits; nothing is written on bad input. On SQLite and on
//! PostgreSQL.

use afiliados::Afiliados;
use anyhow::{Result, ensure};
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, bad_user_input, on_both_backends};

const REGISTRAR: &str = "mutation($input: RegistrarAfiliadoInput!) {
  registrarAfiliado(input: $input) { afiliado { id configuracionComisiones { minimoPago { valor } } } } }";

fn input() -> Value {
    json!({ "input": {
        "nombre": "Ana", "email": "ana@example.com", "telefono": "+57 300 123 4567",
        "documento": { "tipo": "CEDULA", "numero": "1234567890" },
        "datosBancarios": { "banco": "Banco Nacional", "tipoCuenta": "AHORROS", "numeroCuenta": "98765432101" },
        "configuracionComisiones": { "comisionBase": "15", "comisionPremium": "20.5",
            "minimoPago": { "valor": "50000", "moneda": "COP" } }
    }})
}

async fn total(sg: &TestSubgraph) -> Result<Value> {
    Ok(sg
        .data("{ afiliados { paginacion { total } } }", json!({}))
        .await?["afiliados"]["paginacion"]["total"]
        .clone())
}

async fn bad_scalars_and_amounts_are_bad_user_input_and_write_nothing(
    backend: Backend,
) -> Result<()> {
    let sg = TestSubgraph::start(&Afiliados, backend).await?;
    let enorme = "5".repeat(30_000);
    let config = "configuracionComisiones";
    let casos: Vec<(&str, Value, String, &str)> = vec![
        (
            "comisionBase",
            json!(15.5),
            format!("{config}.comisionBase"),
            "15.5",
        ),
        (
            "comisionBase",
            json!("NaN"),
            format!("{config}.comisionBase"),
            "NaN",
        ),
        (
            "minimoPago",
            json!({ "valor": 100.5, "moneda": "USD" }),
            format!("{config}.minimoPago.valor"),
            "100.5",
        ),
        (
            "minimoPago",
            json!({ "valor": enorme, "moneda": "USD" }),
            format!("{config}.minimoPago.valor"),
            &enorme[..100],
        ),
        // Over the one maximum every amount has.
        (
            "minimoPago",
            json!({ "valor": "99999999999999999999", "moneda": "COP" }),
            format!("{config}.minimoPago"),
            "99999999999999999999",
        ),
    ];
    for (campo_input, valor, campo, enviado) in casos {
        let mut variables = input();
        variables["input"][config][campo_input] = valor;
        let body = sg.gql(REGISTRAR, variables).await?;
        bad_user_input(&body, &campo, enviado)?;
    }
    let mut telefono = input();
    telefono["input"]["telefono"] = json!(format!("abc{enorme}"));
    bad_user_input(
        &sg.gql(REGISTRAR, telefono).await?,
        "telefono",
        &enorme[..100],
    )?;
    ensure!(total(&sg).await? == json!(0), "nothing written");
    // The maximum itself is accepted.
    let mut maximo = input();
    maximo["input"][config]["minimoPago"] = json!({ "valor": "1000000000000", "moneda": "COP" });
    sg.data(REGISTRAR, maximo).await?;
    ensure!(total(&sg).await? == json!(1));
    sg.stop().await
}

on_both_backends!(bad_scalars_and_amounts_are_bad_user_input_and_write_nothing);
