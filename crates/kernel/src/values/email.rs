use std::{fmt, str::FromStr};

use email_address::EmailAddress;

use crate::error::{DomainError, DomainResult, extracto};

/// A syntactically valid e-mail address, stored in lower case so uniqueness ignores case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Validates an address for the input field `campo`.
    pub fn parse(campo: &str, raw: &str) -> DomainResult<Self> {
        let trimmed = raw.trim();
        let invalid =
            || DomainError::invalid(campo, format!("Email inválido: '{}'", extracto(trimmed)));
        if trimmed.is_empty() || trimmed.len() > Self::MAX_LEN {
            return Err(invalid());
        }
        let parsed = EmailAddress::from_str(trimmed).map_err(|_| invalid())?;
        // Display names ("Ana <ana@x.co>") and dotless domains are not addresses a
        // partner can be paid at.
        if parsed.display_part() != "" || !parsed.domain().contains('.') {
            return Err(invalid());
        }
        Ok(Self(parsed.email().to_lowercase()))
    }

    /// Rebuilds an address already validated (from storage).
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_lower_cased() {
        let email = Email::parse("email", "  Juan.Perez@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "juan.perez@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused_with_their_field() {
        for raw in [
            "",
            "sin-arroba",
            "a@b",
            "@example.com",
            "ana@",
            "Ana <ana@example.com>",
            "a b@example.com",
        ] {
            let error = Email::parse("email", raw).unwrap_err();
            assert_eq!(error.campo(), Some("email"), "{raw}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse("email", &long).is_err());
    }
}
