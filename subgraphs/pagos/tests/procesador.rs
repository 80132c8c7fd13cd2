//! The payout worker: a crash between the charge and its record never charges twice,
//! transient failures are retried with backoff, a final failure releases the commissions,
//! and concurrent workers charge each payout once.

mod common;

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::Utc;
use common::*;
use pagos::{
    adapters::{OpcionesSimulador, PasarelaSimulada},
    application::{OpcionesProcesador, Procesador},
    domain::{Cobro, FalloCobro, PasarelaDePagos, SolicitudCobro},
    persistence::SeaPagosRepository,
};
use serde_json::{Value, json};
use subgraph_kit::{Clock, ManualClock, Moneda};
use testkit::{Backend, TestSubgraph, on_both_backends};
use tokio::sync::Notify;

/// Fault injection: delegates to the real provider, then never returns, like a worker
/// process that dies right after the provider charged and before the result was saved.
struct MuereTrasCobrar {
    real: Arc<PasarelaSimulada>,
    cobrado: Arc<Notify>,
}

#[async_trait]
impl PasarelaDePagos for MuereTrasCobrar {
    async fn cobrar(&self, s: &SolicitudCobro) -> Result<Cobro, FalloCobro> {
        let cobro = self.real.cobrar(s).await;
        self.cobrado.notify_one();
        std::future::pending::<()>().await;
        cobro
    }

    fn admite(&self, moneda: Moneda) -> bool {
        self.real.admite(moneda)
    }
}

async fn pago(sg: &TestSubgraph, id: &Value) -> Result<Value> {
    Ok(sg.data(PAGO, json!({ "id": id })).await?["pago"].clone())
}

async fn solicitar(sg: &TestSubgraph, e: &Escenario, clave: &str, ciclo: &str) -> Result<Value> {
    let data = sg
        .data(PAGAR, pagar_input(clave, e.afiliado, ciclo))
        .await?;
    Ok(data["pagar"]["pago"]["id"].clone())
}

fn worker(
    sg: &TestSubgraph,
    pasarela: Arc<dyn PasarelaDePagos>,
    opciones: OpcionesProcesador,
) -> Procesador {
    Procesador::new(
        Arc::new(SeaPagosRepository::new(sg.db.db.clone())),
        pasarela,
        opciones,
    )
}

/// A clock the test moves by hand, started now (after the payouts were requested).
fn reloj() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc::now()))
}

/// Moves `reloj` past any retry delay of `opciones` (the longest, plus its 25 % jitter).
fn pasar_espera(reloj: &ManualClock, opciones: &OpcionesProcesador) -> Result<()> {
    reloj.advance(chrono::Duration::from_std(opciones.backoff_max * 2)?);
    Ok(())
}

async fn a_crash_after_the_charge_never_charges_twice(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let id = solicitar(&sg, &e, "clave-crash-0001", "CYCLE-1").await?;
    let proveedor = pasarela();
    let cobrado = Arc::new(Notify::new());
    let opciones = OpcionesProcesador {
        lease: Duration::from_secs(30),
        ..config().procesador
    };
    let reloj = reloj();
    let moribundo = worker(
        &sg,
        Arc::new(MuereTrasCobrar {
            real: proveedor.clone(),
            cobrado: cobrado.clone(),
        }),
        opciones.clone(),
    )
    .con_reloj(reloj.clone());
    let tarea = tokio::spawn(async move { moribundo.ronda().await });
    tokio::time::timeout(Duration::from_secs(10), cobrado.notified())
        .await
        .context("the provider was called")?;
    tarea.abort();
    assert_eq!(proveedor.cargos(), 1);
    assert_eq!(
        pago(&sg, &id).await?["estado"],
        "PROCESANDO",
        "charged, but the result was never saved"
    );

    // A new worker (the restarted process) with the same provider: it waits for the lease.
    let reinicio = worker(&sg, proveedor.clone(), opciones).con_reloj(reloj.clone());
    assert_eq!(reinicio.ronda().await?, 0, "the lease still holds");
    reloj.advance(chrono::Duration::seconds(29));
    assert_eq!(
        reinicio.ronda().await?,
        0,
        "the lease still holds a second before it ends"
    );
    reloj.advance(chrono::Duration::seconds(2));
    assert_eq!(reinicio.ronda().await?, 1);
    let pago = pago(&sg, &id).await?;
    assert_eq!(pago["estado"], "EXITOSO");
    assert_eq!(pago["intentos"], 2);
    assert_eq!(
        proveedor.cargos(),
        1,
        "exactly one charge recorded by the provider"
    );
    assert_eq!(
        proveedor.llamadas("clave-crash-0001"),
        2,
        "asked twice, charged once"
    );
    let cargos = pago["transacciones"]
        .as_array()
        .context("list")?
        .iter()
        .filter(|t| t["tipo"] == "CARGO")
        .count();
    assert_eq!(cargos, 1);
    sg.stop().await
}

async fn transient_failures_are_retried_until_paid(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let id = solicitar(&sg, &e, "clave-reintento-01", "CYCLE-1").await?;
    // 60 % transient failures, fixed seed: a few attempts, then success.
    let proveedor = Arc::new(PasarelaSimulada::new(OpcionesSimulador {
        latencia: Duration::ZERO,
        tasa_fallo: 60,
        semilla: 3,
        ..OpcionesSimulador::default()
    }));
    let opciones = OpcionesProcesador {
        max_intentos: 20,
        ..config().procesador
    };
    let reloj = reloj();
    let w = worker(&sg, proveedor.clone(), opciones.clone()).con_reloj(reloj.clone());
    for _ in 0..opciones.max_intentos {
        w.ronda().await?;
        if pago(&sg, &id).await?["estado"] == "EXITOSO" {
            break;
        }
        pasar_espera(&reloj, &opciones)?;
    }
    let pago = pago(&sg, &id).await?;
    assert_eq!(pago["estado"], "EXITOSO", "{pago}");
    let intentos = pago["intentos"].as_u64().context("attempts")?;
    assert!(
        intentos > 1,
        "the seed makes the first attempt fail: {pago}"
    );
    let reintentos = pago["auditoria"]
        .as_array()
        .context("list")?
        .iter()
        .filter(|a| a["evento"] == "PagoReintentoProgramado")
        .count() as u64;
    assert_eq!(reintentos, intentos - 1);
    assert_eq!(proveedor.cargos(), 1);
    sg.stop().await
}

async fn a_final_failure_releases_the_commissions(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    let comision = e.comision_aprobada(&sg, "100", "USD").await?;
    let id = solicitar(&sg, &e, "clave-fallo-0001", "CYCLE-1").await?;
    let siempre_falla = Arc::new(PasarelaSimulada::new(OpcionesSimulador {
        latencia: Duration::ZERO,
        tasa_fallo: 100,
        ..OpcionesSimulador::default()
    }));
    let opciones = OpcionesProcesador {
        max_intentos: 3,
        ..config().procesador
    };
    let reloj = reloj();
    let w = worker(&sg, siempre_falla.clone(), opciones.clone()).con_reloj(reloj.clone());
    for _ in 0..opciones.max_intentos {
        w.ronda().await?;
        if pago(&sg, &id).await?["estado"] == "FALLIDO" {
            break;
        }
        pasar_espera(&reloj, &opciones)?;
    }
    let fallido = pago(&sg, &id).await?;
    assert_eq!(fallido["estado"], "FALLIDO", "{fallido}");
    assert_eq!(fallido["intentos"], 3);
    assert!(
        fallido["motivoFallo"]
            .as_str()
            .is_some_and(|m| m.contains("3 intentos")),
        "{fallido}"
    );
    let tipos: Vec<&str> = fallido["transacciones"]
        .as_array()
        .context("list")?
        .iter()
        .filter_map(|t| t["tipo"].as_str())
        .collect();
    assert_eq!(tipos, ["COMISION", "LIBERACION"]);
    assert_eq!(siempre_falla.cargos(), 0);
    let estado = sg
        .data(
            "query($id: ID!) { comision(id: $id) { estado pago { id } } }",
            json!({ "id": comision }),
        )
        .await?;
    assert_eq!(
        estado["comision"],
        json!({ "estado": "APROBADA", "pago": null }),
        "released"
    );
    assert!(
        testkit::outbox(&sg.db.db)
            .await?
            .iter()
            .any(|(t, _, d)| t == "PagoFallido.v1" && d["pagoId"] == fallido["id"])
    );

    // Released commissions are paid by the next cycle's payout.
    let segundo = solicitar(&sg, &e, "clave-fallo-0002", "CYCLE-2").await?;
    let proveedor = pasarela();
    worker(&sg, proveedor.clone(), config().procesador)
        .ronda()
        .await?;
    let pagado = pago(&sg, &segundo).await?;
    assert_eq!(pagado["estado"], "EXITOSO");
    assert_eq!(
        pagado["comisiones"],
        json!([{ "id": comision, "estado": "PAGADA" }])
    );
    assert_eq!(proveedor.cargos(), 1);
    sg.stop().await
}

async fn concurrent_workers_charge_each_payout_once(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let proveedor = Arc::new(PasarelaSimulada::new(OpcionesSimulador {
        latencia: Duration::from_millis(5),
        tasa_fallo: 0,
        ..OpcionesSimulador::default()
    }));
    let mut escenarios = Vec::new();
    for i in 0..20 {
        let e = Escenario::nuevo(&sg, "1").await?;
        e.comision_aprobada(&sg, "100", "USD").await?;
        solicitar(&sg, &e, &format!("clave-multi-{i:04}"), "CYCLE-1").await?;
        escenarios.push(e);
    }
    let opciones = OpcionesProcesador {
        lote: 4,
        ..config().procesador
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let despertar = Arc::new(Notify::new());
    let tareas: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(
                worker(&sg, proveedor.clone(), opciones.clone())
                    .ejecutar(despertar.clone(), stop.clone()),
            )
        })
        .collect();
    let mut exitosos = 0;
    for _ in 0..500 {
        exitosos = count(
            &sg.db.db,
            "SELECT COUNT(*) AS n FROM pagos WHERE estado = 'EXITOSO'",
        )
        .await?;
        if exitosos == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_tx.send(true)?;
    for t in tareas {
        t.await?;
    }
    assert_eq!(exitosos, 20);
    assert_eq!(proveedor.cargos(), 20);
    for i in 0..20 {
        assert_eq!(
            proveedor.llamadas(&format!("clave-multi-{i:04}")),
            1,
            "payout {i} charged by one worker"
        );
    }
    assert_eq!(
        count(
            &sg.db.db,
            "SELECT COUNT(*) AS n FROM transacciones WHERE tipo = 'CARGO'"
        )
        .await?,
        20
    );
    sg.stop().await
}

/// A payout request to one of the simulator's accounts, scheduled or not.
fn pagar_a(clave: &str, e: &Escenario, mascara: &str, programado: Option<&str>) -> Value {
    let mut input = pagar_input(clave, e.afiliado, "CYCLE-1");
    input["input"]["metodoPago"] = json!({ "tipo": "TRANSFERENCIA_BANCARIA", "mascara": mascara });
    if let Some(fecha) = programado {
        input["input"]["programadoPara"] = json!(fecha);
    }
    input
}

async fn a_scheduled_payout_waits_for_its_payment_run(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    // Whole seconds: stored times keep microseconds.
    let run =
        (Utc::now() + chrono::Duration::days(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let data = sg
        .data(
            PAGAR,
            pagar_a("clave-programada-1", &e, "****4321", Some(&run)),
        )
        .await?;
    let id = data["pagar"]["pago"]["id"].clone();
    let proveedor = pasarela();
    let reloj = reloj();
    let w = worker(&sg, proveedor.clone(), config().procesador).con_reloj(reloj.clone());
    assert_eq!(w.ronda().await?, 0, "not due before its run");
    let antes = sg
        .data(
            "query($id: ID!) { pago(id: $id) { estado proximoIntento comisiones { estado } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(antes["pago"]["estado"], "PENDIENTE");
    assert_eq!(
        antes["pago"]["comisiones"],
        json!([{ "estado": "APROBADA" }]),
        "reserved by the payout"
    );
    let proximo = chrono::DateTime::parse_from_rfc3339(
        antes["pago"]["proximoIntento"].as_str().context("date")?,
    )?;
    assert_eq!(proximo, chrono::DateTime::parse_from_rfc3339(&run)?);
    // A second request for the cycle returns the scheduled payout, not a new one.
    let otra = sg
        .data(PAGAR, pagar_a("clave-programada-2", &e, "****4321", None))
        .await?;
    assert_eq!(otra["pagar"]["pago"]["id"], id);
    reloj.advance(chrono::Duration::days(3) + chrono::Duration::seconds(1));
    assert_eq!(w.ronda().await?, 1, "due at its run");
    let pagado = pago(&sg, &id).await?;
    assert_eq!(pagado["estado"], "EXITOSO", "{pagado}");
    // More than a year ahead is refused, and nothing is written.
    let lejos = (Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    let e2 = Escenario::nuevo(&sg, "2").await?;
    e2.comision_aprobada(&sg, "100", "USD").await?;
    let error = sg
        .gql(
            PAGAR,
            pagar_a("clave-programada-3", &e2, "****4321", Some(&lejos)),
        )
        .await?["errors"][0]
        .clone();
    assert_eq!(error["extensions"]["campo"], "programadoPara", "{error}");
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        1,
        "nothing written"
    );
    sg.stop().await
}

async fn test_accounts_fail_for_good_or_wait_for_the_bank(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let cerrada = Escenario::nuevo(&sg, "1").await?;
    cerrada.comision_aprobada(&sg, "100", "USD").await?;
    let mantenimiento = Escenario::nuevo(&sg, "2").await?;
    mantenimiento.comision_aprobada(&sg, "100", "USD").await?;
    let id_cerrada = sg
        .data(
            PAGAR,
            pagar_a("clave-cerrada-001", &cerrada, "****0002", None),
        )
        .await?["pagar"]["pago"]["id"]
        .clone();
    let id_mant = sg
        .data(
            PAGAR,
            pagar_a("clave-mantenim-01", &mantenimiento, "****0009", None),
        )
        .await?["pagar"]["pago"]["id"]
        .clone();
    let proveedor = pasarela();
    let reloj = reloj();
    let opciones = config().procesador;
    let w = worker(&sg, proveedor.clone(), opciones.clone()).con_reloj(reloj.clone());
    assert_eq!(w.ronda().await?, 2);
    let fallido = pago(&sg, &id_cerrada).await?;
    assert_eq!(fallido["estado"], "FALLIDO", "{fallido}");
    assert_eq!(fallido["intentos"], 1, "refused for good at once");
    let espera = sg
        .data(
            "query($id: ID!) { pago(id: $id) { estado intentos proximoIntento } }",
            json!({ "id": id_mant }),
        )
        .await?;
    assert_eq!(espera["pago"]["estado"], "PROCESANDO", "{espera}");
    let proximo = chrono::DateTime::parse_from_rfc3339(
        espera["pago"]["proximoIntento"].as_str().context("date")?,
    )?;
    let pedido = chrono::Duration::from_std(OpcionesSimulador::default().mantenimiento)?;
    assert!(
        proximo >= reloj.now() + pedido - chrono::Duration::seconds(1),
        "the provider's delay wins over the backoff: {espera}"
    );
    // The usual backoff passes: still waiting for the bank.
    pasar_espera(&reloj, &opciones)?;
    assert_eq!(w.ronda().await?, 0);
    assert_eq!(proveedor.llamadas("clave-mantenim-01"), 1);
    // After the bank's delay the worker tries again.
    reloj.advance(pedido);
    assert_eq!(w.ronda().await?, 1);
    assert_eq!(proveedor.llamadas("clave-mantenim-01"), 2);
    assert_eq!(proveedor.cargos(), 0);
    sg.stop().await
}

async fn a_balance_of_zero_is_not_paid(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "0", "USD").await?;
    let error = sg
        .gql(
            PAGAR,
            pagar_input("clave-cero-00001", e.afiliado, "CYCLE-1"),
        )
        .await?["errors"][0]
        .clone();
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("suman 0")),
        "{error}"
    );
    assert_eq!(
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        0,
        "nothing written"
    );
    sg.stop().await
}

on_both_backends!(
    a_scheduled_payout_waits_for_its_payment_run,
    test_accounts_fail_for_good_or_wait_for_the_bank,
    a_balance_of_zero_is_not_paid,
    a_crash_after_the_charge_never_charges_twice,
    transient_failures_are_retried_until_paid,
    a_final_failure_releases_the_commissions,
    concurrent_workers_charge_each_payout_once,
);
