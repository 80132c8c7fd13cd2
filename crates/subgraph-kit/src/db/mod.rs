//! Database set-up for SQLite (embedded mode) and PostgreSQL (deployments).

use std::{path::Path, time::Duration};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::error::DomainError;

mod relevance;
mod versioned;

pub use relevance::{
    as_fraction, code_ranked_rows, code_relevance, matches_expr, ranked_rows, ranked_search,
    relevance_expr,
};
pub use versioned::{VersionedRow, save_versioned};

/// Why a database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    /// The URL names no backend we support.
    #[error("unsupported database URL '{0}': use sqlite://<file> or postgres://…")]
    UnsupportedUrl(String),
    /// The SQLite file's folder could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Connecting failed.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, without credentials.
        url: String,
        /// The driver error.
        source: DbErr,
    },
    /// A migration failed.
    #[error("migrating {url} failed: {source}")]
    Migrate {
        /// The URL, without credentials.
        url: String,
        /// The migration error.
        source: DbErr,
    },
}

/// The SQLite URL of a database file, created on first connect.
pub fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Opens a pooled connection; for SQLite the file and its folder are created if missing.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbSetupError> {
    let shown = redact(url);
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let file = rest.split('?').next().unwrap_or_default();
        if let Some(dir) = Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| DbSetupError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // WAL lets readers run beside the single writer; the busy timeout makes a
        // concurrent writer wait instead of failing with SQLITE_BUSY.
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(DbSetupError::UnsupportedUrl(shown));
    }
    Database::connect(options)
        .await
        .map_err(|source| DbSetupError::Connect { url: shown, source })
}

/// Applies every pending migration of `M`; already-applied ones are skipped.
///
/// On PostgreSQL the run holds a transaction-scoped advisory lock, so replicas starting
/// together against one database migrate one after the other instead of racing. SQLite
/// files belong to one process (embedded mode), so a process-wide lock serialises there.
pub async fn migrate<M: MigratorTrait>(
    db: &DatabaseConnection,
    url: &str,
) -> Result<(), DbSetupError> {
    let failed = |source| DbSetupError::Migrate {
        url: redact(url),
        source,
    };
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        static SQLITE_MIGRATIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _serialised = SQLITE_MIGRATIONS.lock().await;
        return M::up(db, None).await.map_err(failed);
    }
    let txn = db.begin().await.map_err(failed)?;
    txn.execute_unprepared(&format!(
        "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
    ))
    .await
    .map_err(failed)?;
    M::up(&txn, None).await.map_err(failed)?;
    txn.commit().await.map_err(failed)
}

/// Advisory-lock key of migration runs (an arbitrary constant shared by every replica).
const MIGRATION_LOCK_KEY: i64 = 0x414C_5045_534D_4947;

/// Hides the password of a database URL for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Maps a failed insert: a unique violation on a listed column becomes `CONFLICT` with its
/// message, any other unique violation `CONFLICT` with `otherwise`, anything else internal.
pub fn insert_error(error: DbErr, columns: &[(&str, &str)], otherwise: String) -> DomainError {
    if !is_unique_violation(&error) {
        return internal(error);
    }
    // Both backends name the column or its constraint in the message
    // (`clientes.email`, `clientes_email_key`).
    let text = error.to_string();
    let message = columns
        .iter()
        .find(|(column, _)| text.contains(column))
        .map_or(otherwise, |(_, message)| (*message).to_owned());
    DomainError::Conflict(message)
}

/// `column IN ids`, bound as one array parameter on PostgreSQL (`= ANY($1)`), which keeps
/// large `_entities` batches cheap to encode; a plain list on SQLite.
pub fn id_in<C: sea_orm::ColumnTrait>(
    backend: sea_orm::DbBackend,
    column: C,
    ids: &[uuid::Uuid],
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, extension::postgres::PgFunc};
    match backend {
        sea_orm::DbBackend::Postgres => Expr::col(column).eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => column.is_in(ids.iter().copied()),
    }
}

/// One page of an ordered query and the total of the unpaginated query (two statements).
pub async fn fetch_page<E: sea_orm::EntityTrait>(
    db: &DatabaseConnection,
    query: sea_orm::Select<E>,
    pagina: crate::PageRequest,
) -> Result<(Vec<E::Model>, u64), DomainError>
where
    E::Model: Sync,
{
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = query.clone().count(db).await.map_err(internal)?;
    let rows = query
        .offset(pagina.offset())
        .limit(pagina.per_page())
        .all(db)
        .await
        .map_err(internal)?;
    Ok((rows, total))
}

/// The first `limit` rows of each group of `inner`, numbered per `group` in `order`
/// (`ROW_NUMBER() OVER (PARTITION BY …)`): a per-entity list for a whole batch of
/// entities in one statement. Rows come out ordered by their rank.
pub fn first_per_group(
    mut inner: sea_orm::sea_query::SelectStatement,
    group: sea_orm::sea_query::Expr,
    order: impl IntoIterator<Item = (sea_orm::sea_query::Expr, sea_orm::sea_query::Order)>,
    limit: u64,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{
        Alias, Asterisk, Expr, ExprTrait, OverStatement, Query, WindowStatement,
    };
    let mut window = WindowStatement::new();
    window.add_partition_by(group);
    for (expr, direction) in order {
        window.order_by_expr(expr, direction);
    }
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("rn"));
    Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("t"))
        .and_where(Expr::col(Alias::new("rn")).lte(i64::try_from(limit).unwrap_or(i64::MAX)))
        .order_by(Alias::new("rn"), sea_orm::sea_query::Order::Asc)
        .to_owned()
}

/// The SQL direction of a domain sort order.
pub fn sort_order(orden: crate::Orden) -> sea_orm::sea_query::Order {
    match orden {
        crate::Orden::Asc => sea_orm::sea_query::Order::Asc,
        crate::Orden::Desc => sea_orm::sea_query::Order::Desc,
    }
}

/// Turns a database failure into an internal domain error, logging the detail.
pub fn internal(error: DbErr) -> DomainError {
    tracing::error!(%error, "database error");
    DomainError::internal(error)
}

/// The rows of `E` whose `column` is one of `ids`, in one statement, converted and keyed
/// by `key` (entity batches: `_entities`, DataLoaders).
pub async fn by_ids<E, T>(
    conn: &impl ConnectionTrait,
    column: E::Column,
    ids: &[uuid::Uuid],
    convert: impl Fn(E::Model) -> Result<T, DomainError>,
    key: impl Fn(&T) -> uuid::Uuid,
) -> Result<std::collections::HashMap<uuid::Uuid, T>, DomainError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
{
    use sea_orm::QueryFilter;
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    E::find()
        .filter(id_in(conn.get_database_backend(), column, ids))
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|row| convert(row).map(|item| (key(&item), item)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/clientes"),
            "postgres://app:***@db:5432/clientes"
        );
        assert_eq!(
            redact("sqlite://data/a.db?mode=rwc"),
            "sqlite://data/a.db?mode=rwc"
        );
    }

    #[tokio::test]
    async fn unknown_backends_are_refused() {
        let error = connect("mysql://localhost/x", 1).await.unwrap_err();
        assert!(matches!(error, DbSetupError::UnsupportedUrl(_)));
    }
}
