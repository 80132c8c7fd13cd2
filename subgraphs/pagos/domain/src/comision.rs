//! The `Comision` aggregate: what a partner earns for one validated conversion.

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainError, DomainResult};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{manual::CalculoManual, valores::enum_codigos};

enum_codigos!(
    /// Where a commission is in its life.
    EstadoComision {
        /// Created from its conversion; waiting for the partner's or campaign's rates.
        Pendiente => "PENDIENTE",
        /// Rate applied; waiting for approval.
        Calculada => "CALCULADA",
        /// Approved: owed to the partner, payable.
        Aprobada => "APROBADA",
        /// Refused (final).
        Rechazada => "RECHAZADA",
        /// Paid by a successful payout (final).
        Pagada => "PAGADA",
    }
);

enum_codigos!(
    /// Kind of the conversion that earned the commission.
    TipoConversion {
        /// A sale: the campaign's `porVenta` rate.
        Venta => "VENTA",
        /// A sign-up: the campaign's `porConversion` rate.
        Registro => "REGISTRO",
        /// A lead: the campaign's `porConversion` rate.
        Lead => "LEAD",
    }
);

enum_codigos!(
    /// A partner's tier, as `afiliados` announces it.
    TipoAfiliado {
        /// Basic tier: `comisionBase`.
        Basico => "BASICO",
        /// Premium tier: `comisionPremium`.
        Premium => "PREMIUM",
    }
);

enum_codigos!(
    /// A partner's state, as `afiliados` announces it.
    EstadoAfiliado {
        /// May be paid.
        Activo => "ACTIVO",
        /// Earns, but is not paid while suspended.
        Suspendido => "SUSPENDIDO",
        /// Removed.
        Eliminado => "ELIMINADO",
    }
);

/// What this context knows of a partner (projection of the `afiliados` events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TarifaAfiliado {
    /// Partner id.
    pub id: Uuid,
    /// Tier.
    pub tipo: TipoAfiliado,
    /// State.
    pub estado: EstadoAfiliado,
    /// Rate of the basic tier, %.
    pub comision_base: Decimal,
    /// Rate of the premium tier, %.
    pub comision_premium: Decimal,
    /// Smallest payout, in the partner's payout currency.
    pub minimo_pago: Dinero,
    /// The partner's version in `afiliados` (older announcements are ignored).
    pub version: i64,
}

impl TarifaAfiliado {
    /// The rate of the partner's tier.
    pub fn tasa(&self) -> Decimal {
        match self.tipo {
            TipoAfiliado::Basico => self.comision_base,
            TipoAfiliado::Premium => self.comision_premium,
        }
    }
}

/// What this context knows of a campaign (projection of `CampaniaCreada`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TarifaCampania {
    /// Campaign id.
    pub id: Uuid,
    /// The advertiser paying for it.
    pub cliente_id: Uuid,
    /// Rate per sign-up or lead, %.
    pub por_conversion: Decimal,
    /// Rate per sale, %.
    pub por_venta: Decimal,
    /// Bonus for reaching the objective, % of the commission's rate.
    pub bonus_objetivos: Decimal,
    /// The objective: conversions of one partner in the campaign (none: no bonus).
    pub objetivo_conversiones: Option<u32>,
}

impl TarifaCampania {
    /// The campaign's rate for a kind of conversion.
    pub fn tasa(&self, tipo: TipoConversion) -> Decimal {
        match tipo {
            TipoConversion::Venta => self.por_venta,
            TipoConversion::Registro | TipoConversion::Lead => self.por_conversion,
        }
    }

    /// The bonus a commission earns when it is its partner's `posicion`-th conversion in
    /// this campaign (see [`con_bonus`]): the campaign's `bonus_objetivos` once the
    /// partner has reached the objective, none before, and none for a campaign without
    /// an objective or a bonus.
    pub fn bonus(&self, posicion: u64) -> Option<Decimal> {
        let objetivo = self.objetivo_conversiones?;
        (self.bonus_objetivos > Decimal::ZERO && posicion >= u64::from(objetivo))
            .then_some(self.bonus_objetivos)
    }
}

/// **The `bonusObjetivos` rule.** A campaign sets an objective, `objetivoConversiones`
/// conversions of one partner, and a bonus, `bonusObjetivos` %. A commission that is its
/// partner's n-th conversion in the campaign, n ≥ the objective, earns its rate raised
/// by the bonus: `rate × (1 + bonus / 100)`, at most 100 %, rounded half-even to 4
/// decimals (the seeds' campaign: 8 % per sale and a 25 % bonus pay 10 % from the
/// objective on). n counts the partner's commissions in the campaign that are not
/// refused, ordered by conversion time (then id), up to this one, when it is calculated.
pub fn con_bonus(tasa: Decimal, bonus: Decimal) -> Decimal {
    let factor = Decimal::ONE + bonus / Decimal::ONE_HUNDRED;
    tasa.checked_mul(factor)
        .unwrap_or(Decimal::ONE_HUNDRED)
        .min(Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointNearestEven)
        .normalize()
}

/// The rate of a commission: the better of the campaign's rate for the conversion's kind
/// and the partner's tier rate. A partner never earns less than its contract, and a
/// campaign may offer more.
pub fn tasa_aplicable(
    afiliado: &TarifaAfiliado,
    campania: &TarifaCampania,
    tipo: TipoConversion,
) -> Decimal {
    campania.tasa(tipo).max(afiliado.tasa())
}

/// The facts of a validated conversion (`ConversionValidada`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversionValidada {
    /// Conversion id: at most one commission per conversion.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Kind.
    pub tipo: TipoConversion,
    /// Its value: the commission's base.
    pub valor: Dinero,
    /// When it happened.
    pub fecha: DateTime<Utc>,
}

/// A commission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comision {
    /// Id.
    pub id: Uuid,
    /// The conversion that earned it (unique).
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// The campaign's advertiser, once known.
    pub cliente_id: Option<Uuid>,
    /// Kind of the conversion.
    pub tipo_conversion: TipoConversion,
    /// The conversion's value.
    pub monto_base: Dinero,
    /// Applied rate, once calculated.
    pub porcentaje: Option<Decimal>,
    /// Earned amount, once calculated.
    pub monto: Option<Dinero>,
    /// State.
    pub estado: EstadoComision,
    /// Why it was refused.
    pub motivo_rechazo: Option<String>,
    /// The payout holding it (in progress or paid).
    pub pago_id: Option<Uuid>,
    /// The campaign's objective bonus its rate got, % (none: not applied).
    pub bonus_objetivos: Option<Decimal>,
    /// Its own calculation, for a commission created by hand (`None`: from a conversion,
    /// rates from the projections).
    pub calculo_manual: Option<CalculoManual>,
    /// When the conversion happened.
    pub fecha_conversion: DateTime<Utc>,
    /// When it was created.
    pub fecha_creacion: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

fn transicion_invalida(c: &Comision, accion: &str) -> DomainError {
    DomainError::Conflict(format!(
        "No se puede {accion} la comisión {}: está {}",
        c.id,
        c.estado.codigo()
    ))
}

impl Comision {
    /// A new commission for a validated conversion, waiting for its rates.
    pub fn nueva(conversion: &ConversionValidada, ahora: DateTime<Utc>) -> Self {
        let ahora = ahora.trunc_subsecs(6);
        Self {
            id: Uuid::now_v7(),
            conversion_id: conversion.conversion_id,
            afiliado_id: conversion.afiliado_id,
            campania_id: conversion.campania_id,
            cliente_id: None,
            tipo_conversion: conversion.tipo,
            monto_base: conversion.valor,
            porcentaje: None,
            monto: None,
            estado: EstadoComision::Pendiente,
            motivo_rechazo: None,
            pago_id: None,
            bonus_objetivos: None,
            calculo_manual: None,
            fecha_conversion: conversion.fecha.trunc_subsecs(6),
            fecha_creacion: ahora,
            fecha_actualizacion: ahora,
            version: 1,
        }
    }

    /// PENDIENTE → CALCULADA: applies [`tasa_aplicable`], raised by the campaign's
    /// objective bonus when this is its partner's `posicion`-th conversion in the
    /// campaign and the objective is reached ([`con_bonus`]), to the base, rounded
    /// half-even to the currency's scale.
    pub fn calcular(
        &mut self,
        afiliado: &TarifaAfiliado,
        campania: &TarifaCampania,
        posicion: u64,
        ahora: DateTime<Utc>,
    ) -> DomainResult<()> {
        if self.estado != EstadoComision::Pendiente {
            return Err(transicion_invalida(self, "calcular"));
        }
        let resultado = self.resultado(Some((afiliado, campania)), posicion)?;
        self.porcentaje = resultado.porcentaje;
        self.monto = Some(resultado.monto);
        self.bonus_objetivos = resultado.bonus_objetivos;
        self.cliente_id = Some(campania.cliente_id);
        self.estado = EstadoComision::Calculada;
        self.tocar(ahora);
        Ok(())
    }

    /// CALCULADA → APROBADA.
    pub fn aprobar(&mut self, ahora: DateTime<Utc>) -> DomainResult<()> {
        if self.estado != EstadoComision::Calculada {
            return Err(transicion_invalida(self, "aprobar"));
        }
        self.estado = EstadoComision::Aprobada;
        self.tocar(ahora);
        Ok(())
    }

    /// PENDIENTE or CALCULADA → RECHAZADA, with a reason (1–500 characters).
    pub fn rechazar(&mut self, motivo: &str, ahora: DateTime<Utc>) -> DomainResult<()> {
        let motivo = motivo.trim();
        if motivo.is_empty() {
            return Err(DomainError::invalid(
                "motivo",
                "El motivo del rechazo es obligatorio",
            ));
        }
        if motivo.chars().count() > 500 {
            return Err(DomainError::invalid(
                "motivo",
                "El motivo admite como máximo 500 caracteres",
            ));
        }
        if !matches!(
            self.estado,
            EstadoComision::Pendiente | EstadoComision::Calculada
        ) {
            return Err(transicion_invalida(self, "rechazar"));
        }
        self.estado = EstadoComision::Rechazada;
        self.motivo_rechazo = Some(motivo.to_owned());
        self.tocar(ahora);
        Ok(())
    }

    /// The earned amount (zero in the base's currency while not calculated).
    pub fn monto_o_cero(&self) -> Dinero {
        self.monto
            .unwrap_or_else(|| Dinero::cero(self.monto_base.moneda()))
    }

    fn tocar(&mut self, ahora: DateTime<Utc>) {
        self.fecha_actualizacion = ahora.trunc_subsecs(6);
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use kernel::Moneda;
    use rust_decimal_macros::dec;

    use super::*;

    fn afiliado(tipo: TipoAfiliado) -> TarifaAfiliado {
        TarifaAfiliado {
            id: Uuid::now_v7(),
            tipo,
            estado: EstadoAfiliado::Activo,
            comision_base: dec!(5),
            comision_premium: dec!(12.5),
            minimo_pago: Dinero::new(dec!(50), Moneda::Usd).unwrap(),
            version: 1,
        }
    }

    fn campania() -> TarifaCampania {
        TarifaCampania {
            id: Uuid::now_v7(),
            cliente_id: Uuid::now_v7(),
            por_conversion: dec!(2),
            por_venta: dec!(10),
            bonus_objetivos: dec!(0),
            objetivo_conversiones: None,
        }
    }

    fn conversion(tipo: TipoConversion, valor: Dinero) -> ConversionValidada {
        ConversionValidada {
            conversion_id: Uuid::now_v7(),
            afiliado_id: Uuid::now_v7(),
            campania_id: Uuid::now_v7(),
            tipo,
            valor,
            fecha: Utc::now(),
        }
    }

    #[test]
    fn the_better_rate_of_campaign_and_tier_applies() {
        let c = campania();
        assert_eq!(
            tasa_aplicable(&afiliado(TipoAfiliado::Basico), &c, TipoConversion::Venta),
            dec!(10)
        );
        assert_eq!(
            tasa_aplicable(&afiliado(TipoAfiliado::Premium), &c, TipoConversion::Venta),
            dec!(12.5)
        );
        assert_eq!(
            tasa_aplicable(&afiliado(TipoAfiliado::Basico), &c, TipoConversion::Lead),
            dec!(5)
        );
    }

    #[test]
    fn calculation_rounds_to_the_currency_scale() {
        let base = Dinero::new(dec!(250001), Moneda::Cop).unwrap();
        let mut comision = Comision::nueva(&conversion(TipoConversion::Venta, base), Utc::now());
        comision
            .calcular(&afiliado(TipoAfiliado::Premium), &campania(), 1, Utc::now())
            .unwrap();
        assert_eq!(comision.estado, EstadoComision::Calculada);
        // 12.5 % of 250001 COP = 31250.125 → 31250 (COP has no decimals).
        assert_eq!(comision.monto.unwrap().valor(), dec!(31250));
        assert_eq!(comision.version, 2);
    }

    #[test]
    fn the_objective_bonus_raises_the_rate_from_the_objective_on() {
        // The seeds' campaign: 8 % per sale, a 25 % bonus; objective: 3 conversions.
        let c = TarifaCampania {
            por_venta: dec!(8),
            bonus_objetivos: dec!(25),
            objetivo_conversiones: Some(3),
            ..campania()
        };
        assert_eq!(c.bonus(2), None);
        assert_eq!(c.bonus(3), Some(dec!(25)));
        assert_eq!(con_bonus(dec!(8), dec!(25)), dec!(10));
        assert_eq!(con_bonus(dec!(12.5), dec!(25)), dec!(15.625));
        assert_eq!(con_bonus(dec!(7.3333), dec!(11.11)), dec!(8.148));
        assert_eq!(con_bonus(dec!(90), dec!(25)), dec!(100), "at most 100 %");
        // No objective, or no bonus: never.
        assert_eq!(
            TarifaCampania {
                objetivo_conversiones: None,
                ..c
            }
            .bonus(100),
            None
        );
        assert_eq!(
            TarifaCampania {
                bonus_objetivos: dec!(0),
                ..c
            }
            .bonus(100),
            None
        );
        let base = Dinero::new(dec!(1000), Moneda::Usd).unwrap();
        let mut antes = Comision::nueva(&conversion(TipoConversion::Venta, base), Utc::now());
        let mut despues = antes.clone();
        antes
            .calcular(&afiliado(TipoAfiliado::Basico), &c, 2, Utc::now())
            .unwrap();
        despues
            .calcular(&afiliado(TipoAfiliado::Basico), &c, 3, Utc::now())
            .unwrap();
        assert_eq!(
            (
                antes.porcentaje,
                antes.bonus_objetivos,
                antes.monto.unwrap().valor()
            ),
            (Some(dec!(8)), None, dec!(80.00))
        );
        assert_eq!(
            (
                despues.porcentaje,
                despues.bonus_objetivos,
                despues.monto.unwrap().valor()
            ),
            (Some(dec!(10)), Some(dec!(25)), dec!(100.00))
        );
    }

    #[test]
    fn transitions_follow_the_life_cycle() {
        let base = Dinero::new(dec!(100), Moneda::Usd).unwrap();
        let mut comision = Comision::nueva(&conversion(TipoConversion::Venta, base), Utc::now());
        assert!(comision.aprobar(Utc::now()).is_err());
        comision
            .calcular(&afiliado(TipoAfiliado::Basico), &campania(), 1, Utc::now())
            .unwrap();
        assert!(
            comision
                .calcular(&afiliado(TipoAfiliado::Basico), &campania(), 1, Utc::now())
                .is_err()
        );
        comision.aprobar(Utc::now()).unwrap();
        let error = comision.rechazar("tarde", Utc::now()).unwrap_err();
        assert_eq!(error.code(), kernel::ErrorCode::Conflict);
        let mut otra = Comision::nueva(&conversion(TipoConversion::Lead, base), Utc::now());
        assert_eq!(
            otra.rechazar("  ", Utc::now()).unwrap_err().campo(),
            Some("motivo")
        );
        otra.rechazar("Fraude detectado", Utc::now()).unwrap();
        assert_eq!(otra.estado, EstadoComision::Rechazada);
    }
}
