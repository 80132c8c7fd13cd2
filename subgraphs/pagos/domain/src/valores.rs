//! Value objects of the `pagos` context: validated once, at the edge.

use kernel::{DomainError, DomainResult, error::extracto};

pub(crate) use kernel::coded_enum as enum_codigos;

enum_codigos!(
    /// How a partner is paid.
    TipoMetodoPago {
        /// Bank transfer.
        TransferenciaBancaria => "TRANSFERENCIA_BANCARIA",
        /// Credit card.
        TarjetaCredito => "TARJETA_CREDITO",
        /// Digital wallet.
        BilleteraDigital => "BILLETERA_DIGITAL",
    }
);

/// The client's idempotency key of a payout request: 8–128 characters of letters,
/// digits, `-`, `_`, `.` and `:` (a UUID fits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClaveIdempotencia(String);

impl ClaveIdempotencia {
    /// Validates a key for the input field `idempotencyKey`.
    pub fn parse(texto: &str) -> DomainResult<Self> {
        let texto = texto.trim();
        let largo = texto.chars().count();
        if !(8..=128).contains(&largo) {
            return Err(DomainError::invalid(
                "idempotencyKey",
                format!(
                    "La clave de idempotencia debe tener entre 8 y 128 caracteres (tiene {largo})"
                ),
            ));
        }
        if let Some(c) = texto
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
        {
            return Err(DomainError::invalid(
                "idempotencyKey",
                format!("La clave de idempotencia contiene un carácter no permitido: '{c}'"),
            ));
        }
        Ok(Self(texto.to_owned()))
    }

    /// Rebuilds a stored key.
    pub fn from_trusted(texto: String) -> Self {
        Self(texto)
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A payout cycle ("CYCLE-2024-09"): 1–64 letters, digits, `-` or `_`, kept as given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ciclo(String);

impl Ciclo {
    /// Validates a cycle for the input field `ciclo`.
    pub fn parse(texto: &str) -> DomainResult<Self> {
        let texto = texto.trim();
        if texto.is_empty() {
            return Err(DomainError::invalid("ciclo", "El ciclo es obligatorio"));
        }
        if texto.len() > 64
            || !texto
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        {
            return Err(DomainError::invalid(
                "ciclo",
                format!(
                    "Ciclo inválido: '{}' (use letras, dígitos, '-' o '_', como CYCLE-2024-09)",
                    extracto(texto)
                ),
            ));
        }
        Ok(Self(texto.to_owned()))
    }

    /// Rebuilds a stored cycle.
    pub fn from_trusted(texto: String) -> Self {
        Self(texto)
    }

    /// The cycle.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the money goes: the method and a mask of its account ("****1234"); the full
/// number never reaches this context.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MetodoPago {
    /// The method.
    pub tipo: TipoMetodoPago,
    /// At least two `*` then the last four digits.
    pub mascara: String,
}

impl MetodoPago {
    /// Validates the mask for the input field `metodoPago.mascara`.
    pub fn new(tipo: TipoMetodoPago, mascara: &str) -> DomainResult<Self> {
        let mascara = mascara.trim();
        // Split on characters, never on a byte index computed from them.
        let resto = mascara.trim_start_matches('*');
        let asteriscos = mascara.chars().count() - resto.chars().count();
        if asteriscos < 2
            || mascara.chars().count() > 32
            || resto.chars().count() != 4
            || !resto.chars().all(|c| c.is_ascii_digit())
        {
            return Err(DomainError::invalid(
                "metodoPago.mascara",
                "La máscara debe ser asteriscos seguidos de los últimos 4 dígitos (****1234); nunca el número completo",
            ));
        }
        Ok(Self {
            tipo,
            mascara: mascara.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_and_plain() {
        assert!(ClaveIdempotencia::parse("2f9c1e7a-0000-4000-8000-000000000001").is_ok());
        assert_eq!(
            ClaveIdempotencia::parse("corta").unwrap_err().campo(),
            Some("idempotencyKey")
        );
        assert!(ClaveIdempotencia::parse("con espacios dentro").is_err());
        assert!(ClaveIdempotencia::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn cycles_are_required_and_plain() {
        assert_eq!(Ciclo::parse(" ").unwrap_err().campo(), Some("ciclo"));
        assert!(Ciclo::parse("CYCLE-2024-09").is_ok());
        assert!(Ciclo::parse("CYCLE 2024/09").is_err());
    }

    #[test]
    fn masks_never_carry_a_full_number() {
        assert!(MetodoPago::new(TipoMetodoPago::TarjetaCredito, "****1234").is_ok());
        for mala in ["4111111111111111", "*1234", "****12345", "****12a4", ""] {
            assert!(
                MetodoPago::new(TipoMetodoPago::TarjetaCredito, mala).is_err(),
                "{mala}"
            );
        }
    }
}
