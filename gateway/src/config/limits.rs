//! `[limits]`: what one request may ask for and take, and the memory of the caches.

use serde::{Deserialize, Serialize};

use super::{ConfigError, validate::positive};

/// Default memory for cached plans (least recently used out first when full).
pub const DEFAULT_PLAN_CACHE_BYTES: u64 = 64 << 20;

/// Default memory for cached validated documents.
pub const DEFAULT_DOCUMENT_CACHE_BYTES: u64 = 32 << 20;

/// Default time budget of one request, in milliseconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 60_000;

/// Default most tokens per document.
pub const DEFAULT_MAX_TOKENS: usize = 20_000;

/// Default most fields of an operation with its fragments expanded: well below the
/// planner's own bound (50,000 field positions), far above any real screen's query.
pub const DEFAULT_MAX_FIELDS: u64 = 20_000;

/// Default longest request URI: below the 64 KiB at which the HTTP parser itself refuses
/// a request line (with a bare 414), so that longer URIs get a GraphQL error instead.
pub const DEFAULT_MAX_URI_BYTES: usize = 32 << 10;

/// Limits applied to every request.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Memory for cached query plans, in MiB (least recently used out first).
    pub plan_cache_mb: u64,
    /// Memory for cached validated documents, in MiB.
    pub document_cache_mb: u64,
    /// Longest time a whole request may take, in milliseconds: parsing, validation,
    /// limits, planning, subgraph requests and shaping the response all count, and past it
    /// the request ends with `REQUEST_TIMEOUT` (HTTP 504).
    pub request_timeout_ms: u64,
    /// Longest request URI, in bytes (414 `URI_TOO_LONG` over it).
    pub max_uri_bytes: usize,
    /// After a shutdown signal, how long requests in flight may still take, in
    /// milliseconds; then the gateway stops anyway.
    pub shutdown_grace_ms: u64,
    /// Most tokens in a document (0: no limit).
    pub max_tokens: usize,
    /// Deepest field nesting (0: no limit).
    pub max_depth: usize,
    /// Most aliases in an operation (0: no limit).
    pub max_aliases: usize,
    /// Most root fields in an operation (0: no limit).
    pub max_root_fields: usize,
    /// Most fields in an operation with every fragment spread expanded (0: no limit).
    pub max_fields: u64,
    /// Highest static cost estimate (0: no limit).
    pub max_cost: u64,
    /// List size assumed where no slicing argument or `@listSize` says.
    pub default_list_size: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 << 20,
            plan_cache_mb: DEFAULT_PLAN_CACHE_BYTES >> 20,
            document_cache_mb: DEFAULT_DOCUMENT_CACHE_BYTES >> 20,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            max_uri_bytes: DEFAULT_MAX_URI_BYTES,
            shutdown_grace_ms: 10_000,
            max_tokens: DEFAULT_MAX_TOKENS,
            max_depth: 32,
            max_aliases: 100,
            max_root_fields: 50,
            max_fields: DEFAULT_MAX_FIELDS,
            max_cost: 0,
            default_list_size: 10,
        }
    }
}

impl LimitsConfig {
    /// The token limit (0 turns it off).
    pub fn tokens(&self) -> Option<usize> {
        (self.max_tokens > 0).then_some(self.max_tokens)
    }

    /// Checks what types alone cannot.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        positive("limits.request_timeout_ms", self.request_timeout_ms)?;
        positive("limits.max_body_bytes", self.max_body_bytes as u64)?;
        positive("limits.max_uri_bytes", self.max_uri_bytes as u64)?;
        positive("limits.plan_cache_mb", self.plan_cache_mb)?;
        positive("limits.document_cache_mb", self.document_cache_mb)
    }
}
