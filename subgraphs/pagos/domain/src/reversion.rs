//! Reversals: a conversion rejected after its commission was approved or paid
//! (`ConversionRechazada` with the conversion VALIDADA before). The commission is
//! refused; if its money went, or is going, out in a payout, a clawback ([`Reversion`])
//! records what the partner owes back, deducted from its next payouts as a negative
//! `REVERSION` movement, never below zero: what a payout does not cover is carried to
//! the next one.

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainError, DomainResult};
use uuid::Uuid;

use super::{
    Comision, EstadoComision, EstadoPago,
    eventos::{ComisionRechazada, ComisionRevertida, envelope},
    revision::{ACTOR_SISTEMA, CambioComision, EntradaAuditoriaComision},
    valores::enum_codigos,
};

enum_codigos!(
    /// Where a clawback is.
    EstadoReversion {
        /// Its commission's payout is still being charged: deductible once it is paid.
        EnEspera => "EN_ESPERA",
        /// Owed: deducted from the partner's next payouts.
        Pendiente => "PENDIENTE",
        /// Fully deducted.
        Recuperada => "RECUPERADA",
        /// Its commission's payout failed: nothing was paid, nothing is owed.
        Anulada => "ANULADA",
    }
);

/// A clawback of a paid (or being paid) commission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reversion {
    /// Id.
    pub id: Uuid,
    /// The reversed commission (one clawback per commission).
    pub comision_id: Uuid,
    /// The event that caused it (one clawback per event).
    pub evento_id: Uuid,
    /// The partner who owes it.
    pub afiliado_id: Uuid,
    /// The payout that paid (or is paying) the commission.
    pub pago_origen_id: Uuid,
    /// What the commission paid.
    pub monto: Dinero,
    /// What is still to deduct.
    pub pendiente: Dinero,
    /// Why (the conversion's rejection).
    pub motivo: String,
    /// When it was recorded.
    pub fecha_creacion: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
}

impl Reversion {
    /// Its state, given the state of the payout that paid the commission.
    pub fn estado(&self, pago_origen: EstadoPago) -> EstadoReversion {
        match pago_origen {
            EstadoPago::Fallido => EstadoReversion::Anulada,
            EstadoPago::Pendiente | EstadoPago::Procesando => EstadoReversion::EnEspera,
            EstadoPago::Exitoso if self.pendiente.valor().is_zero() => EstadoReversion::Recuperada,
            EstadoPago::Exitoso => EstadoReversion::Pendiente,
        }
    }

    /// What has been deducted so far.
    pub fn recuperado(&self) -> DomainResult<Dinero> {
        Dinero::new(
            self.monto.valor() - self.pendiente.valor(),
            self.monto.moneda(),
        )
        .map_err(DomainError::internal)
    }
}

/// Part of a clawback a payout deducts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AplicacionReversion {
    /// The clawback.
    pub reversion_id: Uuid,
    /// Its commission.
    pub comision_id: Uuid,
    /// The amount deducted.
    pub monto: Dinero,
}

/// What a conversion's rejection does to its commission.
#[derive(Clone, Debug)]
pub struct EfectoRechazo {
    /// The commission's change.
    pub cambio: CambioComision,
    /// The clawback, when its money went (or is going) out.
    pub reversion: Option<Reversion>,
}

/// The commission's reason: the conversion's, prefixed, at most 500 characters.
fn motivo_de(prefijo: &str, motivo: &str) -> String {
    format!("{prefijo}: {}", motivo.trim())
        .chars()
        .take(500)
        .collect()
}

impl Comision {
    /// The effect of its conversion's rejection (event `evento_id`): none if already
    /// refused; a PENDIENTE or CALCULADA commission is refused (`ComisionRechazada`); an
    /// approved one is reversed (`ComisionRevertida`), with a clawback when a payout holds
    /// it or paid it. Each with a line in its audit trail (actor `system`).
    pub fn rechazar_por_conversion(
        mut self,
        motivo: &str,
        evento_id: Uuid,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Option<EfectoRechazo>> {
        let ahora = ahora.trunc_subsecs(6);
        let version_anterior = self.version;
        match self.estado {
            EstadoComision::Rechazada => Ok(None),
            EstadoComision::Pendiente | EstadoComision::Calculada => {
                self.rechazar(&motivo_de("Conversión rechazada", motivo), ahora)?;
                let detalle = format!("motivo: {}", self.motivo_rechazo.as_deref().unwrap_or(""));
                Ok(Some(EfectoRechazo {
                    cambio: CambioComision {
                        eventos: vec![envelope(&ComisionRechazada::from(&self), ahora)?],
                        auditoria: vec![EntradaAuditoriaComision::de(
                            &self,
                            "ComisionRechazada",
                            ACTOR_SISTEMA,
                            Some(detalle),
                        )],
                        version_anterior,
                        comision: self,
                    },
                    reversion: None,
                }))
            }
            EstadoComision::Aprobada | EstadoComision::Pagada => {
                let pagada = self.estado == EstadoComision::Pagada;
                let monto = self.monto_o_cero();
                self.estado = EstadoComision::Rechazada;
                self.motivo_rechazo = Some(motivo_de(
                    if self.pago_id.is_some() {
                        "Conversión rechazada tras el pago"
                    } else {
                        "Conversión rechazada tras la aprobación"
                    },
                    motivo,
                ));
                self.fecha_actualizacion = ahora;
                self.version += 1;
                let reversion = self.pago_id.map(|pago_origen_id| Reversion {
                    id: Uuid::now_v7(),
                    comision_id: self.id,
                    evento_id,
                    afiliado_id: self.afiliado_id,
                    pago_origen_id,
                    monto,
                    pendiente: monto,
                    motivo: self.motivo_rechazo.clone().unwrap_or_default(),
                    fecha_creacion: ahora,
                    fecha_actualizacion: ahora,
                });
                let evento = ComisionRevertida {
                    comision_id: self.id,
                    conversion_id: self.conversion_id,
                    afiliado_id: self.afiliado_id,
                    campania_id: self.campania_id,
                    monto,
                    estado_anterior: if pagada { "PAGADA" } else { "APROBADA" },
                    pago_origen_id: self.pago_id,
                    reversion_id: reversion.as_ref().map(|r| r.id),
                    motivo: self.motivo_rechazo.clone().unwrap_or_default(),
                };
                let detalle = match &reversion {
                    Some(r) => format!(
                        "{}; a descontar de los próximos pagos: {monto} (pago {})",
                        r.motivo, r.pago_origen_id
                    ),
                    None => format!("{}; no se había pagado", evento.motivo),
                };
                Ok(Some(EfectoRechazo {
                    cambio: CambioComision {
                        eventos: vec![envelope(&evento, ahora)?],
                        auditoria: vec![EntradaAuditoriaComision::de(
                            &self,
                            "ComisionRevertida",
                            ACTOR_SISTEMA,
                            Some(detalle),
                        )],
                        version_anterior,
                        comision: self,
                    },
                    reversion,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kernel::Moneda;
    use rust_decimal_macros::dec;

    use super::*;
    use crate::{ConversionValidada, TipoConversion};

    fn comision(estado: EstadoComision, pago: Option<Uuid>) -> Comision {
        let valor = Dinero::new(dec!(100), Moneda::Usd).unwrap();
        let mut c = Comision::nueva(
            &ConversionValidada {
                conversion_id: Uuid::now_v7(),
                afiliado_id: Uuid::now_v7(),
                campania_id: Uuid::now_v7(),
                tipo: TipoConversion::Venta,
                valor,
                fecha: Utc::now(),
            },
            Utc::now(),
        );
        c.estado = estado;
        c.pago_id = pago;
        c.porcentaje = Some(dec!(10));
        c.monto = Some(Dinero::new(dec!(10), Moneda::Usd).unwrap());
        c
    }

    #[test]
    fn what_a_rejection_does_depends_on_where_the_money_is() {
        let evento = Uuid::now_v7();
        let ahora = Utc::now();
        // Already refused: nothing.
        assert!(
            comision(EstadoComision::Rechazada, None)
                .rechazar_por_conversion("x", evento, ahora)
                .unwrap()
                .is_none()
        );
        // Not approved: refused, nothing owed.
        let e = comision(EstadoComision::Calculada, None)
            .rechazar_por_conversion(&"m".repeat(600), evento, ahora)
            .unwrap()
            .unwrap();
        assert_eq!(e.cambio.comision.estado, EstadoComision::Rechazada);
        assert_eq!(e.cambio.eventos[0].tipo, "ComisionRechazada.v1");
        assert_eq!(
            e.cambio.comision.motivo_rechazo.unwrap().chars().count(),
            500
        );
        assert!(e.reversion.is_none());
        // Approved, unpaid: reversed, nothing owed.
        let e = comision(EstadoComision::Aprobada, None)
            .rechazar_por_conversion("Fraude", evento, ahora)
            .unwrap()
            .unwrap();
        assert_eq!(e.cambio.eventos[0].tipo, "ComisionRevertida.v1");
        assert!(e.reversion.is_none());
        // Paid: reversed, the whole amount owed.
        let pago = Uuid::now_v7();
        let e = comision(EstadoComision::Pagada, Some(pago))
            .rechazar_por_conversion("Contracargo", evento, ahora)
            .unwrap()
            .unwrap();
        let r = e.reversion.unwrap();
        assert_eq!((r.pago_origen_id, r.evento_id), (pago, evento));
        assert_eq!(r.pendiente.valor(), dec!(10.00));
        assert_eq!(e.cambio.eventos[0].datos["estadoAnterior"], "PAGADA");
        assert_eq!(r.estado(EstadoPago::Exitoso), EstadoReversion::Pendiente);
        assert_eq!(r.estado(EstadoPago::Procesando), EstadoReversion::EnEspera);
        assert_eq!(r.estado(EstadoPago::Fallido), EstadoReversion::Anulada);
        let recuperada = Reversion {
            pendiente: Dinero::cero(Moneda::Usd),
            ..r
        };
        assert_eq!(
            recuperada.estado(EstadoPago::Exitoso),
            EstadoReversion::Recuperada
        );
        assert_eq!(recuperada.recuperado().unwrap().valor(), dec!(10.00));
    }
}
