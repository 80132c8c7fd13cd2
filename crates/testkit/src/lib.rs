//! Test support for the subgraphs: throw-away databases on SQLite and PostgreSQL, a
//! statement counter, subgraphs served on ephemeral ports, a small GraphQL client and a
//! `graphql-transport-ws` client.
//!
//! PostgreSQL tests use `TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! to create one database per test and drop it afterwards. They fail, not skip, when the
//! server is unreachable: the PostgreSQL path is part of what the tests prove.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

mod migrations;
mod ws;

pub use migrations::rollback_leaves_no_table;
pub use ws::WsClient;

use anyhow::{Context, Result, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use subgraph_kit::subgraph::Subgraph;
use tokio::task::JoinHandle;

/// Default admin URL of the test PostgreSQL server.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The two database backends every persistence test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// Counts the SQL statements a connection executes.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    /// Statements since the last reset.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

/// A database that exists for one test.
pub struct TestDb {
    /// Its backend.
    pub backend: Backend,
    /// Its connection URL.
    pub url: String,
    /// A pooled connection whose statements are counted.
    pub db: DatabaseConnection,
    /// The statement counter of `db`.
    pub statements: StatementCounter,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn unique_name() -> String {
    format!("alpes_test_{}", uuid::Uuid::new_v4().simple())
}

impl TestDb {
    /// Creates an empty database on `backend`.
    pub async fn new(backend: Backend) -> Result<Self> {
        let name = unique_name();
        let (url, cleanup) =
            match backend {
                Backend::Sqlite => {
                    let dir = std::env::temp_dir().join(&name);
                    let url = subgraph_kit::db::sqlite_url(&dir.join("test.db"));
                    (url, Cleanup::Dir(dir))
                }
                Backend::Postgres => {
                    let admin_url = postgres_admin_url();
                    let admin = subgraph_kit::db::connect(&admin_url, 1).await.with_context(|| {
                    format!(
                        "PostgreSQL is required for the tests (TEST_POSTGRES_URL={admin_url}); \
                         start it or run .ci/run"
                    )
                })?;
                    admin
                        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                        .await
                        .context("creating the test database")?;
                    admin.close().await.ok();
                    let base = admin_url
                        .rsplit_once('/')
                        .map(|(base, _)| base)
                        .context("TEST_POSTGRES_URL has no database part")?;
                    (
                        format!("{base}/{name}"),
                        Cleanup::PgDatabase { admin_url, name },
                    )
                }
            };
        let mut db = subgraph_kit::db::connect(&url, 8).await?;
        let statements = StatementCounter::default();
        let counter = statements.0.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        Ok(Self {
            backend,
            url,
            db,
            statements,
            cleanup,
        })
    }

    /// Closes the connection and removes the database.
    pub async fn drop_db(self) -> Result<()> {
        self.db.close().await.ok();
        match self.cleanup {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(&dir).ok();
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let admin = subgraph_kit::db::connect(&admin_url, 1).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await.ok();
            }
        }
        Ok(())
    }
}

/// The claims tests send by default, as the gateway would forward them: a platform user
/// with every scope of the authorization model.
pub fn claims_admin() -> Value {
    json!({ "sub": "pruebas", "scope": "lectura escritura admin pii" })
}

/// The claims of a user with these scopes.
pub fn claims_de(sub: &str, scopes: &str) -> Value {
    json!({ "sub": sub, "scope": scopes })
}

/// The claims of a partner user of `afiliado_id` (role `afiliado`).
pub fn claims_afiliado(afiliado_id: &str) -> Value {
    json!({ "sub": format!("socio-{afiliado_id}"), "scope": "lectura", "role": "afiliado", "afiliado_id": afiliado_id })
}

/// A subgraph served on an ephemeral port of 127.0.0.1 over its own test database.
pub struct TestSubgraph {
    /// The database behind it.
    pub db: TestDb,
    /// Base URL (`http://127.0.0.1:PORT`).
    pub base_url: String,
    /// The events its subscriptions watch (feed them from a bus, or publish directly).
    pub live: subgraph_kit::live::LiveEvents,
    server: JoinHandle<()>,
    http: reqwest::Client,
}

impl TestSubgraph {
    /// Migrates a fresh database on `backend` and serves `subgraph` over it.
    pub async fn start(subgraph: &dyn Subgraph, backend: Backend) -> Result<Self> {
        Self::start_with(subgraph, backend, |app| app).await
    }

    /// As [`TestSubgraph::start`], serving `wrap(app)` (extra layers, as a deployment adds).
    pub async fn start_with(
        subgraph: &dyn Subgraph,
        backend: Backend,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> Result<Self> {
        let db = TestDb::new(backend).await?;
        subgraph.migrate(&db.db, &db.url).await?;
        let live = subgraph_kit::live::LiveEvents::new();
        let app = wrap(subgraph.app(db.db.clone(), live.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Ok(Self {
            db,
            base_url,
            live,
            server,
            http: reqwest::Client::new(),
        })
    }

    /// Waits until at least `n` subscriptions watch [`TestSubgraph::live`] (their
    /// resolvers ran): events published after it reach them.
    pub async fn until_watched_by(&self, n: usize) -> Result<()> {
        let live = self.live.clone();
        eventually("subscriptions listening", move || live.watchers() >= n).await
    }

    /// Sends a GraphQL operation as [`claims_admin`] and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Result<Value> {
        self.gql_as(Some(&claims_admin()), query, variables).await
    }

    /// Sends a GraphQL operation with these claims in `x-gateway-claims` (none:
    /// anonymous) and returns the whole response body.
    pub async fn gql_as(
        &self,
        claims: Option<&Value>,
        query: &str,
        variables: Value,
    ) -> Result<Value> {
        let mut headers = Vec::new();
        if let Some(claims) = claims {
            headers.push((subgraph_kit::server::CLAIMS_HEADER, claims.to_string()));
        }
        self.gql_with_headers(&headers, query, variables).await
    }

    /// Sends a GraphQL operation with exactly these extra headers and returns the whole
    /// response body.
    pub async fn gql_with_headers(
        &self,
        headers: &[(&str, String)],
        query: &str,
        variables: Value,
    ) -> Result<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() && body.get("errors").is_none() {
            bail!("HTTP {status}: {body}");
        }
        Ok(body)
    }

    /// Sends an operation that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Result<Value> {
        let body = self.gql(query, variables).await?;
        if let Some(errors) = body.get("errors") {
            bail!("unexpected errors: {errors}");
        }
        Ok(body["data"].clone())
    }

    /// A `graphql-transport-ws` connection to `/graphql` with these claims on the upgrade
    /// request, as the gateway opens them (none: anonymous).
    pub async fn ws_as(&self, claims: Option<&Value>) -> Result<WsClient> {
        let url = format!("{}/graphql", self.base_url.replace("http://", "ws://"));
        let headers: Vec<(&'static str, String)> = claims
            .map(|c| vec![(subgraph_kit::server::CLAIMS_HEADER, c.to_string())])
            .unwrap_or_default();
        WsClient::connect_with_headers(&url, &headers, json!({})).await
    }

    /// A GET on a path of the subgraph, as [`claims_admin`].
    pub async fn get(&self, path: &str) -> Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header(
                subgraph_kit::server::CLAIMS_HEADER,
                claims_admin().to_string(),
            )
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// A POST to `/graphql` with any content type and body, as [`claims_admin`].
    pub async fn post_raw(&self, content_type: &str, body: String) -> Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .header(
                subgraph_kit::server::CLAIMS_HEADER,
                claims_admin().to_string(),
            )
            .header("content-type", content_type)
            .body(body)
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// Stops the server and drops the database.
    pub async fn stop(self) -> Result<()> {
        self.server.abort();
        self.db.drop_db().await
    }
}

/// The first error's `extensions.code` of a response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The first error's message of a response.
pub fn error_message(body: &Value) -> Option<&str> {
    body["errors"][0]["message"].as_str()
}

/// Checks that `body` is a refused input: its first error is `BAD_USER_INPUT` on `campo`
/// and no message quotes `enviado` (what was sent: an error never echoes input back).
pub fn bad_user_input(body: &Value, campo: &str, enviado: &str) -> Result<()> {
    if error_code(body) != Some("BAD_USER_INPUT") {
        bail!("expected BAD_USER_INPUT on {campo}: {body}");
    }
    if body["errors"][0]["extensions"]["campo"] != campo {
        bail!("expected campo {campo}: {body}");
    }
    let echoed = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str())
        .any(|m| m.contains(enviado));
    if enviado.is_empty() || echoed {
        bail!("the message quotes what was sent ({enviado}): {body}");
    }
    Ok(())
}

/// Runs each listed `async fn(Backend) -> anyhow::Result<()>` as two tests, one per backend
/// (`sqlite::name` and `postgres::name`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await.expect("SQLite");
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await.expect("PostgreSQL");
                }
            )*
        }
    };
}

/// The outbox of a subgraph's database, oldest first: `(tipo, agregadoId, datos)`.
pub async fn outbox(db: &DatabaseConnection) -> Result<Vec<(String, String, Value)>> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT tipo, agregado_id, datos FROM event_outbox ORDER BY seq",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let datos: String = row.try_get("", "datos")?;
            Ok((
                row.try_get("", "tipo")?,
                row.try_get("", "agregado_id")?,
                serde_json::from_str(&datos)?,
            ))
        })
        .collect()
}

/// How long [`eventually`] waits before it gives up.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Polls `ready` until it holds, failing after [`DEADLINE`]: how a test waits for another
/// task's progress without guessing a sleep.
pub async fn eventually(what: &str, mut ready: impl FnMut() -> bool) -> Result<()> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !ready() {
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out after {DEADLINE:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}
