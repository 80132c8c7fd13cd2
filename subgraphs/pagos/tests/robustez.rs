//! No filter or payout input crashes the subgraph or echoes itself back: amounts in
//! filters have the kernel's limits (a huge `montoMin` once overflowed a decimal into a
//! panic), input that cannot be coerced is `BAD_USER_INPUT` on its field, and a refused
//! payout writes nothing. On SQLite and on PostgreSQL.

mod common;

use anyhow::{Result, ensure};
use common::*;
use serde_json::json;
use testkit::{Backend, bad_user_input, on_both_backends};

const PAGOS: &str = "query($f: FiltroPagosInput) { pagos(filtro: $f) { paginacion { total } } }";

async fn amount_bounds_and_bad_scalars_in_filters_are_bad_user_input(
    backend: Backend,
) -> Result<()> {
    let sg = start(backend).await?;
    let maximo_decimal = "79228162514264337593543950335";
    let casos = [
        (
            json!({ "montoMin": maximo_decimal }),
            "filtro.montoMin",
            maximo_decimal,
        ),
        (
            json!({ "montoMax": maximo_decimal }),
            "filtro.montoMax",
            maximo_decimal,
        ),
        (json!({ "montoMax": "-1" }), "filtro.montoMax", "-1"),
        // Coercion names the argument (`filtro`), not the variable (`f`).
        (json!({ "montoMin": 1.5 }), "filtro.montoMin", "1.5"),
        (json!({ "montoMin": "NaN" }), "filtro.montoMin", "NaN"),
        (
            json!({ "desde": "2024-13-01T00:00:00Z" }),
            "filtro.desde",
            "2024-13-01",
        ),
        (json!({ "estado": "PAGADO" }), "filtro.estado", "PAGADO"),
    ];
    for (filtro, campo, enviado) in casos {
        let (status, body) = sg
            .post_raw(
                "application/json",
                json!({ "query": PAGOS, "variables": { "f": filtro } }).to_string(),
            )
            .await?;
        ensure!(status == 200, "{filtro}: HTTP {status} {body}");
        bad_user_input(&body, campo, enviado)?;
    }
    // At the limit the filter works.
    let body = sg
        .data(
            PAGOS,
            json!({ "f": { "montoMin": "1000000000000", "montoMax": "1000000000000" } }),
        )
        .await?;
    ensure!(body["pagos"]["paginacion"]["total"] == 0, "{body}");
    sg.stop().await
}

async fn a_payout_with_bad_input_is_refused_and_writes_nothing(backend: Backend) -> Result<()> {
    let sg = start(backend).await?;
    let e = Escenario::nuevo(&sg, "1").await?;
    e.comision_aprobada(&sg, "100", "USD").await?;
    let antes = (
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM event_outbox").await?,
    );
    let enorme = "x".repeat(20_000);
    let casos = [
        ("/input/moneda", json!("ARS"), "moneda", "ARS"),
        (
            "/input/metodoPago/tipo",
            json!("EFECTIVO"),
            "metodoPago.tipo",
            "EFECTIVO",
        ),
        ("/input/afiliadoId", json!(1.5), "afiliadoId", "1.5"),
        ("/input/ciclo", json!(enorme), "ciclo", &enorme[..100]),
        (
            "/input/metodoPago/mascara",
            json!("€€€€1234"),
            "metodoPago.mascara",
            "€€€€",
        ),
    ];
    for (puntero, valor, campo, enviado) in casos {
        let mut input = pagar_input("clave-robustez-1", e.afiliado, "CYCLE-2024-09");
        let (padre, hoja) = puntero.rsplit_once('/').unwrap_or_default();
        if let Some(padre) = input.pointer_mut(padre) {
            padre[hoja] = valor;
        }
        bad_user_input(&sg.gql(PAGAR, input).await?, campo, enviado)?;
    }
    let despues = (
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM pagos").await?,
        count(&sg.db.db, "SELECT COUNT(*) AS n FROM event_outbox").await?,
    );
    ensure!(antes == despues, "nothing written: {antes:?} → {despues:?}");
    sg.stop().await
}

on_both_backends!(
    amount_bounds_and_bad_scalars_in_filters_are_bad_user_input,
    a_payout_with_bad_input_is_refused_and_writes_nothing,
);
