//! Search text: accent- and case-insensitive matching with a relevance score.
//!
//! Names are stored beside a normalised copy (`"María Pérez"` → `"maria perez"`) so the
//! same SQL runs on SQLite and PostgreSQL without collation or extension differences.

use crate::error::{DomainError, DomainResult};

/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most results a search may return.
pub const MAX_RESULTS: u64 = 100;

/// Lower-cases, strips accents and collapses whitespace.
pub fn normalize(text: &str) -> String {
    deunicode::deunicode(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A validated search: normalised query, result limit, and whether e-mail addresses are
/// searched too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Busqueda {
    texto: String,
    limite: u64,
    por_email: bool,
}

impl Busqueda {
    /// Validates a query (not blank, at most 100 characters) and a limit (1–100).
    pub fn new(q: &str, limite: i64) -> DomainResult<Self> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(DomainError::invalid(
                "q",
                format!("La búsqueda admite como máximo {MAX_QUERY_CHARS} caracteres"),
            ));
        }
        let texto = normalize(q);
        if texto.is_empty() {
            return Err(DomainError::invalid(
                "q",
                "La búsqueda no puede estar vacía",
            ));
        }
        let limite = u64::try_from(limite)
            .ok()
            .filter(|l| (1..=MAX_RESULTS).contains(l))
            .ok_or_else(|| {
                DomainError::invalid(
                    "limite",
                    format!("El límite debe estar entre 1 y {MAX_RESULTS}"),
                )
            })?;
        Ok(Self {
            texto,
            limite,
            por_email: true,
        })
    }

    /// The same search over names only: e-mail addresses neither match nor score (for
    /// whoever may not read them, a match would tell them anyway).
    pub fn solo_nombres(mut self) -> Self {
        self.por_email = false;
        self
    }

    /// Whether e-mail addresses are searched.
    pub fn por_email(&self) -> bool {
        self.por_email
    }

    /// The normalised query.
    pub fn texto(&self) -> &str {
        &self.texto
    }

    /// Most results to return.
    pub fn limite(&self) -> u64 {
        self.limite
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_accents_case_and_spacing() {
        assert_eq!(normalize("  María   PÉREZ Ñúñez "), "maria perez nunez");
    }

    #[test]
    fn queries_are_validated() {
        assert_eq!(Busqueda::new("  José ", 10).unwrap().texto(), "jose");
        assert_eq!(Busqueda::new("   ", 10).unwrap_err().campo(), Some("q"));
        assert_eq!(Busqueda::new("ana", 0).unwrap_err().campo(), Some("limite"));
        assert!(Busqueda::new("ana", 101).is_err());
        assert!(Busqueda::new(&"a".repeat(101), 10).is_err());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
