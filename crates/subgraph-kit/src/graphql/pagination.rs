use async_graphql::{Enum, InputObject, SimpleObject};

use crate::{
    error::DomainResult,
    pagination::{DEFAULT_PER_PAGE, Orden, Page, PageRequest},
};

/// Which page of a list to return (`perPage` at most 100).
#[derive(InputObject, Clone, Copy, Debug)]
pub struct Paginacion {
    /// Page number, from 1.
    #[graphql(default = 1)]
    pub page: i64,
    /// Items per page, 1 to 100.
    #[graphql(default_with = "DEFAULT_PER_PAGE as i64")]
    pub per_page: i64,
}

impl Paginacion {
    /// Validates an optional pagination argument (absent means the first page of 20).
    pub fn to_domain(paginacion: Option<Paginacion>) -> DomainResult<PageRequest> {
        match paginacion {
            Some(p) => PageRequest::new(p.page, p.per_page),
            None => Ok(PageRequest::default()),
        }
    }
}

/// Where a page sits in its list.
#[derive(SimpleObject, Clone, Copy, Debug)]
#[graphql(shareable)]
pub struct InfoPaginacion {
    /// This page's number.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
    /// Items in the whole list.
    pub total: u64,
    /// Number of pages.
    pub pages: u64,
    /// Whether another page follows.
    pub has_next_page: bool,
}

impl<T> From<&Page<T>> for InfoPaginacion {
    fn from(page: &Page<T>) -> Self {
        Self {
            page: page.request.page(),
            per_page: page.request.per_page(),
            total: page.total,
            pages: page.pages(),
            has_next_page: page.has_next_page(),
        }
    }
}

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "Orden")]
pub enum OrdenGql {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl From<OrdenGql> for Orden {
    fn from(orden: OrdenGql) -> Self {
        match orden {
            OrdenGql::Asc => Orden::Asc,
            OrdenGql::Desc => Orden::Desc,
        }
    }
}
