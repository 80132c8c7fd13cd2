use std::{fmt, ops::RangeInclusive};

use crate::error::{DomainError, DomainResult, extracto};

/// A number written with digits only (cédula, document number, account number).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SoloDigitos(String);

impl SoloDigitos {
    /// Validates digits only, with a length in `largo`, for the input field `campo`.
    pub fn parse(campo: &str, raw: &str, largo: RangeInclusive<usize>) -> DomainResult<Self> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::invalid(
                campo,
                format!("'{}' debe contener solo dígitos", extracto(trimmed)),
            ));
        }
        if !largo.contains(&trimmed.len()) {
            return Err(DomainError::invalid(
                campo,
                format!(
                    "Debe tener entre {} y {} dígitos",
                    largo.start(),
                    largo.end()
                ),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Rebuilds a number already validated (from storage).
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but its last four digits hidden (`******7890`).
    pub fn enmascarado(&self) -> String {
        // Counted in characters, not bytes: a stored value is never sliced inside one.
        let total = self.0.chars().count();
        let hidden = total.saturating_sub(4);
        let visible: String = self.0.chars().skip(hidden).collect();
        format!("{}{visible}", "*".repeat(hidden))
    }
}

impl fmt::Display for SoloDigitos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only_within_length() {
        assert_eq!(
            SoloDigitos::parse("cedula", " 12345678 ", 5..=15)
                .unwrap()
                .as_str(),
            "12345678"
        );
        for raw in ["12a45678", "1234-5678", "", "   ", "١٢٣٤٥٦"] {
            let error = SoloDigitos::parse("cedula", raw, 5..=15).unwrap_err();
            assert_eq!(error.campo(), Some("cedula"), "{raw}");
        }
        assert!(SoloDigitos::parse("cedula", "1234", 5..=15).is_err());
    }

    #[test]
    fn masking_keeps_the_last_four_digits() {
        let cuenta = SoloDigitos::from_trusted("1234567890".into());
        assert_eq!(cuenta.enmascarado(), "******7890");
        assert_eq!(SoloDigitos::from_trusted("12".into()).enmascarado(), "12");
    }
}
