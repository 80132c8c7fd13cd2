//! The payment-gateway port (`PasarelaDePagos`): how a payout reaches a provider.

use async_trait::async_trait;
use kernel::{Dinero, Moneda};
use uuid::Uuid;

use super::MetodoPago;

/// One charge asked of the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolicitudCobro {
    /// The payout's idempotency key: the provider charges each key at most once, so a
    /// retry after a crash returns the first charge instead of making a second.
    pub clave: String,
    /// The payout.
    pub pago_id: Uuid,
    /// The partner paid.
    pub afiliado_id: Uuid,
    /// Amount.
    pub monto: Dinero,
    /// Where the money goes.
    pub metodo: MetodoPago,
}

/// A charge the provider made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cobro {
    /// The provider's confirmation id.
    pub confirmacion: String,
}

/// Why a charge was not made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FalloCobro {
    /// Temporary (timeout, provider unavailable): retried with backoff.
    #[error("fallo transitorio de la pasarela: {0}")]
    Transitorio(String),
    /// Temporary, and the provider says when to come back (a bank's maintenance
    /// window, an HTTP `Retry-After`): retried no sooner than `reintentar_en`.
    #[error("pasarela no disponible: {motivo}")]
    Aplazado {
        /// What the provider said.
        motivo: String,
        /// How long to wait before the next attempt.
        reintentar_en: std::time::Duration,
    },
    /// Refused for good (account closed, request invalid): the payout fails.
    #[error("pago rechazado por la pasarela: {0}")]
    Rechazado(String),
}

/// A payment provider.
#[async_trait]
pub trait PasarelaDePagos: Send + Sync + 'static {
    /// Charges once per `solicitud.clave`; asked again with the same key, returns the
    /// first charge.
    async fn cobrar(&self, solicitud: &SolicitudCobro) -> Result<Cobro, FalloCobro>;

    /// Whether the provider pays out in `moneda`.
    fn admite(&self, moneda: Moneda) -> bool;
}
