use rust_decimal::Decimal;

use crate::error::{DomainError, DomainResult};

/// A percentage between 0 and 100 with at most 4 decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Porcentaje(Decimal);

impl Porcentaje {
    /// Validates `0 ≤ value ≤ 100` for the input field `campo`.
    pub fn parse(campo: &str, value: Decimal) -> DomainResult<Self> {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
            return Err(DomainError::invalid(
                campo,
                format!("El porcentaje debe estar entre 0 y 100 (recibido {value})"),
            ));
        }
        if value.normalize().scale() > 4 {
            return Err(DomainError::invalid(
                campo,
                "El porcentaje admite como máximo 4 decimales",
            ));
        }
        Ok(Self(value.normalize()))
    }

    /// Rebuilds a percentage already validated (from storage).
    pub fn from_trusted(value: Decimal) -> Self {
        Self(value)
    }

    /// The value in ten-thousandths (`15.5` → `155000`), for exact integer storage.
    pub fn diezmilesimas(&self) -> i64 {
        // At most 100 with 4 decimals once validated: always fits. Checked anyway, so a
        // value rebuilt with `from_trusted` can never overflow into a panic.
        self.0
            .checked_mul(Decimal::from(10_000))
            .and_then(|d| i64::try_from(d.trunc()).ok())
            .unwrap_or(i64::MAX)
    }

    /// Rebuilds a percentage from ten-thousandths.
    pub fn desde_diezmilesimas(value: i64) -> Self {
        Self(Decimal::new(value, 4).normalize())
    }

    /// The value, 0–100.
    pub fn value(&self) -> Decimal {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert!(Porcentaje::parse("p", Decimal::ZERO).is_ok());
        assert!(Porcentaje::parse("p", Decimal::ONE_HUNDRED).is_ok());
        assert_eq!(
            Porcentaje::parse("comisionBase", Decimal::from(120))
                .unwrap_err()
                .campo(),
            Some("comisionBase")
        );
        assert!(Porcentaje::parse("p", Decimal::NEGATIVE_ONE).is_err());
        assert!(Porcentaje::parse("p", Decimal::new(123_456, 5)).is_err());
    }

    #[test]
    fn ten_thousandths_round_trip() {
        let p = Porcentaje::parse("p", Decimal::new(155, 1)).unwrap();
        assert_eq!(p.diezmilesimas(), 155_000);
        assert_eq!(Porcentaje::desde_diezmilesimas(155_000), p);
        assert_eq!(
            Porcentaje::parse("p", Decimal::ONE_HUNDRED)
                .unwrap()
                .diezmilesimas(),
            1_000_000
        );
    }
}
