//! Input that cannot be coerced is `BAD_USER_INPUT` on its field, never echoed; the
//! budget has the kernel's amount limits; nothing is written on bad input. On SQLite and
//! on PostgreSQL.

use anyhow::{Result, ensure};
use campanias::Campanias;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, bad_user_input, on_both_backends};
use uuid::Uuid;

const CREAR: &str = "mutation($input: CrearCampaniaInput!) {
  crearCampania(input: $input) { campania { id version presupuesto { valor } } } }";

const PRESUPUESTO: &str = "mutation($input: ActualizarPresupuestoInput!) {
  actualizarPresupuesto(input: $input) { campania { presupuesto { valor } } } }";

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

async fn bad_scalars_and_budgets_are_bad_user_input_and_write_nothing(
    backend: Backend,
) -> Result<()> {
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
        (
            "presupuesto",
            json!({ "valor": "99999999999999999999", "moneda": "USD" }),
            "presupuesto",
            "99999999999999999999",
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

    let creada = sg.data(CREAR, input()).await?["crearCampania"]["campania"].clone();
    let actualizar = |valor: &str| json!({ "input": { "id": creada["id"], "presupuesto": { "valor": valor, "moneda": "USD" } } });
    let body = sg.gql(PRESUPUESTO, actualizar("1000000000000.01")).await?;
    bad_user_input(&body, "presupuesto", "1000000000000.01")?;
    let body = sg
        .gql(
            "query($id: ID!) { campania(id: $id) { version presupuesto { valor } } }",
            json!({ "id": creada["id"] }),
        )
        .await?;
    ensure!(
        body["data"]["campania"]["version"] == creada["version"],
        "{body}"
    );
    sg.data(PRESUPUESTO, actualizar("1000000000000")).await?;
    sg.stop().await
}

on_both_backends!(bad_scalars_and_budgets_are_bad_user_input_and_write_nothing);
