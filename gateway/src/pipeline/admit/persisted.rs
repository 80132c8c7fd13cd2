//! Persisted operations: Apollo's automatic persisted queries (`extensions.persistedQuery`
//! with a SHA-256, over GET and POST) and a safelist mode that runs only operations of a
//! manifest.

use std::{collections::HashMap, path::Path, sync::Arc};

use sha2::{Digest, Sha256};

use crate::pipeline::{ErrorCode, GraphqlRequest, PipelineError};

/// Registered documents kept for APQ, at most.
const APQ_ENTRIES: usize = 10_000;

/// How persisted operations are handled.
pub enum PersistedQueries {
    /// No persisted operations: a hash-only request is refused.
    Off,
    /// Automatic persisted queries: a client registers a document with its hash, then
    /// sends the hash alone.
    Apq(Box<ApqStore>),
    /// Only the manifest's operations run, by hash or by identical text.
    Safelist(HashMap<String, Arc<str>>),
}

/// Why a safelist manifest cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("persisted operations manifest {path}: {problem}")]
pub struct ManifestError {
    path: String,
    problem: String,
}

/// Hex SHA-256 of a document, as clients compute it.
pub fn sha256_hex(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long a registered document stays in Redis after its last registration.
const APQ_REDIS_TTL_SECS: u64 = 7 * 24 * 3600;

/// Registered APQ documents: in memory, and in Redis when configured so that a document
/// registered through one replica is found by the others.
pub struct ApqStore {
    local: quick_cache::sync::Cache<String, Arc<str>>,
    redis: Option<(
        redis::Client,
        tokio::sync::OnceCell<redis::aio::ConnectionManager>,
        String,
    )>,
}

impl ApqStore {
    async fn connection(&self) -> Option<(redis::aio::ConnectionManager, &str)> {
        let (client, cell, prefix) = self.redis.as_ref()?;
        match cell
            .get_or_try_init(|| client.get_connection_manager())
            .await
        {
            Ok(connection) => Some((connection.clone(), prefix)),
            Err(error) => {
                tracing::warn!(%error, "APQ: Redis unavailable, this replica's memory only");
                None
            }
        }
    }

    async fn get(&self, hash: &str) -> Option<Arc<str>> {
        if let Some(found) = self.local.get(hash) {
            return Some(found);
        }
        let (mut connection, prefix) = self.connection().await?;
        let found: Option<String> =
            redis::AsyncCommands::get(&mut connection, format!("{prefix}:{hash}"))
                .await
                .map_err(|error| tracing::warn!(%error, "APQ: Redis read failed"))
                .ok()
                .flatten();
        let found: Arc<str> = found?.into();
        self.local.insert(hash.to_owned(), found.clone());
        Some(found)
    }

    async fn insert(&self, hash: String, query: Arc<str>) {
        if let Some((mut connection, prefix)) = self.connection().await {
            let stored: Result<(), _> = redis::AsyncCommands::set_ex(
                &mut connection,
                format!("{prefix}:{hash}"),
                query.as_ref(),
                APQ_REDIS_TTL_SECS,
            )
            .await;
            if let Err(error) = stored {
                tracing::warn!(%error, "APQ: Redis write failed");
            }
        }
        self.local.insert(hash, query);
    }
}

/// The documents of a manifest, with their ids: Apollo's persisted query manifest
/// (`{"format":"apollo-persisted-query-manifest","operations":[{"id","body"}]}`) or a
/// plain `{ "<sha256>": "<document>" }` object.
pub(crate) fn manifest_documents(
    path: &Path,
) -> Result<Vec<(Option<String>, String)>, ManifestError> {
    let error = |problem: String| ManifestError {
        path: path.display().to_string(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| error(format!("not JSON: {e}")))?;
    let mut entries = Vec::new();
    if let Some(operations) = json.get("operations").and_then(|o| o.as_array()) {
        for op in operations {
            let body = op
                .get("body")
                .and_then(|b| b.as_str())
                .ok_or_else(|| error("an operation has no \"body\"".into()))?;
            let id = op.get("id").and_then(|i| i.as_str()).map(str::to_owned);
            entries.push((id, body.to_owned()));
        }
    } else if let Some(map) = json.as_object() {
        for (id, body) in map {
            let body = body
                .as_str()
                .ok_or_else(|| error(format!("the value of {id:?} is not a document")))?;
            entries.push((Some(id.clone()), body.to_owned()));
        }
    } else {
        return Err(error("expected an operations manifest or an object".into()));
    }
    Ok(entries)
}

impl PersistedQueries {
    /// APQ with an in-memory store.
    pub fn apq() -> Self {
        Self::Apq(Box::new(ApqStore {
            local: quick_cache::sync::Cache::new(APQ_ENTRIES),
            redis: None,
        }))
    }

    /// APQ shared through the Redis at `url` (keys `{prefix}:{sha256}`), with a local copy.
    pub fn apq_redis(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Self::Apq(Box::new(ApqStore {
            local: quick_cache::sync::Cache::new(APQ_ENTRIES),
            redis: Some((
                redis::Client::open(url)?,
                tokio::sync::OnceCell::new(),
                prefix.to_owned(),
            )),
        })))
    }

    /// Safelist mode from a manifest (see [`manifest_documents`]). Each document is
    /// reachable by its id and by its SHA-256.
    pub fn safelist(path: &Path) -> Result<Self, ManifestError> {
        let entries = manifest_documents(path)?;
        let mut list = HashMap::new();
        for (id, body) in entries {
            let body: Arc<str> = body.into();
            list.insert(sha256_hex(&body), body.clone());
            if let Some(id) = id {
                list.insert(id, body);
            }
        }
        Ok(Self::Safelist(list))
    }

    /// The document to run for a request, or the protocol error to answer.
    pub async fn resolve(
        &self,
        request: &GraphqlRequest,
    ) -> Result<Option<Arc<str>>, PipelineError> {
        let persisted = request
            .extensions
            .as_ref()
            .and_then(|e| e.get("persistedQuery"));
        let hash = match persisted {
            None => None,
            Some(p) => {
                let version = p.get("version").and_then(|v| v.as_i64());
                if version != Some(1) {
                    return Err(PipelineError::single(
                        ErrorCode::PersistedQueryNotSupported,
                        "persistedQuery.version must be 1",
                    ));
                }
                match p.get("sha256Hash").and_then(|h| h.as_str()) {
                    Some(hash) => Some(hash.to_owned()),
                    None => {
                        return Err(PipelineError::single(
                            ErrorCode::BadRequest,
                            "persistedQuery has no sha256Hash",
                        ));
                    }
                }
            }
        };
        let query = request.query.as_deref().filter(|q| !q.is_empty());
        match self {
            PersistedQueries::Off => match (hash, query) {
                (Some(_), None) => Err(PipelineError::single(
                    ErrorCode::PersistedQueryNotSupported,
                    "persisted queries are not enabled on this gateway",
                )),
                (_, query) => Ok(query.map(Into::into)),
            },
            PersistedQueries::Apq(store) => match (hash, query) {
                (None, query) => Ok(query.map(Into::into)),
                (Some(hash), None) => store
                    .get(&hash.to_ascii_lowercase())
                    .await
                    .map(Some)
                    .ok_or_else(|| {
                        PipelineError::single(
                            ErrorCode::PersistedQueryNotFound,
                            "PersistedQueryNotFound",
                        )
                    }),
                (Some(hash), Some(query)) => {
                    if sha256_hex(query) != hash.to_ascii_lowercase() {
                        return Err(PipelineError::single(
                            ErrorCode::PersistedQueryHashMismatch,
                            "provided sha256Hash does not match the query",
                        ));
                    }
                    let query: Arc<str> = query.into();
                    store.insert(hash.to_ascii_lowercase(), query.clone()).await;
                    Ok(Some(query))
                }
            },
            PersistedQueries::Safelist(list) => {
                let not_listed = || {
                    PipelineError::single(
                        ErrorCode::PersistedQueryNotInList,
                        "this operation is not in the gateway's list of persisted operations",
                    )
                };
                match (hash, query) {
                    (Some(hash), _) => list.get(&hash).cloned().map(Some).ok_or_else(not_listed),
                    (None, Some(query)) => list
                        .get(&sha256_hex(query))
                        .cloned()
                        .map(Some)
                        .ok_or_else(not_listed),
                    (None, None) => Ok(None),
                }
            }
        }
    }
}
