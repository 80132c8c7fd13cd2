//! Events of other contexts that change campaigns.
//!
//! `ComisionAprobada.v1` (from `pagos`) adds the commission to the campaign's
//! `gastoActual`; `ComisionRevertida.v1` (a clawback: its conversion was rejected after
//! validation) takes it back with `GastoRevertido`, by exactly the amount registered.
//! Both go through one consumer, so they keep the order `pagos` published them in (an
//! approval before its reversal) unless a failing approval is left for redelivery.
//! Delivery is at least once, in that order or not:
//! - duplicates of one event are skipped by the runtime's inbox (same transaction);
//! - the same commission approved in two different events is applied once, because the
//!   event store keeps at most one expense event per `comisionId` (unique column);
//! - commissions of one campaign commute (a sum), so their order does not matter, except
//!   near the budget: whichever arrives when the budget is used up is recorded as
//!   `SobregiroRegistrado` instead of being applied;
//! - a reversal applies only to an expense stored as `GastoRegistrado`; one refused as an
//!   overrun, or never registered, changed nothing and is acknowledged without effect on
//!   the campaign; one that found no expense is remembered (`comisiones_revertidas`), so
//!   an approval redelivered after it adds nothing;
//! - a commission is reverted at most once, because the event store keeps at most one
//!   reversal event per commission (a unique column of its own);
//! - campaigns are created here before any conversion can name them, so an unknown
//!   campaign is a permanent condition: it is logged and the event acknowledged.

use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::DatabaseTransaction;
use serde::Deserialize;
use subgraph_kit::{Dinero, DomainError, Moneda, events::EventEnvelope, messaging::EventHandler};
use uuid::Uuid;

use super::{FlujoDeEventos, SNAPSHOT_CADA, event_stream};
use crate::domain::ComandoCampania;

/// Consumer name of the expense handler (inbox key and consumer group).
pub const CONSUMER_GASTO: &str = "campanias.gasto";
/// The event type that adds an expense.
pub const COMISION_APROBADA: &str = "ComisionAprobada.v1";
/// The event type that takes an expense back.
pub const COMISION_REVERTIDA: &str = "ComisionRevertida.v1";

/// Payload of `ComisionAprobada.v1`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComisionAprobada {
    comision_id: Uuid,
    campania_id: Uuid,
    afiliado_id: Uuid,
    monto: MontoRecibido,
}

/// Payload of `ComisionRevertida.v1`: what a reversal needs of it. The amount to take back
/// is the expense registered, not the one the event carries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComisionRevertida {
    comision_id: Uuid,
    campania_id: Uuid,
    #[serde(default)]
    motivo: String,
}

#[derive(Deserialize)]
struct MontoRecibido {
    valor: serde_json::Value,
    moneda: String,
}

fn invalido(mensaje: impl Into<String>) -> DomainError {
    DomainError::invalid("datos", mensaje)
}

impl MontoRecibido {
    /// Exact amount: a decimal string or an integer; a JSON float is refused.
    fn to_domain(&self) -> Result<Dinero, DomainError> {
        let valor = match &self.valor {
            serde_json::Value::String(texto) => Decimal::from_str_exact(texto.trim())
                .map_err(|_| invalido(format!("monto.valor '{texto}' no es un decimal")))?,
            serde_json::Value::Number(n) if n.is_i64() => Decimal::from(n.as_i64().unwrap_or(0)),
            otro => {
                return Err(invalido(format!(
                    "monto.valor debe ser un decimal en texto, no {otro}"
                )));
            }
        };
        let moneda: Moneda = self
            .moneda
            .parse()
            .map_err(|e: subgraph_kit::MoneyError| invalido(e.to_string()))?;
        Dinero::new(valor, moneda).map_err(|e| invalido(e.to_string()))
    }
}

/// Reads an event's payload; a malformed one is an error (retried, then dead-lettered).
fn leer<T: serde::de::DeserializeOwned>(event: &EventEnvelope) -> Result<T, DomainError> {
    event.datos().map_err(|error| {
        tracing::error!(%error, event_id = %event.id, tipo = %event.tipo, "malformed event");
        invalido(error.to_string())
    })
}

/// Adds approved commissions to campaign expenses and takes reversed ones back
/// (`campanias.gasto`).
pub struct GastoPorComision {
    snapshot_cada: i64,
}

impl GastoPorComision {
    /// A handler taking snapshots every `snapshot_cada` events.
    pub fn new(snapshot_cada: i64) -> Self {
        Self { snapshot_cada }
    }
}

impl Default for GastoPorComision {
    fn default() -> Self {
        Self::new(SNAPSHOT_CADA)
    }
}

#[async_trait]
impl EventHandler for GastoPorComision {
    fn consumer(&self) -> &'static str {
        CONSUMER_GASTO
    }

    fn tipos(&self) -> &'static [&'static str] {
        &[COMISION_APROBADA, COMISION_REVERTIDA]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        // The runtime's transaction already holds the inbox row (and on SQLite the write
        // lock), so reading through it is consistent with the write.
        let flujo: &dyn FlujoDeEventos = txn;
        let (campania_id, comando) = match event.tipo.as_str() {
            COMISION_APROBADA => {
                let datos: ComisionAprobada = leer(event)?;
                let comando = ComandoCampania::RegistrarGasto {
                    comision_id: datos.comision_id,
                    afiliado_id: datos.afiliado_id,
                    monto: datos.monto.to_domain()?,
                };
                (datos.campania_id, comando)
            }
            COMISION_REVERTIDA => {
                let datos: ComisionRevertida = leer(event)?;
                let gasto = flujo.gasto_de_comision(datos.comision_id).await?;
                if gasto.is_none() {
                    // Its approval may still come (redelivered after this): it must add
                    // nothing then.
                    flujo
                        .recordar_reversion(datos.comision_id, datos.campania_id, Utc::now())
                        .await?;
                }
                let comando = ComandoCampania::RevertirGasto {
                    comision_id: datos.comision_id,
                    gasto: gasto.map(Box::new),
                    motivo: datos.motivo,
                };
                (datos.campania_id, comando)
            }
            _ => return Ok(()),
        };
        match event_stream::ejecutar(
            flujo,
            campania_id,
            &comando,
            None,
            Utc::now(),
            self.snapshot_cada,
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(DomainError::NotFound { .. }) => {
                tracing::warn!(
                    event_id = %event.id,
                    %campania_id,
                    tipo = %event.tipo,
                    "commission event for an unknown campaign: skipped"
                );
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
}
