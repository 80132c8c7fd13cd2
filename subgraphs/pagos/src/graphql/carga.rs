//! Batched loading of per-entity fields: one SQL statement per field for a whole
//! `_entities` batch, and DataLoader batching for entities reached any other way.
//!
//! A [`Campo`] says how to load one field for many ids. For a parent that came in the
//! request's representations, [`cargar`] loads the field once for every represented id
//! of its type (the first resolver loads, the others wait and read); otherwise the
//! request's DataLoader of that field batches whatever ids the execution reaches.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    hash::Hash,
    marker::PhantomData,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Context, Request,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use async_trait::async_trait;
use subgraph_kit::{
    DomainError, DomainResult,
    graphql::{GraphqlResultExt, MAX_BATCH, represented_ids},
    server::PrepareRequest,
};
use uuid::Uuid;

use crate::application::PagosService;

/// One field of an entity, loadable for many ids at once.
#[async_trait]
pub(crate) trait Campo: Send + Sync + 'static {
    /// The field's arguments.
    type Params: Clone + Eq + Hash + Send + Sync + 'static;
    /// Its value for one id.
    type Value: Clone + Send + Sync + 'static;

    /// Loads the field for `ids` (ids without a value are left out).
    async fn cargar(
        service: &PagosService,
        params: &Self::Params,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Self::Value>>;
}

/// DataLoader adapter of a [`Campo`]: keys are `(params, id)`, one load per distinct params.
pub(crate) struct PorId<F: Campo> {
    service: Arc<PagosService>,
    campo: PhantomData<fn() -> F>,
}

impl<F: Campo> Loader<(F::Params, Uuid)> for PorId<F> {
    type Value = F::Value;
    type Error = DomainError;

    async fn load(
        &self,
        keys: &[(F::Params, Uuid)],
    ) -> Result<HashMap<(F::Params, Uuid), F::Value>, DomainError> {
        let mut grupos: HashMap<&F::Params, Vec<Uuid>> = HashMap::new();
        for (params, id) in keys {
            grupos.entry(params).or_default().push(*id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (params, ids) in grupos {
            for (id, value) in F::cargar(&self.service, params, &ids).await? {
                out.insert((params.clone(), id), value);
            }
        }
        Ok(out)
    }
}

type Compartido = Arc<dyn Any + Send + Sync>;
/// A field's values for the whole representation batch, loaded once.
type Celda<F> = tokio::sync::OnceCell<HashMap<Uuid, <F as Campo>::Value>>;
/// A field's cells, one per distinct params.
type Celdas<F> = Mutex<HashMap<<F as Campo>::Params, Arc<Celda<F>>>>;

/// The request's loading state: represented ids per type, one cell per (field, params)
/// for the representation batch, and the request's DataLoaders (made on first use).
pub(crate) struct Lote {
    service: Arc<PagosService>,
    representados: HashMap<&'static str, Vec<Uuid>>,
    celdas: Mutex<HashMap<TypeId, Compartido>>,
    loaders: Mutex<HashMap<TypeId, Compartido>>,
}

/// Entity types whose representations batch their fields.
const TIPOS: [&str; 6] = [
    "Afiliado",
    "Campania",
    "Cliente",
    "Comision",
    "Conversion",
    "Pago",
];

impl Lote {
    fn new(service: Arc<PagosService>, request: &Request) -> Self {
        Self {
            representados: TIPOS
                .iter()
                .map(|t| (*t, represented_ids(request, t)))
                .collect(),
            service,
            celdas: Mutex::default(),
            loaders: Mutex::default(),
        }
    }

    fn celda<F: Campo>(&self, params: &F::Params) -> Arc<Celda<F>> {
        let por_campo = self
            .celdas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(TypeId::of::<F>())
            .or_insert_with(|| Arc::new(Celdas::<F>::default()) as Compartido)
            .clone()
            .downcast::<Celdas<F>>()
            .unwrap_or_else(|_| unreachable!("cells are keyed by their field's type"));
        let mut mapa = por_campo.lock().unwrap_or_else(|e| e.into_inner());
        mapa.entry(params.clone()).or_default().clone()
    }

    fn loader<F: Campo>(&self) -> Arc<DataLoader<PorId<F>, HashMapCache>> {
        let mut loaders = self.loaders.lock().unwrap_or_else(|e| e.into_inner());
        let loader = loaders
            .entry(TypeId::of::<F>())
            .or_insert_with(|| {
                Arc::new(
                    DataLoader::with_cache(
                        PorId::<F> {
                            service: self.service.clone(),
                            campo: PhantomData,
                        },
                        tokio::spawn,
                        HashMapCache::default(),
                    )
                    .max_batch_size(MAX_BATCH),
                ) as Compartido
            })
            .clone();
        loader
            .downcast::<DataLoader<PorId<F>, HashMapCache>>()
            .unwrap_or_else(|_| unreachable!("loaders are keyed by their field's type"))
    }
}

/// The field `F` of the entity `tipo` with id `id`, batched (see the module docs).
pub(crate) async fn cargar<F: Campo>(
    ctx: &Context<'_>,
    tipo: &str,
    params: F::Params,
    id: Uuid,
) -> async_graphql::Result<Option<F::Value>> {
    let lote = ctx.data::<Lote>()?;
    if let Some(ids) = lote
        .representados
        .get(tipo)
        .filter(|ids| ids.binary_search(&id).is_ok())
    {
        let celda = lote.celda::<F>(&params);
        let mapa = celda
            .get_or_try_init(|| F::cargar(&lote.service, &params, ids))
            .await
            .gql()?;
        return Ok(mapa.get(&id).cloned());
    }
    lote.loader::<F>().load_one((params, id)).await.gql()
}

/// Per-request set-up: a fresh [`Lote`].
pub struct PrepararSolicitud {
    service: Arc<PagosService>,
}

impl PrepararSolicitud {
    /// Set-up over a service.
    pub fn new(service: Arc<PagosService>) -> Self {
        Self { service }
    }
}

#[async_trait]
impl PrepareRequest for PrepararSolicitud {
    async fn prepare(&self, request: Request) -> Request {
        let lote = Lote::new(self.service.clone(), &request);
        request.data(lote)
    }
}
