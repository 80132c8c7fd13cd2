use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainError, DomainResult, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use super::{FlujoDeEventos, event_stream};
use crate::domain::{
    Campania, CampaniaRepository, ComandoCampania, CrearCampania, EventoRegistrado, FiltroCampanias,
};

/// The application service of the `campanias` context.
#[derive(Clone)]
pub struct CampaniaService {
    repo: Arc<dyn CampaniaRepository>,
    flujo: Arc<dyn FlujoDeEventos>,
}

impl CampaniaService {
    /// A service over a repository that also loads and appends event streams.
    pub fn new<R: CampaniaRepository + FlujoDeEventos>(repo: Arc<R>) -> Self {
        Self {
            flujo: repo.clone(),
            repo,
        }
    }

    /// Creates a campaign (CREADA); nothing is written when a rule fails.
    pub async fn crear(&self, c: CrearCampania, ahora: DateTime<Utc>) -> DomainResult<Campania> {
        let (id, evento) = Campania::crear(c)?;
        event_stream::crear(&*self.flujo, id, evento, ahora, self.flujo.snapshot_cada()).await
    }

    /// Runs a command on a campaign under optimistic concurrency.
    pub async fn ejecutar(
        &self,
        id: Uuid,
        comando: ComandoCampania,
        version_esperada: Option<i64>,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Campania> {
        if let Some(version) = version_esperada
            && version < 1
        {
            return Err(DomainError::invalid(
                "versionEsperada",
                "La versión esperada empieza en 1",
            ));
        }
        event_stream::ejecutar(
            &*self.flujo,
            id,
            &comando,
            version_esperada,
            ahora,
            self.flujo.snapshot_cada(),
        )
        .await
    }

    /// The campaign with this id from the projection, or `NOT_FOUND`.
    pub async fn obtener(&self, id: Uuid) -> DomainResult<Campania> {
        self.repo
            .por_ids(&[id])
            .await?
            .remove(&id)
            .ok_or_else(|| DomainError::not_found("Campania", id))
    }

    /// The campaign rebuilt from its events.
    pub async fn reproducir(&self, id: Uuid) -> DomainResult<Campania> {
        self.flujo
            .cargar(id)
            .await?
            .ok_or_else(|| DomainError::not_found("Campania", id))
    }

    /// Many campaigns by id, in one load.
    pub async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Campania>> {
        self.repo.por_ids(ids).await
    }

    /// Campaigns of many advertisers, in one load.
    pub async fn por_clientes(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Campania>>> {
        self.repo.por_clientes(ids).await
    }

    /// Event streams of many campaigns, in one load.
    pub async fn historiales(
        &self,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EventoRegistrado>>> {
        self.repo.historiales(ids).await
    }

    /// One page of the list.
    pub async fn listar(
        &self,
        filtro: &FiltroCampanias,
        pagina: PageRequest,
    ) -> DomainResult<Page<Campania>> {
        self.repo.listar(filtro, pagina).await
    }

    /// Search by name or description, best match first.
    pub async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Campania, f64)>> {
        self.repo.buscar(busqueda).await
    }

    /// How many campaigns exist.
    pub async fn contar(&self) -> DomainResult<u64> {
        self.repo.contar().await
    }
}
