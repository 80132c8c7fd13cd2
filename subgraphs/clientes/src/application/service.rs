use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainError, DomainResult, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use crate::domain::{Cliente, ClienteRepository, FiltroClientes, RegistrarCliente};

/// The application service of the `clientes` context.
#[derive(Clone)]
pub struct ClienteService {
    repo: Arc<dyn ClienteRepository>,
}

impl ClienteService {
    /// A service over a repository.
    pub fn new(repo: Arc<dyn ClienteRepository>) -> Self {
        Self { repo }
    }

    /// Registers a client at time `ahora`; nothing is written when a rule fails.
    pub async fn registrar(
        &self,
        comando: RegistrarCliente,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Cliente> {
        let cliente = Cliente::registrar(comando, ahora)?;
        self.repo.insertar(&cliente).await?;
        Ok(cliente)
    }

    /// The client with this id, or `NOT_FOUND`.
    pub async fn obtener(&self, id: Uuid) -> DomainResult<Cliente> {
        self.repo
            .por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Cliente", id))
    }

    /// Many clients by id, in one load.
    pub async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Cliente>> {
        self.repo.por_ids(ids).await
    }

    /// One page of the list.
    pub async fn listar(
        &self,
        filtro: &FiltroClientes,
        pagina: PageRequest,
    ) -> DomainResult<Page<Cliente>> {
        self.repo.listar(filtro, pagina).await
    }

    /// Search by name or e-mail, best match first.
    pub async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Cliente, f64)>> {
        self.repo.buscar(busqueda).await
    }

    /// How many clients exist.
    pub async fn contar(&self) -> DomainResult<u64> {
        self.repo.contar().await
    }
}
