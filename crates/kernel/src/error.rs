//! The domain error every bounded context returns, and its stable codes.

use std::fmt;

/// Stable error codes, sent to clients as `extensions.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The thing asked for does not exist.
    NotFound,
    /// The request contradicts existing state (duplicate, concurrent change, forbidden transition).
    Conflict,
    /// The input is malformed or breaks a rule.
    BadUserInput,
    /// The caller may not do this.
    Forbidden,
    /// The caller is not authenticated.
    Unauthenticated,
    /// The caller sent too much too fast; retry later.
    RateLimited,
    /// Something failed on our side; details are logged, not returned.
    Internal,
}

impl ErrorCode {
    /// The SCREAMING_SNAKE_CASE code clients see.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed domain operation, with a Spanish message safe to show to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// An entity that does not exist.
    #[error("{entidad} no encontrado: {id}")]
    NotFound {
        /// The entity's Spanish name ("Cliente").
        entidad: &'static str,
        /// The id that was looked up.
        id: String,
    },
    /// A conflict with existing state.
    #[error("{0}")]
    Conflict(String),
    /// A malformed or rule-breaking input, naming the field at fault.
    #[error("{mensaje}")]
    InvalidInput {
        /// The input field at fault (camelCase, as in the schema).
        campo: String,
        /// What is wrong with it.
        mensaje: String,
    },
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The caller is not authenticated.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many requests of one caller; nothing was done.
    #[error("{0}")]
    RateLimited(String),
    /// An internal failure; the detail is for logs only.
    #[error("Error interno del servidor")]
    Internal(String),
}

impl DomainError {
    /// A bad input on one field.
    pub fn invalid(campo: impl Into<String>, mensaje: impl Into<String>) -> Self {
        DomainError::InvalidInput {
            campo: campo.into(),
            mensaje: mensaje.into(),
        }
    }

    /// An entity that does not exist.
    pub fn not_found(entidad: &'static str, id: impl fmt::Display) -> Self {
        DomainError::NotFound {
            entidad,
            id: id.to_string(),
        }
    }

    /// An internal failure, with its detail for the logs.
    pub fn internal(detalle: impl fmt::Display) -> Self {
        DomainError::Internal(detalle.to_string())
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::NotFound { .. } => ErrorCode::NotFound,
            DomainError::Conflict(_) => ErrorCode::Conflict,
            DomainError::InvalidInput { .. } => ErrorCode::BadUserInput,
            DomainError::Forbidden(_) => ErrorCode::Forbidden,
            DomainError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            DomainError::RateLimited(_) => ErrorCode::RateLimited,
            DomainError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The input field at fault, for bad input.
    pub fn campo(&self) -> Option<&str> {
        match self {
            DomainError::InvalidInput { campo, .. } => Some(campo),
            _ => None,
        }
    }

    /// Prefixes the field at fault with its parent input's path (`documento` → `documento.numero`).
    pub fn en(self, padre: &str) -> Self {
        match self {
            DomainError::InvalidInput { campo, mensaje } => DomainError::InvalidInput {
                campo: format!("{padre}.{campo}"),
                mensaje,
            },
            other => other,
        }
    }
}

/// Result of a domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

/// Most characters of a caller's text an error message quotes back.
pub const MAX_EXTRACTO: usize = 40;

/// A caller's text as an error message may quote it: at most [`MAX_EXTRACTO`]
/// characters, cut on a character boundary (never a byte index, which panics inside a
/// multi-byte character) and marked with `…`, so a message never echoes a whole input.
pub fn extracto(texto: &str) -> String {
    let mut caracteres = texto.chars();
    let corto: String = caracteres.by_ref().take(MAX_EXTRACTO).collect();
    if caracteres.next().is_some() {
        format!("{corto}…")
    } else {
        corto
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        assert_eq!(
            DomainError::not_found("Cliente", "x").code().as_str(),
            "NOT_FOUND"
        );
        assert_eq!(
            DomainError::Conflict("c".into()).code().as_str(),
            "CONFLICT"
        );
        assert_eq!(
            DomainError::invalid("email", "m").code().as_str(),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            DomainError::Forbidden("f".into()).code().as_str(),
            "FORBIDDEN"
        );
        assert_eq!(
            DomainError::Unauthenticated("u".into()).code().as_str(),
            "UNAUTHENTICATED"
        );
    }

    #[test]
    fn internal_details_never_reach_the_message() {
        let error = DomainError::internal("connection refused at 10.0.0.3");
        assert_eq!(error.to_string(), "Error interno del servidor");
    }

    #[test]
    fn excerpts_are_cut_on_characters_not_bytes() {
        assert_eq!(extracto("€"), "€");
        let largo = "é".repeat(MAX_EXTRACTO + 1);
        let corto = extracto(&largo);
        assert_eq!(corto.chars().count(), MAX_EXTRACTO + 1);
        assert!(corto.ends_with('…'));
        assert_eq!(
            extracto(&"x".repeat(MAX_EXTRACTO)),
            "x".repeat(MAX_EXTRACTO)
        );
    }

    #[test]
    fn nested_fields_keep_their_path() {
        let error = DomainError::invalid("numero", "Solo dígitos").en("documento");
        assert_eq!(error.campo(), Some("documento.numero"));
        assert_eq!(error.to_string(), "Solo dígitos");
    }
}
