use std::fmt;

use crate::error::{DomainError, DomainResult};

/// A person's or organisation's name: trimmed, not empty, at most 200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nombre(String);

impl Nombre {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Validates a name for the input field `campo`.
    pub fn parse(campo: &str, raw: &str) -> DomainResult<Self> {
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(DomainError::invalid(campo, "El nombre es obligatorio"));
        }
        if collapsed.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                campo,
                format!(
                    "El nombre admite como máximo {} caracteres",
                    Self::MAX_CHARS
                ),
            ));
        }
        if collapsed.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                campo,
                "El nombre contiene caracteres no válidos",
            ));
        }
        Ok(Self(collapsed))
    }

    /// Rebuilds a name already validated (from storage).
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nombre {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_collapsed() {
        assert_eq!(
            Nombre::parse("nombre", "  María   González ")
                .unwrap()
                .as_str(),
            "María González"
        );
    }

    #[test]
    fn empty_long_or_control_names_are_refused() {
        assert!(Nombre::parse("nombre", "   ").is_err());
        assert!(Nombre::parse("nombre", &"a".repeat(201)).is_err());
        assert!(Nombre::parse("nombre", &"á".repeat(200)).is_ok());
        assert!(Nombre::parse("nombre", "Ana\u{0}").is_err());
    }
}
