//! Exact money: `Dinero` is a decimal amount in one `Moneda`, with each currency's scale.

use std::{fmt, str::FromStr};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A currency the platform handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Moneda {
    /// US dollar, 2 decimals.
    Usd,
    /// Euro, 2 decimals.
    Eur,
    /// Colombian peso, no decimals.
    Cop,
}

impl Moneda {
    /// Every supported currency.
    pub const ALL: [Moneda; 3] = [Moneda::Usd, Moneda::Eur, Moneda::Cop];

    /// How many decimals an amount in this currency may have.
    pub fn escala(self) -> u32 {
        match self {
            Moneda::Usd | Moneda::Eur => 2,
            Moneda::Cop => 0,
        }
    }

    /// ISO 4217 code.
    pub fn codigo(self) -> &'static str {
        match self {
            Moneda::Usd => "USD",
            Moneda::Eur => "EUR",
            Moneda::Cop => "COP",
        }
    }
}

impl fmt::Display for Moneda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.codigo())
    }
}

impl FromStr for Moneda {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Moneda::ALL
            .into_iter()
            .find(|m| m.codigo().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| MoneyError::MonedaDesconocida(s.to_owned()))
    }
}

/// Why an amount of money was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount is below zero where that is not allowed.
    #[error("El valor no puede ser negativo")]
    Negativo,
    /// More decimals than the currency has.
    #[error("{moneda} admite como máximo {escala} decimales")]
    DemasiadosDecimales {
        /// The currency.
        moneda: Moneda,
        /// Its scale.
        escala: u32,
    },
    /// Two amounts in different currencies were combined.
    #[error("No se pueden combinar montos en {0} y {1}")]
    MonedasDistintas(Moneda, Moneda),
    /// A currency code nobody knows.
    #[error("Moneda desconocida: {0}")]
    MonedaDesconocida(String),
    /// The amount does not fit in a decimal.
    #[error("El monto excede el rango permitido")]
    Desbordamiento,
    /// A client's amount above [`MONTO_MAXIMO`].
    #[error("El monto no puede superar {}", MONTO_MAXIMO)]
    ExcedeMaximo,
}

/// Largest amount a client may give, in any currency (a trillion: well above any real
/// payment, budget or price, COP included). Sums of many such amounts still fit the
/// 64-bit minor units storage uses, and arithmetic on them cannot overflow a decimal.
pub const MONTO_MAXIMO: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// Validates the magnitude of an amount a client gives, whatever its currency: not
/// negative and at most [`MONTO_MAXIMO`]. For bounds without a currency (a filter's
/// `montoMin`); an amount in a currency goes through [`Dinero::importe`].
pub fn validar_magnitud(valor: Decimal) -> Result<Decimal, MoneyError> {
    if valor.is_sign_negative() && !valor.is_zero() {
        return Err(MoneyError::Negativo);
    }
    if valor > MONTO_MAXIMO {
        return Err(MoneyError::ExcedeMaximo);
    }
    Ok(valor)
}

/// An exact, non-negative amount in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dinero {
    valor: Decimal,
    moneda: Moneda,
}

impl Dinero {
    /// Validates an amount: non-negative and within the currency's scale.
    ///
    /// Trailing zeros beyond the scale are accepted (`10.500` USD is `10.50`); significant
    /// digits beyond it are refused rather than rounded, so no money silently disappears.
    pub fn new(valor: Decimal, moneda: Moneda) -> Result<Self, MoneyError> {
        if valor.is_sign_negative() && !valor.is_zero() {
            return Err(MoneyError::Negativo);
        }
        let normalizado = valor.normalize();
        if normalizado.scale() > moneda.escala() {
            return Err(MoneyError::DemasiadosDecimales {
                moneda,
                escala: moneda.escala(),
            });
        }
        let mut valor = normalizado;
        valor.rescale(moneda.escala());
        Ok(Self { valor, moneda })
    }

    /// Validates an amount a client gives (every amount input of every context comes
    /// through here): what [`Dinero::new`] checks, and at most [`MONTO_MAXIMO`].
    ///
    /// `new` stays without the maximum: totals the platform computes may exceed what
    /// one client amount may be.
    pub fn importe(valor: Decimal, moneda: Moneda) -> Result<Self, MoneyError> {
        validar_magnitud(valor)?;
        Dinero::new(valor, moneda)
    }

    /// Zero in a currency.
    pub fn cero(moneda: Moneda) -> Self {
        let mut valor = Decimal::ZERO;
        valor.rescale(moneda.escala());
        Self { valor, moneda }
    }

    /// The amount, at the currency's scale.
    pub fn valor(&self) -> Decimal {
        self.valor
    }

    /// The currency.
    pub fn moneda(&self) -> Moneda {
        self.moneda
    }

    /// The amount in minor units (cents; pesos for COP), for exact integer storage.
    pub fn unidades_menores(&self) -> Result<i64, MoneyError> {
        i64::try_from(self.valor.mantissa()).map_err(|_| MoneyError::Desbordamiento)
    }

    /// Rebuilds an amount from minor units.
    pub fn desde_unidades_menores(unidades: i64, moneda: Moneda) -> Result<Self, MoneyError> {
        Dinero::new(Decimal::new(unidades, moneda.escala()), moneda)
    }

    /// Exact sum; refuses to mix currencies.
    pub fn sumar(&self, otro: &Dinero) -> Result<Dinero, MoneyError> {
        if self.moneda != otro.moneda {
            return Err(MoneyError::MonedasDistintas(self.moneda, otro.moneda));
        }
        let valor = self
            .valor
            .checked_add(otro.valor)
            .ok_or(MoneyError::Desbordamiento)?;
        Dinero::new(valor, self.moneda)
    }

    /// Exact sum of many amounts of one currency (zero for none).
    pub fn total<'a>(
        moneda: Moneda,
        montos: impl IntoIterator<Item = &'a Dinero>,
    ) -> Result<Dinero, MoneyError> {
        montos
            .into_iter()
            .try_fold(Dinero::cero(moneda), |acc, m| acc.sumar(m))
    }

    /// A percentage of this amount, rounded half-even to the currency's scale.
    pub fn porcentaje(&self, porcentaje: Decimal) -> Result<Dinero, MoneyError> {
        let bruto = self
            .valor
            .checked_mul(porcentaje)
            .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
            .ok_or(MoneyError::Desbordamiento)?;
        Dinero::new(
            bruto.round_dp_with_strategy(
                self.moneda.escala(),
                rust_decimal::RoundingStrategy::MidpointNearestEven,
            ),
            self.moneda,
        )
    }
}

impl fmt::Display for Dinero {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.valor, self.moneda)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn amounts_take_the_scale_of_their_currency() {
        assert_eq!(
            Dinero::new(dec!(10.5), Moneda::Usd)
                .unwrap()
                .valor()
                .to_string(),
            "10.50"
        );
        assert_eq!(
            Dinero::new(dec!(50000), Moneda::Cop)
                .unwrap()
                .valor()
                .to_string(),
            "50000"
        );
        assert_eq!(
            Dinero::new(dec!(10.500), Moneda::Eur).unwrap().valor(),
            dec!(10.50)
        );
    }

    #[test]
    fn too_many_decimals_are_refused_not_rounded() {
        assert_eq!(
            Dinero::new(dec!(10.555), Moneda::Usd),
            Err(MoneyError::DemasiadosDecimales {
                moneda: Moneda::Usd,
                escala: 2
            })
        );
        assert!(matches!(
            Dinero::new(dec!(100.5), Moneda::Cop),
            Err(MoneyError::DemasiadosDecimales { escala: 0, .. })
        ));
    }

    #[test]
    fn negative_amounts_are_refused() {
        assert_eq!(
            Dinero::new(dec!(-0.01), Moneda::Usd),
            Err(MoneyError::Negativo)
        );
        assert!(Dinero::new(dec!(-0), Moneda::Usd).is_ok());
    }

    #[test]
    fn sums_of_many_cents_are_exact() {
        let centavo = Dinero::new(dec!(0.01), Moneda::Usd).unwrap();
        let montos = vec![centavo; 100_000];
        let total = Dinero::total(Moneda::Usd, &montos).unwrap();
        assert_eq!(total.valor(), dec!(1000.00));
        let decimos = vec![Dinero::new(dec!(0.1), Moneda::Eur).unwrap(); 3];
        assert_eq!(
            Dinero::total(Moneda::Eur, &decimos).unwrap().valor(),
            dec!(0.30)
        );
    }

    #[test]
    fn currencies_are_never_mixed() {
        let usd = Dinero::new(dec!(1), Moneda::Usd).unwrap();
        let cop = Dinero::new(dec!(1), Moneda::Cop).unwrap();
        assert_eq!(
            usd.sumar(&cop),
            Err(MoneyError::MonedasDistintas(Moneda::Usd, Moneda::Cop))
        );
        assert!(Dinero::total(Moneda::Usd, [&usd, &cop]).is_err());
    }

    #[test]
    fn percentages_round_half_even_to_the_currency_scale() {
        let base = Dinero::new(dec!(10.05), Moneda::Usd).unwrap();
        assert_eq!(base.porcentaje(dec!(50)).unwrap().valor(), dec!(5.02));
        let cop = Dinero::new(dec!(250001), Moneda::Cop).unwrap();
        assert_eq!(cop.porcentaje(dec!(15)).unwrap().valor(), dec!(37500));
    }

    #[test]
    fn minor_units_round_trip_exactly() {
        let usd = Dinero::new(dec!(1250.5), Moneda::Usd).unwrap();
        assert_eq!(usd.unidades_menores().unwrap(), 125_050);
        assert_eq!(
            Dinero::desde_unidades_menores(125_050, Moneda::Usd).unwrap(),
            usd
        );
        let cop = Dinero::new(dec!(50000), Moneda::Cop).unwrap();
        assert_eq!(cop.unidades_menores().unwrap(), 50_000);
        assert_eq!(Dinero::cero(Moneda::Eur).unidades_menores().unwrap(), 0);
    }

    #[test]
    fn client_amounts_have_one_maximum_in_every_currency() {
        assert_eq!(MONTO_MAXIMO, dec!(1_000_000_000_000));
        for moneda in Moneda::ALL {
            assert!(Dinero::importe(MONTO_MAXIMO, moneda).is_ok());
            assert_eq!(
                Dinero::importe(dec!(99999999999999999999), moneda),
                Err(MoneyError::ExcedeMaximo)
            );
            assert_eq!(
                Dinero::importe(MONTO_MAXIMO + dec!(1), moneda),
                Err(MoneyError::ExcedeMaximo)
            );
            assert_eq!(Dinero::importe(dec!(-1), moneda), Err(MoneyError::Negativo));
            // The maximum in minor units fits storage with room for sums.
            let maximo = Dinero::importe(MONTO_MAXIMO, moneda).unwrap();
            assert!(maximo.unidades_menores().unwrap() < i64::MAX / 1_000);
        }
        assert!(Dinero::importe(dec!(1.005), Moneda::Usd).is_err());
        assert_eq!(validar_magnitud(dec!(10.555)), Ok(dec!(10.555)));
        assert_eq!(
            validar_magnitud(Decimal::MAX),
            Err(MoneyError::ExcedeMaximo)
        );
    }

    #[test]
    fn currency_codes_parse_case_insensitively() {
        assert_eq!("usd".parse::<Moneda>().unwrap(), Moneda::Usd);
        assert_eq!(
            "ARS".parse::<Moneda>(),
            Err(MoneyError::MonedaDesconocida("ARS".into()))
        );
    }
}
