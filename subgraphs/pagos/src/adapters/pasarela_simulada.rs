//! A simulated payment provider (the seeds' `StripeAdapter`): latency, transient
//! failures and refusals at configurable rates, deterministic for a seed, and — like a
//! real provider's idempotency keys — at most one charge per key.
//!
//! Like a real provider's test mode, two destination accounts always behave the same
//! way, whatever the rates: a mask ending in [`CUENTA_CERRADA`] is refused for good, and
//! one ending in [`CUENTA_EN_MANTENIMIENTO`] answers that its bank is in maintenance and
//! to come back after [`OpcionesSimulador::mantenimiento`].

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use subgraph_kit::{Dinero, Moneda};

use crate::domain::{Cobro, FalloCobro, PasarelaDePagos, SolicitudCobro};

/// Behaviour of the simulated provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpcionesSimulador {
    /// Time each call takes.
    pub latencia: Duration,
    /// Percentage (0–100) of attempts failing transiently (retried by the worker).
    pub tasa_fallo: u8,
    /// Percentage (0–100) of attempts refused for good.
    pub tasa_rechazo: u8,
    /// Seed: the same seed, key and attempt number always give the same outcome.
    pub semilla: u64,
    /// Currencies it pays out in.
    pub monedas: Vec<Moneda>,
    /// How long the bank of [`CUENTA_EN_MANTENIMIENTO`] asks callers to wait.
    pub mantenimiento: Duration,
}

/// Last digits of the test account the provider refuses for good (a closed account).
pub const CUENTA_CERRADA: &str = "0002";
/// Last digits of the test account whose bank is in maintenance (retry later).
pub const CUENTA_EN_MANTENIMIENTO: &str = "0009";

impl Default for OpcionesSimulador {
    fn default() -> Self {
        Self {
            latencia: Duration::from_millis(200),
            tasa_fallo: 10,
            tasa_rechazo: 0,
            semilla: 42,
            monedas: Moneda::ALL.to_vec(),
            mantenimiento: Duration::from_secs(6 * 3600),
        }
    }
}

#[derive(Clone, Debug)]
struct Cargo {
    confirmacion: String,
    monto: Dinero,
}

#[derive(Default)]
struct Libro {
    cargos: HashMap<String, Cargo>,
    intentos: HashMap<String, u32>,
}

/// The simulated provider. Its ledger lives as long as the value: share one `Arc` to
/// model one provider outliving worker restarts.
pub struct PasarelaSimulada {
    opciones: OpcionesSimulador,
    libro: Mutex<Libro>,
}

impl PasarelaSimulada {
    /// A provider with these options.
    pub fn new(opciones: OpcionesSimulador) -> Self {
        Self {
            opciones,
            libro: Mutex::new(Libro::default()),
        }
    }

    /// How many charges it has made (each key at most once).
    pub fn cargos(&self) -> usize {
        self.libro.lock().map(|l| l.cargos.len()).unwrap_or(0)
    }

    /// How many times it was called with `clave` (charges and failures).
    pub fn llamadas(&self, clave: &str) -> u32 {
        self.libro
            .lock()
            .map(|l| l.intentos.get(clave).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// A number in 0..100 fixed by the seed, the key and the attempt.
    fn tirada(&self, clave: &str, intento: u32) -> (u8, String) {
        let digest = Sha256::new()
            .chain_update(self.opciones.semilla.to_le_bytes())
            .chain_update(clave.as_bytes())
            .chain_update(intento.to_le_bytes())
            .finalize();
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        let n = u64::from_le_bytes(bytes);
        ((n % 100) as u8, format!("SIM-{n:016X}"))
    }
}

#[async_trait]
impl PasarelaDePagos for PasarelaSimulada {
    async fn cobrar(&self, s: &SolicitudCobro) -> Result<Cobro, FalloCobro> {
        tokio::time::sleep(self.opciones.latencia).await;
        let mut libro = self
            .libro
            .lock()
            .map_err(|_| FalloCobro::Transitorio("proveedor no disponible".into()))?;
        let intento = {
            let n = libro.intentos.entry(s.clave.clone()).or_insert(0);
            *n += 1;
            *n
        };
        if let Some(cargo) = libro.cargos.get(&s.clave) {
            return if cargo.monto == s.monto {
                Ok(Cobro {
                    confirmacion: cargo.confirmacion.clone(),
                })
            } else {
                Err(FalloCobro::Rechazado(format!(
                    "la clave {} ya se cobró por {}",
                    s.clave, cargo.monto
                )))
            };
        }
        if s.metodo.mascara.ends_with(CUENTA_CERRADA) {
            return Err(FalloCobro::Rechazado(
                "cuenta de destino cerrada (cuenta de prueba del simulador)".into(),
            ));
        }
        if s.metodo.mascara.ends_with(CUENTA_EN_MANTENIMIENTO) {
            return Err(FalloCobro::Aplazado {
                motivo:
                    "el banco de destino está en mantenimiento (cuenta de prueba del simulador)"
                        .into(),
                reintentar_en: self.opciones.mantenimiento,
            });
        }
        let (tirada, confirmacion) = self.tirada(&s.clave, intento);
        if tirada < self.opciones.tasa_fallo {
            return Err(FalloCobro::Transitorio(
                "tiempo de espera agotado con el proveedor (simulado)".into(),
            ));
        }
        if tirada
            < self
                .opciones
                .tasa_fallo
                .saturating_add(self.opciones.tasa_rechazo)
        {
            return Err(FalloCobro::Rechazado(
                "cuenta de destino rechazada por el banco (simulado)".into(),
            ));
        }
        libro.cargos.insert(
            s.clave.clone(),
            Cargo {
                confirmacion: confirmacion.clone(),
                monto: s.monto,
            },
        );
        Ok(Cobro { confirmacion })
    }

    fn admite(&self, moneda: Moneda) -> bool {
        self.opciones.monedas.contains(&moneda)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::*;
    use crate::domain::{MetodoPago, TipoMetodoPago};

    fn solicitud(clave: &str) -> SolicitudCobro {
        SolicitudCobro {
            clave: clave.into(),
            pago_id: Uuid::now_v7(),
            afiliado_id: Uuid::now_v7(),
            monto: Dinero::new(dec!(10), Moneda::Usd).unwrap(),
            metodo: MetodoPago::new(TipoMetodoPago::TransferenciaBancaria, "****0001").unwrap(),
        }
    }

    fn rapida(tasa_fallo: u8, semilla: u64) -> PasarelaSimulada {
        PasarelaSimulada::new(OpcionesSimulador {
            latencia: Duration::ZERO,
            tasa_fallo,
            semilla,
            ..OpcionesSimulador::default()
        })
    }

    #[tokio::test]
    async fn one_key_is_charged_once() {
        let p = rapida(0, 1);
        let a = p.cobrar(&solicitud("clave-000001")).await.unwrap();
        let b = p.cobrar(&solicitud("clave-000001")).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(p.cargos(), 1);
        assert_eq!(p.llamadas("clave-000001"), 2);
        let mut otro_monto = solicitud("clave-000001");
        otro_monto.monto = Dinero::new(dec!(11), Moneda::Usd).unwrap();
        assert!(matches!(
            p.cobrar(&otro_monto).await,
            Err(FalloCobro::Rechazado(_))
        ));
    }

    #[tokio::test]
    async fn test_accounts_behave_the_same_whatever_the_rates() {
        let p = rapida(0, 1);
        let mut cerrada = solicitud("clave-000002");
        cerrada.metodo =
            MetodoPago::new(TipoMetodoPago::TransferenciaBancaria, "****0002").unwrap();
        assert!(matches!(
            p.cobrar(&cerrada).await,
            Err(FalloCobro::Rechazado(_))
        ));
        let mut mantenimiento = solicitud("clave-000009");
        mantenimiento.metodo =
            MetodoPago::new(TipoMetodoPago::TransferenciaBancaria, "****0009").unwrap();
        match p.cobrar(&mantenimiento).await {
            Err(FalloCobro::Aplazado { reintentar_en, .. }) => {
                assert_eq!(reintentar_en, OpcionesSimulador::default().mantenimiento)
            }
            other => panic!("expected a maintenance delay, got {other:?}"),
        }
        assert_eq!(p.cargos(), 0);
    }

    #[tokio::test]
    async fn outcomes_are_deterministic_for_a_seed() {
        let mut resultados = Vec::new();
        for _ in 0..2 {
            let p = rapida(50, 7);
            let mut r = Vec::new();
            for i in 0..40 {
                r.push(p.cobrar(&solicitud(&format!("clave-{i:06}"))).await.is_ok());
            }
            resultados.push(r);
        }
        assert_eq!(resultados[0], resultados[1]);
        let exitos = resultados[0].iter().filter(|ok| **ok).count();
        assert!((8..=32).contains(&exitos), "{exitos} of 40 at 50 %");
    }
}
