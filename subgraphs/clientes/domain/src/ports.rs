use std::collections::HashMap;

use async_trait::async_trait;
use kernel::{DomainResult, Orden, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use super::Cliente;

/// Sort key of the client list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OrdenarClientesPor {
    /// By name.
    Nombre,
    /// By registration date.
    #[default]
    FechaRegistro,
}

/// Filter and order of the client list.
#[derive(Clone, Debug, Default)]
pub struct FiltroClientes {
    /// Text the name or e-mail must contain.
    pub busqueda: Option<Busqueda>,
    /// Sort key.
    pub ordenar_por: OrdenarClientesPor,
    /// Sort direction.
    pub orden: Orden,
}

/// Where clients are kept.
#[async_trait]
pub trait ClienteRepository: Send + Sync + 'static {
    /// Stores a new client; a taken e-mail or id is a `CONFLICT`.
    async fn insertar(&self, cliente: &Cliente) -> DomainResult<()>;

    /// Loads clients by id in one statement; unknown ids are left out.
    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Cliente>>;

    /// One page of the filtered, ordered list.
    async fn listar(
        &self,
        filtro: &FiltroClientes,
        pagina: PageRequest,
    ) -> DomainResult<Page<Cliente>>;

    /// Clients matching a search, best first, with their relevance (0–1).
    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Cliente, f64)>>;

    /// How many clients exist.
    async fn contar(&self) -> DomainResult<u64>;
}
