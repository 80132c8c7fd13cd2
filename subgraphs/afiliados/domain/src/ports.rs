use std::collections::HashMap;

use async_trait::async_trait;
use kernel::{DomainResult, Orden, Page, PageRequest, search::Busqueda};
use uuid::Uuid;

use super::{Afiliado, EstadoAfiliado, TipoAfiliado};

/// Sort key of the partner list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OrdenarAfiliadosPor {
    /// By name.
    Nombre,
    /// By registration date.
    #[default]
    FechaRegistro,
}

/// Filter and order of the partner list. Without `estado`, ELIMINADO partners are hidden.
#[derive(Clone, Debug, Default)]
pub struct FiltroAfiliados {
    /// Only this partner.
    pub id: Option<Uuid>,
    /// Text the name or e-mail must contain.
    pub busqueda: Option<Busqueda>,
    /// Only this state.
    pub estado: Option<EstadoAfiliado>,
    /// Only this tier.
    pub tipo: Option<TipoAfiliado>,
    /// Sort key.
    pub ordenar_por: OrdenarAfiliadosPor,
    /// Sort direction.
    pub orden: Orden,
}

/// Where partners are kept.
#[async_trait]
pub trait AfiliadoRepository: Send + Sync + 'static {
    /// Stores a new partner; a taken e-mail or id is a `CONFLICT`.
    async fn insertar(&self, afiliado: &Afiliado) -> DomainResult<()>;

    /// Saves a changed partner with its event ([`crate::evento_de_cambio`]: `AfiliadoEliminado`
    /// for the deletion, else `AfiliadoActualizado`) if nobody changed it since
    /// `version_anterior` (else `CONFLICT`).
    async fn guardar(&self, afiliado: &Afiliado, version_anterior: i64) -> DomainResult<()>;

    /// Loads partners by id in one statement; unknown ids are left out.
    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Afiliado>>;

    /// One page of the filtered, ordered list.
    async fn listar(
        &self,
        filtro: &FiltroAfiliados,
        pagina: PageRequest,
    ) -> DomainResult<Page<Afiliado>>;

    /// Non-deleted partners matching a search, best first, with relevance (0–1).
    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Afiliado, f64)>>;

    /// How many partners exist (any state).
    async fn contar(&self) -> DomainResult<u64>;
}
