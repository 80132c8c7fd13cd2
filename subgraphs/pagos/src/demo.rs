//! Demo data of `pagos`. Nothing is loaded directly: commissions arrive from the demo's
//! validated conversions through the event bus, as in production. Then [`con_dinero`]
//! does what operators do at a month's end, through the application service and the real
//! payout worker: it reviews the older commissions (most approved, some rejected, with
//! comments) and pays partners, so every payout state has examples:
//! - EXITOSO: charged by the simulated provider (after retries where it failed);
//! - FALLIDO: sent to the provider's closed test account ([`CUENTA_CERRADA`]);
//! - PROCESANDO: sent to the test account whose bank is in maintenance
//!   ([`CUENTA_EN_MANTENIMIENTO`]): retried after the delay the provider asks for;
//! - PENDIENTE: scheduled for the next payment run ([`DIAS_HASTA_PROXIMO_PAGO`] days ahead).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use subgraph_kit::{DomainError, DomainResult, Moneda, PageRequest, demo::reference_instant};
use tokio::sync::watch;
use uuid::Uuid;

use crate::adapters::{CUENTA_CERRADA, CUENTA_EN_MANTENIMIENTO, PasarelaSimulada};
use crate::application::PagosService;
use crate::domain::{
    Ciclo, ClaveIdempotencia, Comision, EstadoComision, FiltroComisiones, FiltroPagos, MetodoPago,
    Revision, SolicitudPago, TipoMetodoPago,
};

/// Loads nothing (see the module documentation); returns rows added.
pub async fn seed(_db: &DatabaseConnection) -> Result<u64, DomainError> {
    Ok(0)
}

/// The actor of the demo's reviews and payout requests in the audit trails.
pub const ACTOR_DEMO: &str = "demo";
/// The cycle the demo pays.
pub const CICLO_DEMO: &str = "CYCLE-2026-10";
/// Commissions of conversions at most this many days before the demo's reference
/// instant are left to review (CALCULADA).
pub const DIAS_SIN_REVISAR: i64 = 21;
/// How far ahead the demo's scheduled payouts wait.
pub const DIAS_HASTA_PROXIMO_PAGO: i64 = 14;
/// Every how many reviewed commissions one is rejected.
const CADA_RECHAZO: usize = 20;
/// How long the demo waits for the commissions of the demo conversions.
const ESPERA_COMISIONES: Duration = Duration::from_secs(180);
/// How often it looks while waiting.
const SONDEO: Duration = Duration::from_millis(250);

/// What the demo does with a partner's payable commissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destino {
    /// Paid to a regular account (EXITOSO).
    Pagar,
    /// Sent to the closed test account (FALLIDO).
    CuentaCerrada,
    /// Sent to the test account in maintenance (PROCESANDO).
    Mantenimiento,
    /// Scheduled for the next payment run (PENDIENTE).
    Programar,
    /// Not requested: the balance stays pending.
    NoPagar,
}

/// The demo partners (positions in the demo partners' order) with one payout state each,
/// as the demo's partner users: the fifth, not the fourth, because the fourth has only
/// commissions of zero (leads without value) and so nothing to pay.
pub const SOCIOS_CON_USUARIO: [(usize, Destino); 4] = [
    (0, Destino::Pagar),
    (1, Destino::CuentaCerrada),
    (2, Destino::Mantenimiento),
    (4, Destino::Programar),
];

/// The demo's choice for the partner at `posicion` in the demo partners' order: those of
/// [`SOCIOS_CON_USUARIO`] as it says, the rest by a fixed pattern.
pub fn destino(posicion: usize) -> Destino {
    if let Some((_, destino)) = SOCIOS_CON_USUARIO.iter().find(|(p, _)| *p == posicion) {
        return *destino;
    }
    match posicion % 12 {
        3 | 10 => Destino::NoPagar,
        7 => Destino::CuentaCerrada,
        8 => Destino::Mantenimiento,
        11 => Destino::Programar,
        _ => Destino::Pagar,
    }
}

/// What the demo did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResumenDemo {
    /// Commissions approved.
    pub aprobadas: usize,
    /// Commissions rejected.
    pub rechazadas: usize,
    /// Payouts requested.
    pub pagos: usize,
}

/// Waits for the commissions of the `esperadas` validated demo conversions, then reviews
/// and pays as the module documentation says; `afiliados` are the demo partners in their
/// order. Does nothing (`None`) when a payout exists already (an earlier start did it)
/// or when `stop` turns true first.
pub async fn con_dinero(
    db: DatabaseConnection,
    esperadas: u64,
    afiliados: &[Uuid],
    mut stop: watch::Receiver<bool>,
) -> DomainResult<Option<ResumenDemo>> {
    let config = crate::Config::from_env().unwrap_or_default();
    let pasarela = Arc::new(PasarelaSimulada::new(config.pasarela));
    let service = crate::service(db, pasarela, config.version_reporte);
    let una = PageRequest::new(1, 1)?;
    if service
        .listar_pagos(&FiltroPagos::default(), una)
        .await?
        .0
        .total
        > 0
    {
        return Ok(None);
    }
    let listas = tokio::select! {
        listas = esperar_comisiones(&service, esperadas) => listas?,
        _ = stop.wait_for(|s| *s) => return Ok(None),
    };
    if !listas {
        tracing::warn!(
            esperadas,
            "demo: not every demo commission arrived in time; reviewing those that did"
        );
    }
    let ahora = Utc::now();
    let mut resumen = revisar(&service, ahora).await?;
    resumen.pagos = pagar(&service, afiliados, ahora).await?;
    tracing::info!(
        aprobadas = resumen.aprobadas,
        rechazadas = resumen.rechazadas,
        pagos = resumen.pagos,
        "demo: commissions reviewed and payouts requested"
    );
    Ok(Some(resumen))
}

/// Polls until `esperadas` commissions exist and none waits for its rates; false when
/// the wait ran out first.
async fn esperar_comisiones(service: &PagosService, esperadas: u64) -> DomainResult<bool> {
    let una = PageRequest::new(1, 1)?;
    let limite = tokio::time::Instant::now() + ESPERA_COMISIONES;
    loop {
        let todas = service
            .listar_comisiones(&FiltroComisiones::default(), una)
            .await?
            .total;
        let pendientes = service
            .listar_comisiones(
                &FiltroComisiones {
                    estado: Some(EstadoComision::Pendiente),
                    ..FiltroComisiones::default()
                },
                una,
            )
            .await?
            .total;
        if todas >= esperadas && pendientes == 0 {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= limite {
            return Ok(false);
        }
        tokio::time::sleep(SONDEO).await;
    }
}

/// Reviews the calculated commissions of conversions older than [`DIAS_SIN_REVISAR`]
/// days, oldest first: one in [`CADA_RECHAZO`] rejected, the others approved.
async fn revisar(service: &PagosService, ahora: DateTime<Utc>) -> DomainResult<ResumenDemo> {
    let corte = reference_instant() - chrono::Duration::days(DIAS_SIN_REVISAR);
    let mut calculadas: Vec<Comision> = service
        .repo()
        .exportar_comisiones(
            &FiltroComisiones {
                estado: Some(EstadoComision::Calculada),
                ..FiltroComisiones::default()
            },
            100_000,
        )
        .await?
        .into_iter()
        .filter(|c| c.fecha_conversion <= corte)
        .collect();
    calculadas.sort_by_key(|c| (c.fecha_conversion, c.conversion_id));
    let aprobacion = Revision::new(
        Some("Revisión mensual: conversión verificada con el anunciante"),
        Some("manual"),
        Some("estandar"),
    )?;
    let rechazo = Revision::new(
        Some("Revisión mensual: el anunciante no confirmó la venta"),
        Some("manual"),
        Some("estandar"),
    )?;
    let mut resumen = ResumenDemo::default();
    for (n, comision) in calculadas.iter().enumerate() {
        if n % CADA_RECHAZO == CADA_RECHAZO - 1 {
            service
                .rechazar_comision(
                    comision.id,
                    "Tráfico no válido detectado en la revisión",
                    rechazo.clone(),
                    ACTOR_DEMO,
                    ahora,
                )
                .await?;
            resumen.rechazadas += 1;
        } else {
            service
                .aprobar_comision(comision.id, aprobacion.clone(), ACTOR_DEMO, ahora)
                .await?;
            resumen.aprobadas += 1;
        }
    }
    Ok(resumen)
}

/// Requests one payout of [`CICLO_DEMO`] per partner with payable commissions, as
/// [`destino`] says; returns how many were accepted. A partner who cannot be paid
/// (inactive, under the minimum) is skipped.
async fn pagar(
    service: &PagosService,
    afiliados: &[Uuid],
    ahora: DateTime<Utc>,
) -> DomainResult<usize> {
    let ciclo = Ciclo::parse(CICLO_DEMO)?;
    let mut aceptados = 0;
    for (posicion, afiliado_id) in afiliados.iter().enumerate() {
        let destino = destino(posicion);
        if destino == Destino::NoPagar {
            continue;
        }
        // The first currency whose balance can be paid (not zero, not under the minimum).
        for moneda in service.repo().monedas_pagables(*afiliado_id).await? {
            if solicitar(service, *afiliado_id, &ciclo, destino, moneda, ahora).await? {
                aceptados += 1;
                break;
            }
        }
    }
    Ok(aceptados)
}

/// Requests the payout of one partner in one currency; false when it cannot be paid.
async fn solicitar(
    service: &PagosService,
    afiliado_id: Uuid,
    ciclo: &Ciclo,
    destino: Destino,
    moneda: Moneda,
    ahora: DateTime<Utc>,
) -> DomainResult<bool> {
    let digitos = match destino {
        Destino::CuentaCerrada => CUENTA_CERRADA.to_owned(),
        Destino::Mantenimiento => CUENTA_EN_MANTENIMIENTO.to_owned(),
        _ => cuenta_regular(&afiliado_id),
    };
    let solicitud = SolicitudPago {
        // The same key on every attempt: a demo interrupted and run again pays nobody twice.
        clave: ClaveIdempotencia::parse(&format!(
            "demo-{}-{}",
            ciclo.as_str(),
            afiliado_id.simple()
        ))?,
        afiliado_id,
        ciclo: ciclo.clone(),
        metodo_pago: MetodoPago::new(
            TipoMetodoPago::TransferenciaBancaria,
            &format!("****{digitos}"),
        )?,
        moneda: Some(moneda),
        programado_para: (destino == Destino::Programar)
            .then(|| ahora + chrono::Duration::days(DIAS_HASTA_PROXIMO_PAGO)),
    };
    match service.pagar(solicitud, ACTOR_DEMO, ahora).await {
        Ok(_) => Ok(true),
        Err(DomainError::InvalidInput { mensaje, .. }) => {
            tracing::debug!(%afiliado_id, %mensaje, "demo: partner not paid");
            Ok(false)
        }
        Err(error) => Err(error),
    }
}

/// Four digits of a partner's regular account, never a test account's.
fn cuenta_regular(afiliado_id: &Uuid) -> String {
    let n = afiliado_id.as_u128() % 9_000 + 1_000;
    format!("{n:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partner_users_have_one_state_each_and_the_pattern_repeats() {
        let usuarios: Vec<Destino> = SOCIOS_CON_USUARIO
            .iter()
            .map(|(posicion, _)| destino(*posicion))
            .collect();
        assert_eq!(
            usuarios,
            [
                Destino::Pagar,
                Destino::CuentaCerrada,
                Destino::Mantenimiento,
                Destino::Programar
            ]
        );
        let resto: Vec<Destino> = (5..200).map(destino).collect();
        for d in [
            Destino::Pagar,
            Destino::CuentaCerrada,
            Destino::Mantenimiento,
            Destino::Programar,
            Destino::NoPagar,
        ] {
            assert!(resto.contains(&d), "{d:?}");
        }
    }

    #[test]
    fn regular_accounts_are_never_test_accounts() {
        for n in 0..10_000u128 {
            let cuenta = cuenta_regular(&Uuid::from_u128(n * 0x9E37_79B9_7F4A_7C15));
            assert_eq!(cuenta.len(), 4);
            assert_ne!(cuenta, CUENTA_CERRADA);
            assert_ne!(cuenta, CUENTA_EN_MANTENIMIENTO);
        }
    }
}
