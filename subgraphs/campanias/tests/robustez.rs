//! Input that cannot be coerced is `BAD_USER_INPUT` on its field, never echoed; nothing
//! is written on bad input. On SQLite and on PostgreSQL.

use anyhow::{Result, ensure};
use campanias::Campanias;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, bad_user_input, on_both_backends};
use uuid::Uuid;

const CREAR: &str = "mutation($input: CrearCampaniaInput!) {
  crearCampania(input: $input) { campania { id version presupuesto { valor } } } }";

fn input() -> Value {
    json!({ "input": {
        "clienteId": Uuid::new_v4(), "nombre": "Black Friday", "descripcion": "Promoción",
        "tipo": "PROMOCIONAL", "canales": ["WEB"],
        "configuracionComisiones": { "porConversion": "15", "porVenta": "8.5", "bonusObjetivos": "25" },
        "fechaInicio": "2026-11-24T00:00:00Z", "fechaFin": "2026-11-27T23:59:59Z",
        "presupuesto": { "valor": "1000.00", "moneda": "USD" }
    }})
}

async fn total(sg: &TestSubgraph) -> Result<Value> {
    Ok(sg
        .data("{ campanias { paginacion { total } } }", json!({}))
        .await?["campanias"]["paginacion"]["total"]
        .clone())
}

async fn bad_scalars_are_bad_user_input_and_write_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let casos: Vec<(&str, Value, &str, &str)> = vec![
        (
            "fechaInicio",
            json!("2026-02-30T00:00:00Z"),
            "fechaInicio",
            "2026-02-30",
        ),
        ("fechaFin", json!("mañana"), "fechaFin", "mañana"),
        (
            "presupuesto",
            json!({ "valor": 1000.5, "moneda": "USD" }),
            "presupuesto.valor",
            "1000.5",
        ),
        (
            "presupuesto",
            json!({ "valor": "NaN", "moneda": "USD" }),
            "presupuesto.valor",
            "NaN",
        ),
        ("canales", json!(["WEB", "FAX"]), "canales.1", "FAX"),
        (
            "segmentacion",
            json!({ "edadMinima": 1e20 }),
            "segmentacion.edadMinima",
            "1e20",
        ),
    ];
    for (campo_input, valor, campo, enviado) in casos {
        let mut variables = input();
        variables["input"][campo_input] = valor;
        bad_user_input(&sg.gql(CREAR, variables).await?, campo, enviado)?;
    }
    ensure!(total(&sg).await? == json!(0), "nothing written");

    sg.stop().await
}

on_both_backends!(bad_scalars_are_bad_user_input_and_write_nothing);
