//! The `Pago` aggregate: one payout of a partner's approved commissions in one cycle.

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainError, DomainResult, Moneda};
use uuid::Uuid;

use super::{
    comision::{Comision, EstadoComision, TarifaAfiliado},
    valores::{Ciclo, ClaveIdempotencia, MetodoPago, enum_codigos},
};

enum_codigos!(
    /// Where a payout is in its life.
    EstadoPago {
        /// Accepted; waiting for the worker.
        Pendiente => "PENDIENTE",
        /// The worker holds it (charging, or waiting to retry a transient failure).
        Procesando => "PROCESANDO",
        /// Paid (final); its commissions are PAGADA.
        Exitoso => "EXITOSO",
        /// Failed for good (final); its commissions were released.
        Fallido => "FALLIDO",
    }
);

/// A validated payout request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolicitudPago {
    /// The client's idempotency key.
    pub clave: ClaveIdempotencia,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle.
    pub ciclo: Ciclo,
    /// Where the money goes.
    pub metodo_pago: MetodoPago,
    /// The currency to pay, when the client names it.
    pub moneda: Option<Moneda>,
    /// The payment run it waits for (`None`: as soon as the worker takes it).
    pub programado_para: Option<DateTime<Utc>>,
}

/// How far ahead a payout can be scheduled.
pub const MAX_DIAS_PROGRAMACION: i64 = 366;

impl SolicitudPago {
    /// The request as canonical text: a reused key with another text is a conflict.
    pub fn canonica(&self) -> String {
        let mut texto = format!(
            "afiliado={};ciclo={};metodo={};mascara={};moneda={}",
            self.afiliado_id,
            self.ciclo.as_str(),
            self.metodo_pago.tipo.codigo(),
            self.metodo_pago.mascara,
            self.moneda.map(Moneda::codigo).unwrap_or("*"),
        );
        // Only when given, so the texts of earlier unscheduled requests stay equal.
        if let Some(fecha) = self.programado_para {
            texto.push_str(&format!(
                ";programado={}",
                fecha.trunc_subsecs(6).to_rfc3339()
            ));
        }
        texto
    }

    /// Refuses a payment run further ahead than [`MAX_DIAS_PROGRAMACION`] days; one in the
    /// past means "now".
    pub fn exigir_programacion(&self, ahora: DateTime<Utc>) -> DomainResult<()> {
        match self.programado_para {
            Some(fecha) if fecha > ahora + chrono::Duration::days(MAX_DIAS_PROGRAMACION) => {
                Err(DomainError::invalid(
                    "programadoPara",
                    format!("Un pago se programa como mucho {MAX_DIAS_PROGRAMACION} días adelante"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pago {
    /// Id.
    pub id: Uuid,
    /// The client's idempotency key (unique).
    pub clave: ClaveIdempotencia,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The cycle (unique per partner).
    pub ciclo: Ciclo,
    /// Sum of its commissions.
    pub monto_total: Dinero,
    /// Where the money goes.
    pub metodo_pago: MetodoPago,
    /// State.
    pub estado: EstadoPago,
    /// The provider's confirmation, once paid.
    pub confirmacion: Option<String>,
    /// Why it failed.
    pub motivo_fallo: Option<String>,
    /// The canonical request it was created from.
    pub solicitud: String,
    /// Charge attempts so far.
    pub intentos: i32,
    /// Earliest time of the next attempt.
    pub proximo_intento: DateTime<Utc>,
    /// Creation time.
    pub fecha_creacion: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
    /// When it reached EXITOSO or FALLIDO.
    pub fecha_completado: Option<DateTime<Utc>>,
}

/// Why a payout request cannot be accepted for this partner.
pub fn exigir_pagable(afiliado: &TarifaAfiliado) -> DomainResult<()> {
    use super::comision::EstadoAfiliado;
    if afiliado.estado != EstadoAfiliado::Activo {
        return Err(DomainError::invalid(
            "afiliadoId",
            format!(
                "El afiliado {} está {}: solo se paga a afiliados ACTIVO",
                afiliado.id,
                afiliado.estado.codigo()
            ),
        ));
    }
    Ok(())
}

/// The currency of a payout: the one asked for, else the only one the partner's
/// payable commissions are in. Amounts in different currencies are never added up.
pub fn elegir_moneda(pedida: Option<Moneda>, disponibles: &[Moneda]) -> DomainResult<Moneda> {
    match (pedida, disponibles) {
        (_, []) => Err(sin_comisiones()),
        (Some(moneda), _) if disponibles.contains(&moneda) => Ok(moneda),
        (Some(moneda), _) => Err(DomainError::invalid(
            "moneda",
            format!("El afiliado no tiene comisiones aprobadas pendientes de pago en {moneda}"),
        )),
        (None, [una]) => Ok(*una),
        (None, varias) => Err(DomainError::invalid(
            "moneda",
            format!(
                "El afiliado tiene comisiones aprobadas en varias monedas ({}); indique la moneda del pago",
                varias
                    .iter()
                    .map(|m| m.codigo())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn sin_comisiones() -> DomainError {
    DomainError::invalid(
        "afiliadoId",
        "El afiliado no tiene comisiones aprobadas pendientes de pago",
    )
}

impl Pago {
    /// A new payout for a request, in `moneda`, still without commissions.
    pub fn solicitar(solicitud: &SolicitudPago, moneda: Moneda, ahora: DateTime<Utc>) -> Self {
        let ahora = ahora.trunc_subsecs(6);
        Self {
            id: Uuid::now_v7(),
            clave: solicitud.clave.clone(),
            afiliado_id: solicitud.afiliado_id,
            ciclo: solicitud.ciclo.clone(),
            monto_total: Dinero::cero(moneda),
            metodo_pago: solicitud.metodo_pago.clone(),
            estado: EstadoPago::Pendiente,
            confirmacion: None,
            motivo_fallo: None,
            solicitud: solicitud.canonica(),
            intentos: 0,
            proximo_intento: solicitud
                .programado_para
                .map_or(ahora, |fecha| fecha.trunc_subsecs(6).max(ahora)),
            fecha_creacion: ahora,
            fecha_actualizacion: ahora,
            fecha_completado: None,
        }
    }

    /// The payout as it was when requested (PENDIENTE, no attempt yet): what its
    /// `PagoSolicitado` announced, however far it has moved since.
    pub fn como_solicitado(&self) -> Self {
        Self {
            estado: EstadoPago::Pendiente,
            confirmacion: None,
            motivo_fallo: None,
            intentos: 0,
            proximo_intento: self.fecha_creacion,
            fecha_actualizacion: self.fecha_creacion,
            fecha_completado: None,
            ..self.clone()
        }
    }

    /// Takes the reserved commissions: all approved, of this partner and currency, with
    /// a total of at least the partner's minimum (when it is in the payout's currency;
    /// there are no exchange rates here).
    pub fn incluir(&mut self, comisiones: &[Comision], minimo: &Dinero) -> DomainResult<()> {
        if comisiones.is_empty() {
            return Err(sin_comisiones());
        }
        let moneda = self.monto_total.moneda();
        let mut total = Dinero::cero(moneda);
        for c in comisiones {
            if c.afiliado_id != self.afiliado_id || c.estado != EstadoComision::Aprobada {
                return Err(DomainError::internal(format!(
                    "commission {} is not payable by payout {}",
                    c.id, self.id
                )));
            }
            let monto = c.monto.ok_or_else(|| {
                DomainError::internal(format!("approved commission {} has no amount", c.id))
            })?;
            total = total.sumar(&monto).map_err(DomainError::internal)?;
        }
        // Commissions of zero (leads with no value) are payable but nothing to transfer.
        if total.valor().is_zero() {
            return Err(DomainError::invalid(
                "afiliadoId",
                format!(
                    "Las comisiones aprobadas pendientes de pago en {moneda} suman 0: no hay nada que pagar"
                ),
            ));
        }
        if minimo.moneda() == moneda && total.valor() < minimo.valor() {
            return Err(DomainError::invalid(
                "afiliadoId",
                format!(
                    "El total a pagar ({total}) es menor que el mínimo de pago del afiliado ({minimo})"
                ),
            ));
        }
        self.monto_total = total;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::valores::TipoMetodoPago;

    fn solicitud() -> SolicitudPago {
        SolicitudPago {
            clave: ClaveIdempotencia::parse("clave-0001").unwrap(),
            afiliado_id: Uuid::now_v7(),
            ciclo: Ciclo::parse("CYCLE-2024-09").unwrap(),
            metodo_pago: MetodoPago::new(TipoMetodoPago::TarjetaCredito, "****1234").unwrap(),
            moneda: None,
            programado_para: None,
        }
    }

    #[test]
    fn a_scheduled_payout_waits_for_its_run_and_the_schedule_is_part_of_the_request() {
        let ahora = Utc::now().trunc_subsecs(6);
        let sin_fecha = solicitud();
        assert_eq!(
            Pago::solicitar(&sin_fecha, Moneda::Cop, ahora).proximo_intento,
            ahora
        );
        let manana = ahora + chrono::Duration::days(1);
        let programada = SolicitudPago {
            programado_para: Some(manana),
            ..solicitud()
        };
        assert_eq!(
            Pago::solicitar(&programada, Moneda::Cop, ahora).proximo_intento,
            manana
        );
        assert_ne!(programada.canonica(), sin_fecha.canonica());
        assert!(
            sin_fecha.canonica().ends_with("moneda=*"),
            "unscheduled texts unchanged"
        );
        let pasada = SolicitudPago {
            programado_para: Some(ahora - chrono::Duration::days(3)),
            ..solicitud()
        };
        assert_eq!(
            Pago::solicitar(&pasada, Moneda::Cop, ahora).proximo_intento,
            ahora
        );
        assert!(pasada.exigir_programacion(ahora).is_ok());
        let lejana = SolicitudPago {
            programado_para: Some(ahora + chrono::Duration::days(MAX_DIAS_PROGRAMACION + 1)),
            ..solicitud()
        };
        assert!(matches!(
            lejana.exigir_programacion(ahora),
            Err(DomainError::InvalidInput { campo, .. }) if campo == "programadoPara"
        ));
    }

    fn aprobada(afiliado_id: Uuid, valor: rust_decimal::Decimal, moneda: Moneda) -> Comision {
        let monto = Dinero::new(valor, moneda).unwrap();
        Comision {
            id: Uuid::now_v7(),
            conversion_id: Uuid::now_v7(),
            afiliado_id,
            campania_id: Uuid::now_v7(),
            cliente_id: None,
            tipo_conversion: crate::TipoConversion::Venta,
            monto_base: monto,
            porcentaje: Some(dec!(100)),
            monto: Some(monto),
            estado: EstadoComision::Aprobada,
            motivo_rechazo: None,
            pago_id: None,
            bonus_objetivos: None,
            calculo_manual: None,
            fecha_conversion: Utc::now(),
            fecha_creacion: Utc::now(),
            fecha_actualizacion: Utc::now(),
            version: 3,
        }
    }

    #[test]
    fn the_total_is_exact_and_checked_against_the_minimum() {
        let s = solicitud();
        let mut pago = Pago::solicitar(&s, Moneda::Usd, Utc::now());
        let comisiones: Vec<_> = (0..1000)
            .map(|_| aprobada(s.afiliado_id, dec!(0.10), Moneda::Usd))
            .collect();
        pago.incluir(&comisiones, &Dinero::new(dec!(100), Moneda::Usd).unwrap())
            .unwrap();
        assert_eq!(pago.monto_total.valor(), dec!(100.00));
        let mut otro = Pago::solicitar(&s, Moneda::Usd, Utc::now());
        let error = otro
            .incluir(
                &comisiones[..999],
                &Dinero::new(dec!(100), Moneda::Usd).unwrap(),
            )
            .unwrap_err();
        assert!(error.to_string().contains("menor que el mínimo"), "{error}");
    }

    #[test]
    fn currencies_are_chosen_never_mixed() {
        assert_eq!(elegir_moneda(None, &[Moneda::Cop]).unwrap(), Moneda::Cop);
        assert_eq!(
            elegir_moneda(None, &[Moneda::Cop, Moneda::Usd])
                .unwrap_err()
                .campo(),
            Some("moneda")
        );
        assert_eq!(
            elegir_moneda(Some(Moneda::Usd), &[Moneda::Cop, Moneda::Usd]).unwrap(),
            Moneda::Usd
        );
        assert!(elegir_moneda(Some(Moneda::Eur), &[Moneda::Cop]).is_err());
        assert!(elegir_moneda(None, &[]).is_err());
        let s = solicitud();
        let mut pago = Pago::solicitar(&s, Moneda::Usd, Utc::now());
        let mezcla = [aprobada(s.afiliado_id, dec!(1), Moneda::Cop)];
        assert!(pago.incluir(&mezcla, &Dinero::cero(Moneda::Usd)).is_err());
    }

    #[test]
    fn a_reused_key_is_recognised_by_its_canonical_request() {
        let a = solicitud();
        let mut b = a.clone();
        assert_eq!(a.canonica(), b.canonica());
        b.metodo_pago.mascara = "****9999".into();
        assert_ne!(a.canonica(), b.canonica());
    }

    #[test]
    fn a_paid_payout_shows_how_it_was_requested() {
        let s = solicitud();
        let pedido = Pago::solicitar(&s, Moneda::Usd, Utc::now());
        let mut pagado = pedido.clone();
        pagado.estado = EstadoPago::Exitoso;
        pagado.confirmacion = Some("TX-1".into());
        pagado.intentos = 1;
        pagado.fecha_actualizacion = Utc::now() + chrono::Duration::seconds(2);
        pagado.fecha_completado = Some(pagado.fecha_actualizacion);
        assert_eq!(pagado.como_solicitado(), pedido);
    }
}
