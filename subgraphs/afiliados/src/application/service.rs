use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainError, DomainResult, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use crate::domain::{
    ActualizarAfiliado, Afiliado, AfiliadoRepository, FiltroAfiliados, RegistrarAfiliado,
};

/// The application service of the `afiliados` context.
#[derive(Clone)]
pub struct AfiliadoService {
    repo: Arc<dyn AfiliadoRepository>,
}

impl AfiliadoService {
    /// A service over a repository.
    pub fn new(repo: Arc<dyn AfiliadoRepository>) -> Self {
        Self { repo }
    }

    /// Registers a partner; nothing is written when a rule fails.
    pub async fn registrar(
        &self,
        c: RegistrarAfiliado,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Afiliado> {
        let afiliado = Afiliado::registrar(c, ahora)?;
        self.repo.insertar(&afiliado).await?;
        Ok(afiliado)
    }

    /// The partner with this id, or `NOT_FOUND`.
    pub async fn obtener(&self, id: Uuid) -> DomainResult<Afiliado> {
        self.repo
            .por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Afiliado", id))
    }

    /// Loads, changes and saves a partner under optimistic concurrency.
    async fn cambiar(
        &self,
        id: Uuid,
        cambio: impl FnOnce(&mut Afiliado) -> DomainResult<()>,
    ) -> DomainResult<Afiliado> {
        let mut afiliado = self.obtener(id).await?;
        let version = afiliado.version;
        cambio(&mut afiliado)?;
        self.repo.guardar(&afiliado, version).await?;
        Ok(afiliado)
    }

    /// Applies changes to a partner.
    pub async fn actualizar(
        &self,
        id: Uuid,
        c: ActualizarAfiliado,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Afiliado> {
        self.cambiar(id, |a| a.actualizar(c, ahora)).await
    }

    /// Suspends a partner.
    pub async fn suspender(&self, id: Uuid, ahora: DateTime<Utc>) -> DomainResult<Afiliado> {
        self.cambiar(id, |a| a.suspender(ahora)).await
    }

    /// Reactivates a suspended partner.
    pub async fn reactivar(&self, id: Uuid, ahora: DateTime<Utc>) -> DomainResult<Afiliado> {
        self.cambiar(id, |a| a.reactivar(ahora)).await
    }

    /// Soft-deletes a partner.
    pub async fn eliminar(&self, id: Uuid, ahora: DateTime<Utc>) -> DomainResult<Afiliado> {
        self.cambiar(id, |a| a.eliminar(ahora)).await
    }

    /// Many partners by id, in one load.
    pub async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Afiliado>> {
        self.repo.por_ids(ids).await
    }

    /// One page of the list.
    pub async fn listar(
        &self,
        filtro: &FiltroAfiliados,
        pagina: PageRequest,
    ) -> DomainResult<Page<Afiliado>> {
        self.repo.listar(filtro, pagina).await
    }

    /// Search by name or e-mail, best match first.
    pub async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Afiliado, f64)>> {
        self.repo.buscar(busqueda).await
    }

    /// How many partners exist.
    pub async fn contar(&self) -> DomainResult<u64> {
        self.repo.contar().await
    }
}
