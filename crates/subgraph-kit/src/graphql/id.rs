use async_graphql::ID;
use uuid::Uuid;

use crate::error::{DomainError, DomainResult, extracto};

/// Parses a GraphQL `ID` holding a UUID; a malformed one is bad input on `campo`.
pub fn parse_id(campo: &str, id: &ID) -> DomainResult<Uuid> {
    Uuid::parse_str(id.as_str().trim()).map_err(|_| {
        DomainError::invalid(
            campo,
            format!("'{}' no es un UUID válido", extracto(id.as_str().trim())),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ids_are_bad_input() {
        assert!(parse_id("id", &ID::from("550e8400-e29b-41d4-a716-446655440000")).is_ok());
        assert_eq!(
            parse_id("id", &ID::from("no-es-uuid")).unwrap_err().campo(),
            Some("id")
        );
    }
}
