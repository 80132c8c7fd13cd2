//! The dashboard's counters: one federated entity, `ContadoresDashboard @key(fields: "id")`,
//! whose fields each context contributes from its own data (the gateway joins them).

use async_graphql::{ID, Result};

use crate::{
    error::{DomainError, DomainResult},
    pagination::{Page, PageRequest},
};

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

/// How many items a listing has: the `total` of its first page of one item.
pub async fn contar<T, Fut>(listar: impl FnOnce(PageRequest) -> Fut) -> Result<u64>
where
    Fut: std::future::Future<Output = DomainResult<Page<T>>>,
{
    let uno = PageRequest::new(1, 1).map_err(to_graphql_error)?;
    Ok(listar(uno).await.map_err(to_graphql_error)?.total)
}
