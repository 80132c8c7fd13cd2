//! The bodies every context's query root repeats: entity by key, item by id under the
//! caller's scope, one page of a list, a ranked search. Resolvers stay concrete (async-graphql
//! needs one `#[Object]` per type); what they do is written here once.

use std::future::Future;

use async_graphql::{
    Context, Result,
    dataloader::{DataLoader, HashMapCache},
};
use uuid::Uuid;

use super::{
    BatchById, ByIdLoader, GraphqlResultExt, InfoPaginacion, Paginacion, load_one, to_graphql_error,
};
use crate::{
    error::{DomainError, DomainResult},
    pagination::{Page, PageRequest},
    search::Busqueda,
};

/// The key of an entity representation, or `None` with the error added to the response:
/// one unparsable key resolves to null instead of failing the whole `_entities` batch.
pub fn entity_key(ctx: &Context<'_>, parsed: DomainResult<Uuid>) -> Option<Uuid> {
    match parsed {
        Ok(uuid) => Some(uuid),
        Err(error) => {
            ctx.add_error(to_graphql_error(error).into_server_error(ctx.item.pos));
            None
        }
    }
}

/// Federation entity resolver body: the entity with this key from the request's batch
/// loader, null when the key does not parse, nothing has it or the caller may not see it.
pub async fn load_entity<B, G>(
    ctx: &Context<'_>,
    parsed: DomainResult<Uuid>,
    loader: &DataLoader<ByIdLoader<B>, HashMapCache>,
    visible: impl FnOnce(&B::Value) -> bool,
) -> Result<Option<G>>
where
    B: BatchById,
    G: From<B::Value>,
{
    let Some(uuid) = entity_key(ctx, parsed) else {
        return Ok(None);
    };
    Ok(load_one(loader, uuid)
        .await
        .gql()?
        .filter(visible)
        .map(G::from))
}

/// The item a by-id query found, or `NOT_FOUND` when the caller's scope does not cover it:
/// another partner's item answers as if it did not exist.
pub fn visible_or_not_found<T>(
    item: T,
    visible: bool,
    entidad: &'static str,
    id: Uuid,
) -> Result<T> {
    if visible {
        Ok(item)
    } else {
        Err(DomainError::not_found(entidad, id)).gql()
    }
}

/// One page of a listing for GraphQL: `paginacion` checked, the page loaded by `listar`,
/// its items converted, with the page info.
pub async fn list_page<T, G, Fut>(
    paginacion: Option<Paginacion>,
    listar: impl FnOnce(PageRequest) -> Fut,
    convert: impl FnMut(T) -> G,
) -> Result<(Vec<G>, InfoPaginacion)>
where
    Fut: Future<Output = DomainResult<Page<T>>>,
{
    let pagina = Paginacion::to_domain(paginacion).gql()?;
    let page = listar(pagina).await.gql()?;
    Ok(page_items(page, convert))
}

/// A loaded page's items converted for GraphQL, with its page info.
pub fn page_items<T, G>(page: Page<T>, convert: impl FnMut(T) -> G) -> (Vec<G>, InfoPaginacion) {
    let paginacion = (&page).into();
    (page.items.into_iter().map(convert).collect(), paginacion)
}

/// A ranked search for GraphQL: `q` and `limite` checked (`prepare` may narrow the search
/// to what the caller may read), best match first, results the caller may not see dropped.
pub async fn ranked_search<T, S, R, Fut>(
    q: &str,
    limite: i64,
    prepare: impl FnOnce(Busqueda) -> Busqueda,
    buscar: impl FnOnce(Busqueda) -> Fut,
    visible: impl Fn(&T) -> bool,
    convert: impl FnMut((T, S)) -> R,
) -> Result<Vec<R>>
where
    Fut: Future<Output = DomainResult<Vec<(T, S)>>>,
{
    let busqueda = prepare(Busqueda::new(q, limite).gql()?);
    Ok(buscar(busqueda)
        .await
        .gql()?
        .into_iter()
        .filter(|(item, _)| visible(item))
        .map(convert)
        .collect())
}
