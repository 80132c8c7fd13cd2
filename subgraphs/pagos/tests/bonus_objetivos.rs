//! The `bonusObjetivos` rule: from a partner's `objetivoConversiones`-th conversion in a
//! campaign on (refused commissions not counted), its commissions' rate is raised by the
//! campaign's bonus, whatever order the facts arrive in — on SQLite and PostgreSQL.

mod common;

use anyhow::Result;
use common::*;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, on_both_backends};
use uuid::Uuid;

/// A validated sale of 1000 USD on day `dia` of November 2026.
fn venta(
    conversion: Uuid,
    afiliado: Uuid,
    campania: Uuid,
    dia: u32,
) -> subgraph_kit::events::EventEnvelope {
    let mut e = conversion_validada(conversion, afiliado, campania, "VENTA", ("1000", "USD"));
    e.datos["fecha"] = json!(format!("2026-11-{dia:02}T10:00:00Z"));
    e
}

async fn comision(sg: &TestSubgraph, conversion: Uuid) -> Result<Value> {
    let data = sg
        .data(
            "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) {
               ... on Conversion { comision { id estado porcentaje bonusObjetivos monto { valor } } } } }",
            json!({ "id": conversion }),
        )
        .await?;
    Ok(data["_entities"][0]["comision"].clone())
}

/// (porcentaje, bonusObjetivos) of each conversion's commission.
async fn tasas(sg: &TestSubgraph, conversiones: &[Uuid]) -> Result<Vec<(Value, Value)>> {
    let mut out = Vec::new();
    for c in conversiones {
        let comision = comision(sg, *c).await?;
        out.push((
            comision["porcentaje"].clone(),
            comision["bonusObjetivos"].clone(),
        ));
    }
    Ok(out)
}

fn sin_bonus() -> (Value, Value) {
    (json!("8"), Value::Null)
}

fn con_bonus() -> (Value, Value) {
    (json!("10"), json!("25"))
}

async fn the_bonus_applies_from_the_objective_on_in_any_order(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    // The seeds' campaign: 8 % per sale, a 25 % bonus; objective: 3 conversions. The
    // partner is BASICO at 5 %, so the campaign's 8 % applies: 10 % with the bonus.
    let (afiliado, campania, cliente) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let conversiones: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    // The sales arrive latest first, before the campaign: they wait, PENDIENTE.
    aplicar(
        db,
        &afiliado_registrado(afiliado, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    for (n, c) in conversiones.iter().enumerate().rev() {
        aplicar(db, &venta(*c, afiliado, campania, 1 + n as u32)).await?;
    }
    aplicar(db, &campania_con_objetivo(campania, cliente, "8", "25", 3)).await?;
    assert_eq!(
        tasas(&sg, &conversiones).await?,
        [sin_bonus(), sin_bonus(), con_bonus(), con_bonus()],
        "by conversion time, not arrival"
    );
    let tercera = comision(&sg, conversiones[2]).await?;
    assert_eq!(tercera["monto"]["valor"], "100.00");
    let calculada = testkit::outbox(db)
        .await?
        .into_iter()
        .find(|(tipo, agregado, _)| {
            tipo == "ComisionCalculada.v1" && json!(agregado) == tercera["id"]
        })
        .expect("ComisionCalculada of the third");
    assert_eq!(calculada.2["bonusObjetivos"], "25");
    assert_eq!(calculada.2["porcentaje"], "10");
    let trail = sg
        .data(
            "query($id: ID!) { comision(id: $id) { auditoria { evento detalle } } }",
            json!({ "id": tercera["id"] }),
        )
        .await?;
    assert_eq!(
        trail["comision"]["auditoria"][0]["detalle"],
        "porcentaje 10% (bonus objetivos 25%), base 1000.00 USD, monto 100.00 USD"
    );
    sg.stop().await
}

async fn refused_commissions_do_not_count_towards_the_objective(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let (afiliado, campania, cliente) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    aplicar(
        db,
        &afiliado_registrado(afiliado, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    aplicar(db, &campania_con_objetivo(campania, cliente, "8", "25", 3)).await?;
    let conversiones: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for (n, c) in conversiones.iter().enumerate().take(2) {
        aplicar(db, &venta(*c, afiliado, campania, 1 + n as u32)).await?;
    }
    let segunda = comision(&sg, conversiones[1]).await?["id"].clone();
    sg.data(
        "mutation($id: ID!) { rechazarComision(input: {id: $id, motivo: \"Duplicada\"}) { comision { id } } }",
        json!({ "id": segunda }),
    )
    .await?;
    for (n, c) in conversiones.iter().enumerate().skip(2) {
        aplicar(db, &venta(*c, afiliado, campania, 1 + n as u32)).await?;
    }
    let t = tasas(&sg, &conversiones).await?;
    assert_eq!(
        t[2],
        sin_bonus(),
        "the third is the partner's second that counts"
    );
    assert_eq!(t[3], con_bonus());
    // Another partner's conversions never count for this one.
    let otro = Uuid::now_v7();
    aplicar(
        db,
        &afiliado_registrado(otro, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    let suya = Uuid::now_v7();
    aplicar(db, &venta(suya, otro, campania, 20)).await?;
    assert_eq!(tasas(&sg, &[suya]).await?, [sin_bonus()]);
    sg.stop().await
}

async fn campaigns_without_an_objective_pay_no_bonus(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let db = &sg.db.db;
    let (afiliado, campania, cliente) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    aplicar(
        db,
        &afiliado_registrado(afiliado, "BASICO", "ACTIVO", ("1", "USD")),
    )
    .await?;
    // A bonus without an objective (every campaign created before objectives existed).
    let mut creada = campania_creada(campania, cliente, "2", "8");
    creada.datos["configuracionComisiones"]["bonusObjetivos"] = json!("25");
    aplicar(db, &creada).await?;
    let conversiones: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for (n, c) in conversiones.iter().enumerate() {
        aplicar(db, &venta(*c, afiliado, campania, 1 + n as u32)).await?;
    }
    assert_eq!(tasas(&sg, &conversiones).await?, vec![sin_bonus(); 4]);
    sg.stop().await
}

on_both_backends!(
    the_bonus_applies_from_the_objective_on_in_any_order,
    refused_commissions_do_not_count_towards_the_objective,
    campaigns_without_an_objective_pay_no_bonus,
);
