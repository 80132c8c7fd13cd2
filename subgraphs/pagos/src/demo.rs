//! Demo data of `pagos`: none is loaded directly. Commissions arrive from the demo's
//! validated conversions through the event bus, as in production, and payouts are
//! requested through the API.

use sea_orm::DatabaseConnection;
use subgraph_kit::DomainError;

/// Loads nothing (see the module documentation); returns rows added.
pub async fn seed(_db: &DatabaseConnection) -> Result<u64, DomainError> {
    Ok(0)
}
