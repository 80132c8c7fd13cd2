//! One pagination convention for every list: pages from 1, at most 100 items a page.

use crate::error::{DomainError, DomainResult};

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u64 = 100;
/// Highest page number accepted (keeps offsets far inside SQL's BIGINT).
pub const MAX_PAGE: i64 = 10_000_000;
/// Page size when the client gives none.
pub const DEFAULT_PER_PAGE: u64 = 20;

/// Sort direction of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Orden {
    /// Ascending.
    Asc,
    /// Descending.
    #[default]
    Desc,
}

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    per_page: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Validates `page ≥ 1` and `1 ≤ perPage ≤ 100`.
    pub fn new(page: i64, per_page: i64) -> DomainResult<Self> {
        // Checked conversions: a negative number never wraps into a huge page.
        let page = u64::try_from(page)
            .ok()
            .filter(|p| (1..=MAX_PAGE.unsigned_abs()).contains(p))
            .ok_or_else(|| {
                DomainError::invalid(
                    "paginacion.page",
                    format!("La página debe estar entre 1 y {MAX_PAGE}"),
                )
            })?;
        let per_page = u64::try_from(per_page)
            .ok()
            .filter(|p| (1..=MAX_PER_PAGE).contains(p))
            .ok_or_else(|| {
                DomainError::invalid(
                    "paginacion.perPage",
                    format!("perPage debe estar entre 1 y {MAX_PER_PAGE}"),
                )
            })?;
        Ok(Self { page, per_page })
    }

    /// The page number, from 1.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// Items per page.
    pub fn per_page(&self) -> u64 {
        self.per_page
    }

    /// How many items come before this page.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// One page of a list, with the list's total.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The request that produced it.
    pub request: PageRequest,
    /// How many items the whole list has.
    pub total: u64,
}

impl<T> Page<T> {
    /// Number of pages (0 for an empty list).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.request.per_page)
    }

    /// Whether a page follows this one.
    pub fn has_next_page(&self) -> bool {
        self.request.page < self.pages()
    }

    /// Converts the items, keeping the page's shape.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            request: self.request,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_is_bounded() {
        assert!(PageRequest::new(1, 100).is_ok());
        let error = PageRequest::new(1, 1000).unwrap_err();
        assert_eq!(error.campo(), Some("paginacion.perPage"));
        assert!(PageRequest::new(1, 0).is_err());
        assert!(PageRequest::new(MAX_PAGE, 100).is_ok());
        assert!(PageRequest::new(i64::MAX, 100).is_err());
        assert_eq!(
            PageRequest::new(0, 10).unwrap_err().campo(),
            Some("paginacion.page")
        );
    }

    #[test]
    fn totals_and_next_page() {
        let request = PageRequest::new(2, 10).unwrap();
        assert_eq!(request.offset(), 10);
        let page = Page {
            items: vec![1, 2, 3],
            request,
            total: 25,
        };
        assert_eq!(page.pages(), 3);
        assert!(page.has_next_page());
        let last = Page {
            items: vec![()],
            request: PageRequest::new(3, 10).unwrap(),
            total: 25,
        };
        assert!(!last.has_next_page());
        let empty: Page<()> = Page {
            items: vec![],
            request: PageRequest::default(),
            total: 0,
        };
        assert_eq!(empty.pages(), 0);
        assert!(!empty.has_next_page());
    }
}
