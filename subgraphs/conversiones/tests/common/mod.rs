//! Helpers shared by the `conversiones` integration tests.
#![allow(dead_code, unreachable_pub)]

use anyhow::{Context, Result};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use testkit::TestSubgraph;

pub const CONVERSION_FIELDS: &str = "id afiliado { id } campania { id } tipo valor { valor moneda }
  canal datosCliente { email ubicacion dispositivo } productos { id nombre categoria precio cantidad }
  metadatos { clave valor } estado motivoRechazo fecha referenciaExterna";

pub fn registrar_conversion() -> String {
    format!(
        "mutation($input: RegistrarConversionInput!) {{ registrarConversion(input: $input) {{ conversion {{ {CONVERSION_FIELDS} }} }} }}"
    )
}

pub const REGISTRAR_EVENTO: &str = "mutation($input: RegistrarEventoInput!) {
  registrarEvento(input: $input) { evento { id tipo canal fuente timestamp afiliado { id } campania { id } } } }";

pub fn conversion_input(afiliado: &str, campania: &str, referencia: &str) -> Value {
    json!({ "input": {
        "afiliadoId": afiliado, "campaniaId": campania, "tipo": "VENTA",
        "valor": { "valor": "250000", "moneda": "COP" }, "canal": "web",
        "datosCliente": { "email": "cliente@email.com", "ubicacion": "Bogotá", "dispositivo": "desktop" },
        "productos": [{ "id": "PROD001", "nombre": "Laptop Gaming", "categoria": "Tecnología",
                        "precio": "250000", "cantidad": 1 }],
        "metadatos": [{ "clave": "utm_source", "valor": "google" },
                      { "clave": "utm_campaign", "valor": "black_friday" }],
        "referenciaExterna": referencia
    }})
}

pub fn evento_input(tipo: &str, afiliado: &str, campania: &str) -> Value {
    json!({ "input": { "tipo": tipo, "afiliadoId": afiliado, "campaniaId": campania, "fuente": "WEB_TAG" } })
}

/// A single integer from a SQL query (`SELECT COUNT(*) AS n …`).
pub async fn count(sg: &TestSubgraph, sql: &str) -> Result<i64> {
    let db = &sg.db.db;
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no row")?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// `(tipo, agregadoId, datos)` of every outbox row, in order.
pub async fn outbox(sg: &TestSubgraph) -> Result<Vec<(String, String, Value)>> {
    let db = &sg.db.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT tipo, agregado_id, datos FROM event_outbox ORDER BY seq",
        ))
        .await?;
    rows.into_iter()
        .map(|r| {
            let datos: String = r.try_get("", "datos")?;
            Ok((
                r.try_get("", "tipo")?,
                r.try_get("", "agregado_id")?,
                serde_json::from_str(&datos)?,
            ))
        })
        .collect()
}
