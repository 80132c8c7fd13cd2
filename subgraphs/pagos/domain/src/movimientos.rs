//! What a payout leaves behind: its money movements and its audit trail, and the
//! complete change a command makes to a payout (applied in one transaction).

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainResult, events::EventEnvelope};
use uuid::Uuid;

use super::{
    AplicacionReversion, Comision, EstadoPago, Pago, Reversion,
    eventos::{PagoExitoso, PagoFallido, PagoSolicitado, envelope},
    valores::enum_codigos,
};

enum_codigos!(
    /// Kind of money movement.
    TipoTransaccion {
        /// A commission included in the payout.
        Comision => "COMISION",
        /// The provider's charge.
        Cargo => "CARGO",
        /// The payout failed: its commissions became payable again.
        Liberacion => "LIBERACION",
        /// A clawback deducted from the payout (stored as a negative amount).
        Reversion => "REVERSION",
    }
);

/// A money movement of a payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transaccion {
    /// Id.
    pub id: Uuid,
    /// The payout.
    pub pago_id: Uuid,
    /// The commission, for `COMISION` rows.
    pub comision_id: Option<Uuid>,
    /// Kind.
    pub tipo: TipoTransaccion,
    /// Amount.
    pub monto: Dinero,
    /// Human description ("Comisión 10% de la conversión …").
    pub descripcion: String,
    /// External reference (the provider's confirmation).
    pub referencia: Option<String>,
    /// When.
    pub fecha: DateTime<Utc>,
}

/// One line of a payout's audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntradaAuditoria {
    /// The payout.
    pub pago_id: Uuid,
    /// What happened (`PagoSolicitado`, `PagoProcesando`, …).
    pub evento: String,
    /// Who did it (a user, or `payment-processor`).
    pub actor: String,
    /// Detail (attempt, error).
    pub detalle: Option<String>,
    /// When.
    pub fecha: DateTime<Utc>,
}

/// The actor of the worker's changes in the audit trail.
pub const ACTOR_PROCESADOR: &str = "payment-processor";

/// What happens to the commissions of a payout with a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EfectoComisiones {
    /// Nothing.
    Ninguno,
    /// They become PAGADA.
    Pagar,
    /// They are released: APROBADA and payable again.
    Liberar,
}

/// A complete change of a payout, applied atomically by the repository.
#[derive(Clone, Debug)]
pub struct CambioPago {
    /// The payout after the change.
    pub pago: Pago,
    /// Events for the outbox.
    pub eventos: Vec<EventEnvelope>,
    /// Money movements.
    pub transacciones: Vec<Transaccion>,
    /// Audit lines.
    pub auditoria: Vec<EntradaAuditoria>,
    /// Effect on its commissions (and on the clawbacks it deducts: a failure gives
    /// them back).
    pub comisiones: EfectoComisiones,
    /// Clawbacks it deducts (only when accepted).
    pub reversiones: Vec<AplicacionReversion>,
}

/// The outcome of one charge attempt, as the worker decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Liquidacion {
    /// The provider charged.
    Exitosa {
        /// Its confirmation.
        confirmacion: String,
    },
    /// A transient failure: try again at `proximo`.
    Reintento {
        /// When.
        proximo: DateTime<Utc>,
        /// What failed.
        error: String,
    },
    /// Failed for good.
    Fallida {
        /// Why.
        motivo: String,
    },
}

fn auditar(
    pago: &Pago,
    evento: &str,
    actor: &str,
    detalle: Option<String>,
    fecha: DateTime<Utc>,
) -> EntradaAuditoria {
    EntradaAuditoria {
        pago_id: pago.id,
        evento: evento.to_owned(),
        actor: actor.to_owned(),
        detalle,
        fecha,
    }
}

fn movimiento(
    pago: &Pago,
    tipo: TipoTransaccion,
    descripcion: String,
    referencia: Option<String>,
    fecha: DateTime<Utc>,
) -> Transaccion {
    Transaccion {
        id: Uuid::now_v7(),
        pago_id: pago.id,
        comision_id: None,
        tipo,
        monto: pago.monto_total,
        descripcion,
        referencia,
        fecha,
    }
}

impl Pago {
    /// Accepts the payout with its reserved commissions (see [`Pago::incluir`]) and the
    /// partner's deductible clawbacks (oldest first): the change that creates it, with
    /// `PagoSolicitado`, one `COMISION` movement each and one negative `REVERSION`
    /// movement per clawback it deducts. It deducts at most its commissions' total (never
    /// below zero); what it does not cover stays owed for the next payout.
    pub fn aceptar(
        mut self,
        comisiones: &[Comision],
        reversiones: &[Reversion],
        minimo: &Dinero,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<CambioPago> {
        self.incluir(comisiones, minimo)?;
        let ahora = ahora.trunc_subsecs(6);
        let mut transacciones: Vec<Transaccion> = comisiones
            .iter()
            .map(|c| Transaccion {
                id: Uuid::now_v7(),
                pago_id: self.id,
                comision_id: Some(c.id),
                tipo: TipoTransaccion::Comision,
                monto: c.monto_o_cero(),
                descripcion: match c.porcentaje {
                    Some(p) => format!("Comisión {p}% de la conversión {}", c.conversion_id),
                    None => format!("Comisión fija de la conversión {}", c.conversion_id),
                },
                referencia: None,
                fecha: ahora,
            })
            .collect();
        let (aplicadas, descontado) = self.descontar(reversiones)?;
        for a in &aplicadas {
            transacciones.push(Transaccion {
                id: Uuid::now_v7(),
                pago_id: self.id,
                comision_id: Some(a.comision_id),
                tipo: TipoTransaccion::Reversion,
                monto: a.monto,
                descripcion: format!(
                    "Reversión de la comisión {}: su conversión se rechazó tras el pago",
                    a.comision_id
                ),
                referencia: None,
                fecha: ahora,
            });
        }
        let evento = PagoSolicitado {
            pago_id: self.id,
            afiliado_id: self.afiliado_id,
            ciclo: self.ciclo.as_str().to_owned(),
            monto_total: self.monto_total,
            comisiones: comisiones.iter().map(|c| c.id).collect(),
            descuentos: descontado,
            reversiones: aplicadas.iter().map(|a| a.comision_id).collect(),
        };
        let mut detalle = format!(
            "{} comisiones, total {}",
            comisiones.len(),
            self.monto_total
        );
        if !aplicadas.is_empty() {
            detalle.push_str(&format!(
                " tras descontar {descontado} de {} reversiones",
                aplicadas.len()
            ));
        }
        Ok(CambioPago {
            eventos: vec![envelope(&evento, ahora)?],
            transacciones,
            auditoria: vec![auditar(
                &self,
                "PagoSolicitado",
                actor,
                Some(detalle),
                ahora,
            )],
            comisiones: EfectoComisiones::Ninguno,
            reversiones: aplicadas,
            pago: self,
        })
    }

    /// Deducts clawbacks, oldest first, from the total until it is zero; returns what
    /// each gave and the sum. Clawbacks in another currency, or owed by another partner,
    /// are an internal error (the repository selects them).
    fn descontar(
        &mut self,
        reversiones: &[Reversion],
    ) -> DomainResult<(Vec<AplicacionReversion>, Dinero)> {
        let moneda = self.monto_total.moneda();
        let mut restante = self.monto_total.valor();
        let mut aplicadas = Vec::new();
        for r in reversiones {
            if r.afiliado_id != self.afiliado_id || r.pendiente.moneda() != moneda {
                return Err(kernel::DomainError::internal(format!(
                    "clawback {} cannot be deducted by payout {}",
                    r.id, self.id
                )));
            }
            let tomado = r.pendiente.valor().min(restante);
            if tomado.is_zero() {
                continue;
            }
            restante -= tomado;
            aplicadas.push(AplicacionReversion {
                reversion_id: r.id,
                comision_id: r.comision_id,
                monto: Dinero::new(tomado, moneda).map_err(kernel::DomainError::internal)?,
            });
        }
        let descontado = Dinero::new(self.monto_total.valor() - restante, moneda)
            .map_err(kernel::DomainError::internal)?;
        self.monto_total = Dinero::new(restante, moneda).map_err(kernel::DomainError::internal)?;
        Ok((aplicadas, descontado))
    }

    /// The change one charge attempt makes. Only a payout the worker holds
    /// (PROCESANDO) can be settled; the repository checks it still holds it.
    pub fn liquidar(
        mut self,
        resultado: Liquidacion,
        ahora: DateTime<Utc>,
    ) -> DomainResult<CambioPago> {
        let ahora = ahora.trunc_subsecs(6);
        if self.estado != EstadoPago::Procesando {
            return Err(kernel::DomainError::Conflict(format!(
                "El pago {} está {}: no se puede liquidar",
                self.id,
                self.estado.codigo()
            )));
        }
        self.fecha_actualizacion = ahora;
        let intento = format!("intento {}", self.intentos);
        let cambio = match resultado {
            Liquidacion::Exitosa { confirmacion } => {
                self.estado = EstadoPago::Exitoso;
                self.confirmacion = Some(confirmacion.clone());
                self.fecha_completado = Some(ahora);
                CambioPago {
                    eventos: vec![envelope(&PagoExitoso::de(&self, &confirmacion), ahora)?],
                    transacciones: vec![movimiento(
                        &self,
                        TipoTransaccion::Cargo,
                        format!("Pago al afiliado, ciclo {}", self.ciclo.as_str()),
                        Some(confirmacion.clone()),
                        ahora,
                    )],
                    auditoria: vec![auditar(
                        &self,
                        "PagoExitoso",
                        ACTOR_PROCESADOR,
                        Some(format!("{intento}, confirmación {confirmacion}")),
                        ahora,
                    )],
                    comisiones: EfectoComisiones::Pagar,
                    reversiones: Vec::new(),
                    pago: self,
                }
            }
            Liquidacion::Reintento { proximo, error } => {
                self.proximo_intento = proximo.trunc_subsecs(6);
                CambioPago {
                    eventos: Vec::new(),
                    transacciones: Vec::new(),
                    auditoria: vec![auditar(
                        &self,
                        "PagoReintentoProgramado",
                        ACTOR_PROCESADOR,
                        Some(format!(
                            "{intento}: {error}; próximo intento {}",
                            self.proximo_intento.to_rfc3339()
                        )),
                        ahora,
                    )],
                    comisiones: EfectoComisiones::Ninguno,
                    reversiones: Vec::new(),
                    pago: self,
                }
            }
            Liquidacion::Fallida { motivo } => {
                self.estado = EstadoPago::Fallido;
                self.motivo_fallo = Some(motivo.clone());
                self.fecha_completado = Some(ahora);
                CambioPago {
                    eventos: vec![envelope(&PagoFallido::de(&self, &motivo), ahora)?],
                    transacciones: vec![movimiento(
                        &self,
                        TipoTransaccion::Liberacion,
                        "Comisiones liberadas: vuelven a estar disponibles para pago".to_owned(),
                        None,
                        ahora,
                    )],
                    auditoria: vec![auditar(
                        &self,
                        "PagoFallido",
                        ACTOR_PROCESADOR,
                        Some(format!("{intento}: {motivo}")),
                        ahora,
                    )],
                    comisiones: EfectoComisiones::Liberar,
                    reversiones: Vec::new(),
                    pago: self,
                }
            }
        };
        Ok(cambio)
    }
}

/// The audit line of a claim by the worker.
pub fn auditoria_reclamo(pago: &Pago, ahora: DateTime<Utc>) -> EntradaAuditoria {
    auditar(
        pago,
        "PagoProcesando",
        ACTOR_PROCESADOR,
        Some(format!("intento {}", pago.intentos)),
        ahora.trunc_subsecs(6),
    )
}
