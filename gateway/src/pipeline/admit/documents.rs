//! The document cache: validated documents by their exact text, with the normalised form
//! that keys the plan cache, and use counts for re-warming after a reload.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use apollo_compiler::{ExecutableDocument, Schema, validation::Valid};

use crate::pipeline::{PipelineError, memory, parse_and_validate};
use crate::telemetry::Metrics;

pub use crate::config::DEFAULT_DOCUMENT_CACHE_BYTES;

/// Documents whose use is counted, at most.
const USAGE_ENTRIES: usize = 1024;

/// A validated document, cached by its exact text, with its normalised form.
pub struct CachedDocument {
    /// The validated document.
    pub document: Arc<Valid<ExecutableDocument>>,
    /// The document printed without whitespace or comments: the plan cache's key, so
    /// documents that differ only in layout share a plan.
    pub normalised: Arc<str>,
    /// Requests that used it (which plans to re-warm after a reload).
    uses: AtomicU64,
}

/// Weighs a document by its estimated memory.
#[derive(Clone, Copy, Debug, Default)]
struct ByBytes;

impl quick_cache::Weighter<String, Arc<CachedDocument>> for ByBytes {
    fn weight(&self, query: &String, document: &Arc<CachedDocument>) -> u64 {
        // The AST takes roughly ten times its source text; plus the normalised copy.
        memory::resident(query.len() as u64 * 10 + document.normalised.len() as u64)
    }
}

/// Validated documents by text, bounded by bytes.
pub struct Documents {
    cache: quick_cache::sync::Cache<String, Arc<CachedDocument>, ByBytes>,
    /// Documents with their use counts, for re-warming.
    usage: Mutex<Vec<(String, Arc<CachedDocument>)>>,
}

impl Documents {
    /// An empty cache of at most `bytes`.
    pub fn new(bytes: u64) -> Self {
        Self {
            cache: quick_cache::sync::Cache::with_weighter(
                memory::ESTIMATED_ENTRIES,
                bytes,
                ByBytes,
            ),
            usage: Mutex::new(Vec::new()),
        }
    }

    /// The cached document for this text, counted as a use.
    pub fn cached(&self, query: &str, metrics: &Metrics) -> Option<Arc<CachedDocument>> {
        let cached = self.cache.get(query)?;
        cached.uses.fetch_add(1, Ordering::Relaxed);
        metrics.cache("document", true);
        Some(cached)
    }

    /// The validated document for a query text, from the cache or parsed and validated now.
    pub fn get(
        &self,
        schema: &Valid<Schema>,
        query: &str,
        max_tokens: Option<usize>,
        metrics: &Metrics,
    ) -> Result<Arc<CachedDocument>, PipelineError> {
        if let Some(cached) = self.cached(query, metrics) {
            return Ok(cached);
        }
        metrics.cache("document", false);
        let document = parse_and_validate(schema, query, max_tokens)?;
        let normalised = normalise(&document);
        let cached = Arc::new(CachedDocument {
            document: Arc::new(document),
            normalised,
            uses: AtomicU64::new(1),
        });
        self.cache.insert(query.to_owned(), cached.clone());
        if let Ok(mut usage) = self.usage.lock()
            && usage.len() < USAGE_ENTRIES
        {
            usage.push((query.to_owned(), cached.clone()));
        }
        Ok(cached)
    }

    /// The `n` most used documents first (for warming a new engine's caches).
    pub fn top(&self, n: usize) -> Vec<String> {
        let usage = match self.usage.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut seen: Vec<(u64, &String)> = usage
            .iter()
            .map(|(query, doc)| (doc.uses.load(Ordering::Relaxed), query))
            .collect();
        seen.sort_by_key(|(uses, _)| std::cmp::Reverse(*uses));
        seen.into_iter().take(n).map(|(_, q)| q.clone()).collect()
    }

    /// Estimated memory of the cached documents, in bytes.
    pub fn bytes(&self) -> u64 {
        self.cache.weight()
    }
}

/// A document printed without whitespace or comments. The name of a document's only
/// operation is left out: it changes nothing planned (each subgraph request is named when
/// sent), so the same operation under any name shares one plan and one cached answer.
pub fn normalise(document: &ExecutableDocument) -> Arc<str> {
    let operations = &document.operations;
    if operations.anonymous.is_some() || operations.named.len() != 1 {
        return document.serialize().no_indent().to_string().into();
    }
    let mut anonymous = document.clone();
    if let Some((_, mut operation)) = anonymous.operations.named.pop() {
        operation.make_mut().name = None;
        anonymous.operations.anonymous = Some(operation);
    }
    anonymous.serialize().no_indent().to_string().into()
}

/// The operation name a cache key needs: only where the document has several operations.
pub fn key_name<'a>(
    document: &ExecutableDocument,
    operation_name: Option<&'a str>,
) -> Option<&'a str> {
    let operations = &document.operations;
    let several = usize::from(operations.anonymous.is_some()) + operations.named.len() > 1;
    operation_name.filter(|_| several)
}
