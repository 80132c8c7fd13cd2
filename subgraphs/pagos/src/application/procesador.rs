//! The payout worker: claims due payouts, charges them through the payment gateway and
//! settles them. Safe with several workers and across crashes:
//! - a claim is a conditional UPDATE that sets a fresh lease token, so one worker holds a
//!   payout at a time; a crashed worker's lease expires and another claims it;
//! - a settlement only applies while the payout is still held with the same token;
//! - the provider receives the payout's idempotency key, so charging again after a crash
//!   (charged, but the state was not saved) returns the first charge, never a second.

use std::{sync::Arc, time::Duration};

use subgraph_kit::{Clock, DomainResult, clock};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::domain::{
    FalloCobro, Liquidacion, Pago, PagosRepository, PasarelaDePagos, SolicitudCobro,
};

/// Settings of the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcionesProcesador {
    /// Poll interval when nothing wakes it.
    pub intervalo: Duration,
    /// How long a claim holds a payout (longer than one charge takes).
    pub lease: Duration,
    /// Attempts before a payout fails for good.
    pub max_intentos: i32,
    /// First retry delay; doubles per attempt.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Payouts claimed per round (charged concurrently).
    pub lote: u64,
}

impl Default for OpcionesProcesador {
    fn default() -> Self {
        Self {
            intervalo: Duration::from_millis(500),
            lease: Duration::from_secs(30),
            max_intentos: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            lote: 32,
        }
    }
}

impl OpcionesProcesador {
    /// The delay before attempt `intentos + 1`: exponential, capped, with up to 25 %
    /// jitter so replicas retrying together spread out.
    pub fn espera(&self, intentos: i32) -> Duration {
        let exponente = u32::try_from(intentos.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
        let base = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(exponente))
            .min(self.backoff_max);
        let jitter_ms = u64::try_from(base.as_millis() / 4).unwrap_or(0);
        base + Duration::from_millis(if jitter_ms == 0 {
            0
        } else {
            rand::random_range(0..=jitter_ms)
        })
    }
}

/// The worker.
pub struct Procesador {
    repo: Arc<dyn PagosRepository>,
    pasarela: Arc<dyn PasarelaDePagos>,
    opciones: OpcionesProcesador,
    reloj: Arc<dyn Clock>,
}

impl Procesador {
    /// A worker over a repository and a payment gateway.
    pub fn new(
        repo: Arc<dyn PagosRepository>,
        pasarela: Arc<dyn PasarelaDePagos>,
        opciones: OpcionesProcesador,
    ) -> Self {
        Self {
            repo,
            pasarela,
            opciones,
            reloj: clock::system(),
        }
    }

    /// The same worker reading the time from `reloj`: leases and retry times follow it,
    /// so a test moves past an expiry instead of sleeping.
    pub fn con_reloj(mut self, reloj: Arc<dyn Clock>) -> Self {
        self.reloj = reloj;
        self
    }

    /// Claims and processes one batch of due payouts; returns how many it claimed.
    pub async fn ronda(&self) -> DomainResult<usize> {
        let ahora = self.reloj.now();
        let lease = chrono::Duration::from_std(self.opciones.lease)
            .unwrap_or(chrono::Duration::seconds(30));
        let token = Uuid::now_v7();
        let pagos = self
            .repo
            .reclamar(ahora, ahora + lease, token, self.opciones.lote)
            .await?;
        let n = pagos.len();
        let resultados =
            futures::future::join_all(pagos.into_iter().map(|p| self.procesar(p, token))).await;
        for resultado in resultados {
            if let Err(error) = resultado {
                tracing::error!(%error, "pagos: settling a payout failed; it is retried when its lease expires");
            }
        }
        Ok(n)
    }

    /// Charges one claimed payout and settles the outcome.
    async fn procesar(&self, pago: Pago, token: Uuid) -> DomainResult<()> {
        let solicitud = SolicitudCobro {
            clave: pago.clave.as_str().to_owned(),
            pago_id: pago.id,
            afiliado_id: pago.afiliado_id,
            monto: pago.monto_total,
            metodo: pago.metodo_pago.clone(),
        };
        // Clawbacks may leave nothing to pay: settled without a charge.
        let cobro = if pago.monto_total.valor().is_zero() {
            Ok(crate::domain::Cobro {
                confirmacion: format!("SIN-CARGO-{}", pago.id.simple()),
            })
        } else {
            self.pasarela.cobrar(&solicitud).await
        };
        let resultado = match cobro {
            Ok(cobro) => Liquidacion::Exitosa {
                confirmacion: cobro.confirmacion,
            },
            Err(FalloCobro::Transitorio(error)) if pago.intentos < self.opciones.max_intentos => {
                let espera = chrono::Duration::from_std(self.opciones.espera(pago.intentos))
                    .unwrap_or_default();
                Liquidacion::Reintento {
                    proximo: self.reloj.now() + espera,
                    error,
                }
            }
            // The provider's own delay wins over the backoff when it is longer.
            Err(FalloCobro::Aplazado {
                motivo,
                reintentar_en,
            }) if pago.intentos < self.opciones.max_intentos => {
                let espera = self.opciones.espera(pago.intentos).max(reintentar_en);
                Liquidacion::Reintento {
                    proximo: self.reloj.now()
                        + chrono::Duration::from_std(espera).unwrap_or_default(),
                    error: motivo,
                }
            }
            Err(FalloCobro::Transitorio(error) | FalloCobro::Aplazado { motivo: error, .. }) => {
                Liquidacion::Fallida {
                    motivo: format!("{} intentos fallidos; último error: {error}", pago.intentos),
                }
            }
            Err(FalloCobro::Rechazado(motivo)) => Liquidacion::Fallida { motivo },
        };
        let pago_id = pago.id;
        let cambio = pago.liquidar(resultado, self.reloj.now())?;
        if !self.repo.liquidar(&cambio, token).await? {
            tracing::warn!(%pago_id, "pagos: payout taken over by another worker; settlement skipped");
        }
        Ok(())
    }

    /// Runs rounds until `stop` turns true: at once when `despertar` is signalled,
    /// otherwise every `intervalo`; a full batch is followed by another round at once.
    pub async fn ejecutar(self, despertar: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let lleno = match self.ronda().await {
                Ok(n) => n as u64 >= self.opciones.lote,
                Err(error) => {
                    tracing::error!(%error, "pagos: worker round failed");
                    false
                }
            };
            if lleno {
                continue;
            }
            tokio::select! {
                () = despertar.notified() => {}
                () = tokio::time::sleep(self.opciones.intervalo) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap() {
        let opciones = OpcionesProcesador {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..OpcionesProcesador::default()
        };
        let primera = opciones.espera(1);
        assert!(primera >= Duration::from_millis(100) && primera <= Duration::from_millis(125));
        let tercera = opciones.espera(3);
        assert!(tercera >= Duration::from_millis(400) && tercera <= Duration::from_millis(500));
        let tope = opciones.espera(30);
        assert!(tope >= Duration::from_millis(1000) && tope <= Duration::from_millis(1250));
    }
}
