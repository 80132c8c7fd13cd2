//! `pagos` on PostgreSQL (`TEST_POSTGRES_URL`), over HTTP, release build:
//! 1. `pagar` accepted/s and latency percentiles with 50 concurrent clients;
//! 2. time from `pagar` to EXITOSO with the simulated provider's default latency
//!    (200 ms, 10 % transient failures retried) and the worker woken on each payout;
//! 3. `reportePagos` over 100,000 payouts, v1 and v2.
//!
//! Run: `cargo bench -p pagos --bench pagos`. Set-up rows are bulk-inserted with SQL.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use pagos::{Config, Pagos};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph};
use uuid::Uuid;

const CLIENTES: usize = 50;
const PAGOS_POR_CLIENTE: usize = 40;
const PAGOS_REPORTE: usize = 100_000;
const LOTE_SQL: usize = 1_000;

fn percentil(ordenadas: &[Duration], p: f64) -> f64 {
    if ordenadas.is_empty() {
        return 0.0;
    }
    let i = ((ordenadas.len() as f64 - 1.0) * p).round() as usize;
    ordenadas[i].as_secs_f64() * 1000.0
}

async fn gql(http: &reqwest::Client, url: &str, query: &str, variables: Value) -> Result<Value> {
    let body: Value = http
        .post(url)
        // As the gateway would forward an admin's claims: payouts need `admin`.
        .header(
            subgraph_kit::server::CLAIMS_HEADER,
            testkit::claims_admin().to_string(),
        )
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = body.get("errors") {
        bail!("{errors}");
    }
    Ok(body["data"].clone())
}

/// Active partners with one approved, unreserved commission each (bulk SQL).
async fn afiliados_con_comision(db: &DatabaseConnection, n: usize) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    for lote in ids.chunks(LOTE_SQL) {
        let afiliados: Vec<String> = lote
            .iter()
            .map(|id| {
                format!("('{id}','BASICO','ACTIVO','5','10',1000,'USD',1,'2026-11-01T00:00:00Z')")
            })
            .collect();
        db.execute_unprepared(&format!(
            "INSERT INTO afiliados_proyeccion (id,tipo,estado,comision_base,comision_premium,minimo_minor,minimo_moneda,version,actualizado_en) VALUES {}",
            afiliados.join(",")
        ))
        .await?;
        let comisiones: Vec<String> = lote
            .iter()
            .map(|id| {
                format!(
                    "('{}','{}','{id}','{}',NULL,'VENTA',100000,'USD','10',10000,'APROBADA',NULL,NULL,'2026-11-01T00:00:00Z','2026-11-01T00:00:00Z','2026-11-01T00:00:00Z',3)",
                    Uuid::now_v7(),
                    Uuid::now_v7(),
                    Uuid::now_v7()
                )
            })
            .collect();
        db.execute_unprepared(&format!(
            "INSERT INTO comisiones (id,conversion_id,afiliado_id,campania_id,cliente_id,tipo_conversion,monto_base_minor,moneda,porcentaje,monto_minor,estado,motivo_rechazo,pago_id,fecha_conversion,fecha_creacion,fecha_actualizacion,version) VALUES {}",
            comisiones.join(",")
        ))
        .await?;
    }
    Ok(ids)
}

fn pagar_input(clave: &str, afiliado: Uuid) -> Value {
    json!({ "input": { "idempotencyKey": clave, "afiliadoId": afiliado, "ciclo": "CYCLE-BENCH",
                       "metodoPago": { "tipo": "TRANSFERENCIA_BANCARIA", "mascara": "****0001" } } })
}

const PAGAR: &str = "mutation($input: PagarInput!) { pagar(input: $input) { pago { id estado } } }";

async fn pagar_bajo_carga() -> Result<()> {
    // No worker runs here: only acceptance is measured.
    let sg = TestSubgraph::start(&Pagos::with_config(Config::default()), Backend::Postgres).await?;
    let afiliados = afiliados_con_comision(&sg.db.db, CLIENTES * PAGOS_POR_CLIENTE).await?;
    let url = format!("{}/graphql", sg.base_url);
    let http = reqwest::Client::new();
    let inicio = Instant::now();
    let tareas: Vec<_> = afiliados
        .chunks(PAGOS_POR_CLIENTE)
        .map(|lote| {
            let (http, url, lote) = (http.clone(), url.clone(), lote.to_vec());
            tokio::spawn(async move {
                let mut latencias = Vec::with_capacity(lote.len());
                for afiliado in lote {
                    let t = Instant::now();
                    gql(
                        &http,
                        &url,
                        PAGAR,
                        pagar_input(&format!("bench-{afiliado}"), afiliado),
                    )
                    .await?;
                    latencias.push(t.elapsed());
                }
                anyhow::Ok(latencias)
            })
        })
        .collect();
    let mut latencias = Vec::new();
    for t in tareas {
        latencias.extend(t.await??);
    }
    let segundos = inicio.elapsed().as_secs_f64();
    latencias.sort();
    println!(
        "pagar (PostgreSQL, {CLIENTES} clients): {} accepted in {segundos:.2} s = {:.0}/s; p50 {:.2} ms, p99 {:.2} ms",
        latencias.len(),
        latencias.len() as f64 / segundos,
        percentil(&latencias, 0.50),
        percentil(&latencias, 0.99)
    );
    sg.stop().await
}

async fn hasta_exitoso() -> Result<()> {
    let subgraph = Pagos::with_config(Config::default());
    let sg = TestSubgraph::start(&subgraph, Backend::Postgres).await?;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let workers = subgraph_kit::subgraph::Subgraph::background(&subgraph, sg.db.db.clone(), stop);
    let afiliados = afiliados_con_comision(&sg.db.db, 20).await?;
    let url = format!("{}/graphql", sg.base_url);
    let http = reqwest::Client::new();
    let mut tiempos = Vec::new();
    for afiliado in afiliados {
        let t = Instant::now();
        let data = gql(
            &http,
            &url,
            PAGAR,
            pagar_input(&format!("bench-e2e-{afiliado}"), afiliado),
        )
        .await?;
        let id = data["pagar"]["pago"]["id"].clone();
        loop {
            let estado = gql(
                &http,
                &url,
                "query($id: ID!) { pago(id: $id) { estado } }",
                json!({ "id": id }),
            )
            .await?;
            match estado["pago"]["estado"].as_str() {
                Some("EXITOSO") => break,
                Some("FALLIDO") => bail!("payout failed: {estado}"),
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        tiempos.push(t.elapsed());
    }
    stop_tx.send(true).ok();
    for w in workers {
        w.await.ok();
    }
    tiempos.sort();
    println!(
        "pagar → EXITOSO (default provider: 200 ms, 10 % transient failures): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} payouts",
        percentil(&tiempos, 0.50),
        percentil(&tiempos, 0.99),
        tiempos.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        tiempos.len()
    );
    sg.stop().await
}

/// 100,000 payouts in four states and three currencies, each with one commission of one
/// of 50 campaigns (bulk SQL).
async fn cien_mil_pagos(db: &DatabaseConnection) -> Result<()> {
    let campanias: Vec<Uuid> = (0..50).map(|_| Uuid::now_v7()).collect();
    let estados = [
        "EXITOSO",
        "EXITOSO",
        "EXITOSO",
        "PENDIENTE",
        "FALLIDO",
        "PROCESANDO",
    ];
    let monedas = ["USD", "COP", "EUR"];
    for inicio in (0..PAGOS_REPORTE).step_by(LOTE_SQL) {
        let mut pagos = Vec::with_capacity(LOTE_SQL);
        let mut comisiones = Vec::with_capacity(LOTE_SQL);
        let mut transacciones = Vec::with_capacity(LOTE_SQL);
        for i in inicio..(inicio + LOTE_SQL).min(PAGOS_REPORTE) {
            let (pago, afiliado, comision) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
            let estado = estados[i % estados.len()];
            let moneda = monedas[i % monedas.len()];
            let monto = 1_000 + (i as i64 * 37) % 100_000;
            let dia = 1 + i % 28;
            pagos.push(format!(
                "('{pago}','bench-{pago}','{afiliado}','CYCLE-{i}',{monto},'{moneda}','TRANSFERENCIA_BANCARIA','****0001','{estado}',NULL,NULL,'x',1,'2026-10-{dia:02}T00:00:00Z',NULL,NULL,'2026-10-{dia:02}T00:00:00Z','2026-10-{dia:02}T00:00:00Z',NULL)"
            ));
            comisiones.push(format!(
                "('{comision}','{}','{afiliado}','{}',NULL,'VENTA',{},'{moneda}','10',{monto},'APROBADA',NULL,'{pago}','2026-10-01T00:00:00Z','2026-10-01T00:00:00Z','2026-10-01T00:00:00Z',3)",
                Uuid::now_v7(),
                campanias[i % campanias.len()],
                monto * 10
            ));
            transacciones.push(format!(
                "('{}','{pago}','{comision}','COMISION',{monto},'{moneda}','Comisión','',  '2026-10-{dia:02}T00:00:00Z')",
                Uuid::now_v7()
            ));
        }
        db.execute_unprepared(&format!(
            "INSERT INTO pagos (id,idempotency_key,afiliado_id,ciclo,monto_minor,moneda,metodo_tipo,metodo_mascara,estado,confirmacion,motivo_fallo,solicitud,intentos,proximo_intento,lease_token,lease_hasta,fecha_creacion,fecha_actualizacion,fecha_completado) VALUES {}",
            pagos.join(",")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO comisiones (id,conversion_id,afiliado_id,campania_id,cliente_id,tipo_conversion,monto_base_minor,moneda,porcentaje,monto_minor,estado,motivo_rechazo,pago_id,fecha_conversion,fecha_creacion,fecha_actualizacion,version) VALUES {}",
            comisiones.join(",")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO transacciones (id,pago_id,comision_id,tipo,monto_minor,moneda,descripcion,referencia,fecha) VALUES {}",
            transacciones.join(",")
        ))
        .await?;
    }
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

async fn reporte() -> Result<()> {
    let sg = TestSubgraph::start(&Pagos::with_config(Config::default()), Backend::Postgres).await?;
    let t = Instant::now();
    cien_mil_pagos(&sg.db.db).await?;
    println!(
        "reportePagos set-up: {PAGOS_REPORTE} payouts inserted in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let url = format!("{}/graphql", sg.base_url);
    let http = reqwest::Client::new();
    let consulta = "query($f: FiltroReporteInput) { reportePagos(filtro: $f) { version totalPagos totalMonto { valor moneda }
      ... on ReportePagosV2 { ticketPromedio { valor } porEstado { estado cantidad } porCampania { pagos } } } }";
    for version in ["V1", "V2"] {
        gql(&http, &url, "mutation($v: VersionReporte!) { cambiarVersionReporte(input: {version: $v}) { version } }", json!({ "v": version })).await?;
        for (nombre, filtro) in [
            ("all", json!(null)),
            (
                "one week",
                json!({ "desde": "2026-10-08T00:00:00Z", "hasta": "2026-10-14T23:59:59Z" }),
            ),
        ] {
            let data = gql(&http, &url, consulta, json!({ "f": filtro })).await?;
            let total = data["reportePagos"]["totalPagos"]
                .as_u64()
                .context("total")?;
            let mut tiempos = Vec::new();
            for _ in 0..20 {
                let t = Instant::now();
                gql(&http, &url, consulta, json!({ "f": filtro })).await?;
                tiempos.push(t.elapsed());
            }
            tiempos.sort();
            println!(
                "reportePagos {version} over {total} of {PAGOS_REPORTE} payouts ({nombre}): p50 {:.1} ms, p99 {:.1} ms",
                percentil(&tiempos, 0.50),
                percentil(&tiempos, 0.99)
            );
        }
    }
    sg.stop().await
}

#[tokio::main]
async fn main() -> Result<()> {
    pagar_bajo_carga().await?;
    hasta_exitoso().await?;
    reporte().await
}
