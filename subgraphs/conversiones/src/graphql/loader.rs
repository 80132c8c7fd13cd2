use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context, Request,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use subgraph_kit::{
    DomainError,
    graphql::{BatchById, ByIdLoader, MAX_BATCH, prefetch, request_loader},
    server::PrepareRequest,
};
use uuid::Uuid;

use crate::application::ConversionService;
use crate::domain::{Conversion, Dimension, FiltroPorEntidad, Metricas, Ventana};

/// Loads conversions by id in batches.
pub struct ConversionBatch(pub Arc<ConversionService>);

#[async_trait]
impl BatchById for ConversionBatch {
    type Value = Conversion;

    async fn load_batch(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Conversion>, DomainError> {
        self.0.por_ids(ids).await
    }
}

/// The request-scoped conversion loader.
pub(crate) type ConversionLoader = DataLoader<ByIdLoader<ConversionBatch>, HashMapCache>;

/// One entity's latest conversions under one filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClavePorEntidad {
    pub id: Uuid,
    pub filtro: FiltroPorEntidad,
}

/// Per-entity conversion lists: one statement per distinct filter in a batch.
pub(crate) struct PorEntidad(Arc<ConversionService>);

impl Loader<ClavePorEntidad> for PorEntidad {
    type Value = Vec<Conversion>;
    type Error = DomainError;

    async fn load(
        &self,
        keys: &[ClavePorEntidad],
    ) -> Result<HashMap<ClavePorEntidad, Vec<Conversion>>, DomainError> {
        let mut grupos: HashMap<&FiltroPorEntidad, Vec<Uuid>> = HashMap::new();
        for key in keys {
            grupos.entry(&key.filtro).or_default().push(key.id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (filtro, ids) in grupos {
            let mut found = self.0.por_entidad(filtro, &ids).await?;
            for id in ids {
                let lista = found.remove(&id).unwrap_or_default();
                out.insert(
                    ClavePorEntidad {
                        id,
                        filtro: filtro.clone(),
                    },
                    lista,
                );
            }
        }
        Ok(out)
    }
}

/// The request-scoped per-entity conversions loader.
pub(crate) type PorEntidadLoader = DataLoader<PorEntidad, HashMapCache>;

/// One entity's metrics over one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClaveMetricas {
    pub dimension: Dimension,
    pub id: Uuid,
    pub ventana: Ventana,
}

/// Per-entity metrics: one statement per distinct (dimension, window) in a batch.
pub(crate) struct MetricasPorEntidad(Arc<ConversionService>);

impl Loader<ClaveMetricas> for MetricasPorEntidad {
    type Value = Metricas;
    type Error = DomainError;

    async fn load(
        &self,
        keys: &[ClaveMetricas],
    ) -> Result<HashMap<ClaveMetricas, Metricas>, DomainError> {
        let mut grupos: HashMap<(Dimension, Ventana), Vec<Uuid>> = HashMap::new();
        for key in keys {
            grupos
                .entry((key.dimension, key.ventana))
                .or_default()
                .push(key.id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((dimension, ventana), ids) in grupos {
            let metricas = self
                .0
                .metricas_por_entidad(dimension, &ids, ventana)
                .await?;
            for (id, m) in metricas {
                out.insert(
                    ClaveMetricas {
                        dimension,
                        id,
                        ventana,
                    },
                    m,
                );
            }
        }
        Ok(out)
    }
}

/// The request-scoped per-entity metrics loader.
pub(crate) type MetricasLoader = DataLoader<MetricasPorEntidad, HashMapCache>;

/// The request's "now": every relative period of one request ends at the same instant,
/// so a batch's metrics share one window (and one statement).
#[derive(Clone, Copy)]
pub(crate) struct Ahora(pub DateTime<Utc>);

/// The request's "now".
pub(crate) fn ahora(ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
    Ok(ctx.data::<Ahora>()?.0)
}

/// Per-request set-up: fresh loaders, the `_entities` batch of conversions prefetched.
pub struct PrepararSolicitud {
    service: Arc<ConversionService>,
    batch: Arc<ConversionBatch>,
}

impl PrepararSolicitud {
    /// Set-up over a service.
    pub fn new(service: Arc<ConversionService>) -> Self {
        Self {
            batch: Arc::new(ConversionBatch(service.clone())),
            service,
        }
    }
}

#[async_trait]
impl PrepareRequest for PrepararSolicitud {
    async fn prepare(&self, request: Request) -> Request {
        let loader: ConversionLoader = request_loader(self.batch.clone());
        prefetch(&loader, &request, "Conversion").await;
        let por_entidad: PorEntidadLoader = DataLoader::with_cache(
            PorEntidad(self.service.clone()),
            tokio::spawn,
            HashMapCache::default(),
        )
        .max_batch_size(MAX_BATCH);
        let metricas: MetricasLoader = DataLoader::with_cache(
            MetricasPorEntidad(self.service.clone()),
            tokio::spawn,
            HashMapCache::default(),
        )
        .max_batch_size(MAX_BATCH);
        let lote = LoteEntidades::new(&request);
        request
            .data(lote)
            .data(loader)
            .data(por_entidad)
            .data(metricas)
            .data(Ahora(Utc::now()))
    }
}

type Celda<T> = Arc<tokio::sync::OnceCell<HashMap<Uuid, T>>>;

/// The `_entities` batch of partners and campaigns of a request (ids from its
/// representation variables). The first resolver of a field loads the field for the whole
/// batch in one statement; the others wait for it and read their entry. Entities reached
/// another way (a conversion's `afiliado`) go through the DataLoaders.
pub(crate) struct LoteEntidades {
    afiliados: Vec<Uuid>,
    campanias: Vec<Uuid>,
    conversiones: std::sync::Mutex<HashMap<FiltroPorEntidad, Celda<Vec<Conversion>>>>,
    metricas: std::sync::Mutex<HashMap<(Dimension, Ventana), Celda<Metricas>>>,
}

fn celda<K: std::hash::Hash + Eq, T>(
    mapa: &std::sync::Mutex<HashMap<K, Celda<T>>>,
    clave: K,
) -> Celda<T> {
    let mut mapa = mapa.lock().unwrap_or_else(|e| e.into_inner());
    mapa.entry(clave).or_default().clone()
}

impl LoteEntidades {
    fn new(request: &Request) -> Self {
        Self {
            afiliados: subgraph_kit::graphql::represented_ids(request, "Afiliado"),
            campanias: subgraph_kit::graphql::represented_ids(request, "Campania"),
            conversiones: Default::default(),
            metricas: Default::default(),
        }
    }

    fn ids(&self, dimension: Dimension, id: Uuid) -> Option<&[Uuid]> {
        let ids = match dimension {
            Dimension::Afiliado => &self.afiliados,
            Dimension::Campania => &self.campanias,
        };
        ids.binary_search(&id).is_ok().then_some(ids.as_slice())
    }

    /// The latest conversions of `id`, loaded for its whole batch (`None`: not in it).
    pub(crate) async fn conversiones(
        &self,
        service: &ConversionService,
        filtro: &FiltroPorEntidad,
        id: Uuid,
    ) -> Option<Result<Vec<Conversion>, DomainError>> {
        let ids = self.ids(filtro.dimension, id)?;
        let celda = celda(&self.conversiones, filtro.clone());
        Some(
            celda
                .get_or_try_init(|| service.por_entidad(filtro, ids))
                .await
                .map(|mapa| mapa.get(&id).cloned().unwrap_or_default()),
        )
    }

    /// The metrics of `id`, loaded for its whole batch (`None`: not in it).
    pub(crate) async fn metricas(
        &self,
        service: &ConversionService,
        dimension: Dimension,
        ventana: Ventana,
        id: Uuid,
    ) -> Option<Result<Option<Metricas>, DomainError>> {
        let ids = self.ids(dimension, id)?;
        let celda = celda(&self.metricas, (dimension, ventana));
        Some(
            celda
                .get_or_try_init(|| service.metricas_por_entidad(dimension, ids, ventana))
                .await
                .map(|mapa| mapa.get(&id).cloned()),
        )
    }
}
