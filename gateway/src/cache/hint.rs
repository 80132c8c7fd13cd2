//! What a subgraph says about caching its answer (`Cache-Control`, as Apollo Server's
//! `@cacheControl` and async-graphql's `cache_control` emit it), merged over every fetch
//! of a request: the strictest hint wins.

use std::time::Duration;

use headers::{CacheControl, HeaderMapExt};

/// The caching constraints of one or more subgraph answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheHint {
    /// The shortest `max-age`/`s-maxage` (none: no limit from the subgraphs).
    pub max_age: Option<Duration>,
    /// Some answer belongs to one caller (`private`).
    pub private: bool,
    /// Some answer must not be kept (`no-store`/`no-cache`).
    pub no_store: bool,
}

impl CacheHint {
    /// The hint of an HTTP answer's headers (none: no constraint).
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let Some(control) = headers.typed_get::<CacheControl>() else {
            return Self::default();
        };
        Self {
            // A shared cache obeys `s-maxage` before `max-age`.
            max_age: control.s_max_age().or_else(|| control.max_age()),
            private: control.private(),
            no_store: control.no_store() || control.no_cache(),
        }
    }

    /// A hint that only limits freshness.
    pub fn max_age(max_age: Duration) -> Self {
        Self {
            max_age: Some(max_age),
            ..Self::default()
        }
    }

    /// The strictest of both.
    pub fn merge(&mut self, other: CacheHint) {
        self.max_age = match (self.max_age, other.max_age) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.private |= other.private;
        self.no_store |= other.no_store;
    }

    /// How long an answer may be kept when the configuration allows `configured`.
    pub fn ttl(&self, configured: Duration) -> Duration {
        if self.no_store {
            return Duration::ZERO;
        }
        self.max_age.map_or(configured, |age| age.min(configured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(value: &str) -> CacheHint {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::CACHE_CONTROL,
            reqwest::header::HeaderValue::from_str(value).expect("header"),
        );
        CacheHint::from_headers(&headers)
    }

    #[test]
    fn reads_the_directives_that_matter() {
        assert_eq!(hint("max-age=30").max_age, Some(Duration::from_secs(30)));
        assert_eq!(
            hint("public, max-age=30, s-maxage=5").max_age,
            Some(Duration::from_secs(5))
        );
        assert!(hint("private, max-age=10").private);
        assert!(hint("no-store").no_store);
        assert!(hint("no-cache").no_store);
        assert_eq!(
            CacheHint::from_headers(&reqwest::header::HeaderMap::new()),
            CacheHint::default()
        );
    }

    #[test]
    fn the_strictest_hint_wins() {
        let mut merged = CacheHint::default();
        merged.merge(hint("max-age=60"));
        merged.merge(hint("private, max-age=20"));
        merged.merge(CacheHint::default());
        assert_eq!(merged.max_age, Some(Duration::from_secs(20)));
        assert!(merged.private && !merged.no_store);
        assert_eq!(merged.ttl(Duration::from_secs(30)), Duration::from_secs(20));
        assert_eq!(merged.ttl(Duration::from_secs(5)), Duration::from_secs(5));
        merged.merge(hint("no-store"));
        assert_eq!(merged.ttl(Duration::from_secs(30)), Duration::ZERO);
    }
}
