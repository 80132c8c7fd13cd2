//! The dashboard's counters: one federated entity, `ContadoresDashboard @key(fields: "id")`,
//! whose fields each context contributes from its own data (the gateway joins them).

use async_graphql::{ID, Result};

use crate::error::DomainError;

use super::to_graphql_error;

/// The key of the one `ContadoresDashboard` there is.
pub const CONTADORES_ID: &str = "dashboard";

/// The key of the counters, or a `BAD_USER_INPUT` error for any other id.
pub fn contadores_id(id: &ID) -> Result<ID> {
    if id.as_str() == CONTADORES_ID {
        Ok(id.clone())
    } else {
        Err(to_graphql_error(DomainError::invalid(
            "id",
            format!("Los contadores del dashboard tienen el id \"{CONTADORES_ID}\""),
        )))
    }
}
