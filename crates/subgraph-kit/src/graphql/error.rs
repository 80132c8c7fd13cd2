use async_graphql::ErrorExtensions;

use crate::error::{DomainError, ErrorCode};

/// Maps a domain error to a GraphQL error with `extensions.code` (and `campo` for bad input).
pub fn to_graphql_error(error: DomainError) -> async_graphql::Error {
    if let DomainError::Internal(detail) = &error {
        tracing::error!(%detail, "internal error");
    }
    let code = error.code();
    let campo = error.campo().map(str::to_owned);
    async_graphql::Error::new(error.to_string()).extend_with(|_, extensions| {
        extensions.set("code", code.as_str());
        if let Some(campo) = campo {
            extensions.set("campo", campo);
        }
        if code == ErrorCode::Internal {
            extensions.set("detalle", "consulte los registros del servidor");
        }
    })
}

/// `.gql()` on domain results, for resolvers.
pub trait GraphqlResultExt<T> {
    /// Converts the error side into a GraphQL error.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GraphqlResultExt<T> for Result<T, DomainError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_carries_code_and_field() {
        let error = to_graphql_error(DomainError::invalid("email", "Email inválido"));
        assert_eq!(error.message, "Email inválido");
        let extensions = error.extensions.expect("extensions");
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
        assert_eq!(
            extensions.get("campo"),
            Some(&async_graphql::Value::from("email"))
        );
    }
}
