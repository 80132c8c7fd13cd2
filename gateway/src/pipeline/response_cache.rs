//! The response cache around execution: a query's whole answer looked up before planning
//! and stored after a complete answer (a partial one, with a subgraph down, must not
//! outlive the outage).

use std::collections::HashSet;

use bytes::Bytes;

use crate::cache::{Audience, CacheHint, CacheStatus, Prepared, Query, ResponseCache};
use crate::pipeline::{
    admit::{Admitted, key_name},
    plan::sorted_labels,
};

/// A cacheable query's place in the response cache, for storing its answer.
pub struct Slot<'a> {
    cache: &'a ResponseCache,
    entry: Prepared,
}

/// The cached answer of an admitted query (`Ok`), or where to store the answer once made
/// (`Err(None)` when it is not to be cached).
pub async fn lookup<'a>(
    cache: &'a ResponseCache,
    admitted: &Admitted,
    operation_name: Option<&str>,
    labels: &HashSet<String>,
    audience: &Audience,
) -> Result<(Bytes, CacheStatus), Option<Slot<'a>>> {
    let Admitted {
        document,
        prepared,
        variables,
        ..
    } = admitted;
    let types = crate::cache::selected_types(&prepared.document, &prepared.operation);
    let labels = sorted_labels(labels);
    let query = Query {
        normalised: &document.normalised,
        operation_name: key_name(&document.document, operation_name),
        variables,
        labels: &labels,
        types: &types,
    };
    let Some(entry) = cache.prepare(&query, audience).await else {
        return Err(None);
    };
    match cache.get(&entry).await {
        Some(found) => Ok(found),
        None => Err(Some(Slot { cache, entry })),
    }
}

impl Slot<'_> {
    /// Stores a complete answer; its freshness, if kept.
    pub async fn store(self, body: &Bytes, hint: CacheHint) -> Option<CacheStatus> {
        self.cache.put(&self.entry, body, hint).await
    }
}
