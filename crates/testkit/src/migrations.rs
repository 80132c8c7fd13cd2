//! Checks of a context's migrations.

use anyhow::{Result, bail};
use sea_orm::ConnectionTrait;

use crate::{Backend, TestDb};

/// Runs `M`'s migrations up, then all the way down, on a fresh database of `backend`, and
/// fails if a table is left behind (SeaORM's own `seaql_migrations` aside).
pub async fn rollback_leaves_no_table<M: sea_orm_migration::MigratorTrait>(
    backend: Backend,
) -> Result<()> {
    let test = TestDb::new(backend).await?;
    M::up(&test.db, None).await?;
    M::down(&test.db, None).await?;
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    };
    let rows = test
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            test.db.get_database_backend(),
            sql,
        ))
        .await?;
    let mut left = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if name != "seaql_migrations" {
            left.push(name);
        }
    }
    test.drop_db().await?;
    if !left.is_empty() {
        bail!("down() left tables behind: {left:?}");
    }
    Ok(())
}
