//! What the `pagos` context needs from storage.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Dinero, DomainResult, Moneda, Page, PageRequest};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    CambioComision, CambioPago, Comision, EntradaAuditoria, EntradaAuditoriaComision,
    EstadoComision, EstadoPago, FilaCampania, FilaEstado, FiltroReporte, Pago, Reversion,
    TarifaAfiliado, TarifaCampania, Transaccion, VersionReporte,
};

/// Filter of the commission list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FiltroComisiones {
    /// Only this partner's.
    pub afiliado_id: Option<Uuid>,
    /// Only this campaign's.
    pub campania_id: Option<Uuid>,
    /// Only this state.
    pub estado: Option<EstadoComision>,
    /// Created from (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Created up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
}

/// Filter of the payout list (amount bounds compare each payout's own `valor`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FiltroPagos {
    /// Only this partner's.
    pub afiliado_id: Option<Uuid>,
    /// Only this state.
    pub estado: Option<EstadoPago>,
    /// Created from (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Created up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
    /// Smallest total.
    pub monto_min: Option<Decimal>,
    /// Largest total.
    pub monto_max: Option<Decimal>,
    /// Only this currency.
    pub moneda: Option<Moneda>,
}

/// Aggregates of a filtered payout list (computed in SQL over the whole filter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agregaciones {
    /// Total per currency.
    pub total_monto: Vec<Dinero>,
    /// EXITOSO.
    pub completados: u64,
    /// PENDIENTE or PROCESANDO.
    pub pendientes: u64,
    /// FALLIDO.
    pub fallidos: u64,
}

/// Which entity a batched per-entity commission list groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DimensionComision {
    /// By partner.
    Afiliado,
    /// By campaign.
    Campania,
    /// By the payout that includes them (every commission, no limit).
    Pago,
}

/// Outcome of an idempotent payout request.
#[derive(Clone, Debug)]
pub enum ResultadoSolicitud {
    /// Created now.
    Nuevo(Box<Pago>),
    /// The key, or the partner's cycle, already had this payout.
    Existente(Box<Pago>),
}

/// One payout request's unit of work: one transaction, in which the request's use case
/// inserts the payout, reserves its commissions, lets the aggregate accept them and saves
/// the result with its events (outbox). Nothing is written unless it is confirmed;
/// dropped unconfirmed, it rolls back.
#[async_trait]
pub trait SolicitudEnCurso: Send {
    /// Inserts `pago` unless its key or its partner's cycle exists (decided by unique
    /// constraints, not by a read); `false` when one did.
    async fn insertar(&mut self, pago: &Pago) -> DomainResult<bool>;

    /// Reserves the partner's approved commissions that are in no payout, in the payout's
    /// currency, for `pago`; returns them oldest first.
    async fn reservar_comisiones(&mut self, pago: &Pago) -> DomainResult<Vec<Comision>>;

    /// Locks and returns the partner's clawbacks the payout may deduct, oldest first: in
    /// the payout's currency, still owed, of commissions whose payout was paid
    /// (`EXITOSO`). Concurrent payouts wait for each other's deductions.
    async fn reservar_reversiones(&mut self, pago: &Pago) -> DomainResult<Vec<Reversion>>;

    /// Saves an accepted payout (its total, money movements, audit trail and the
    /// clawbacks it deducts) and appends its events to the outbox.
    async fn guardar(&mut self, cambio: &CambioPago) -> DomainResult<()>;

    /// Commits everything, then wakes the outbox relay.
    async fn confirmar(self: Box<Self>) -> DomainResult<()>;

    /// Rolls everything back.
    async fn deshacer(self: Box<Self>) -> DomainResult<()>;
}

/// Where commissions and the partner rates they are computed with are kept.
#[async_trait]
pub trait ComisionRepository: Send + Sync + 'static {
    /// The projected partner, if announced.
    async fn tarifa_afiliado(&self, id: Uuid) -> DomainResult<Option<TarifaAfiliado>>;

    /// The projected campaign, if announced.
    async fn tarifa_campania(&self, id: Uuid) -> DomainResult<Option<TarifaCampania>>;

    /// Which conversion of its partner in its campaign `comision` is: how many of the
    /// partner's commissions in the campaign, not refused, come before it or are it (by
    /// conversion time, then conversion id). The objective bonus counts with it.
    async fn posicion_en_campania(&self, comision: &Comision) -> DomainResult<u64>;

    /// Inserts a commission created by hand with its events and audit lines, unless its
    /// conversion already has one (the unique `conversion_id` decides, not a read):
    /// `false` then, nothing written.
    async fn crear_comision(&self, cambio: &CambioComision) -> DomainResult<bool>;

    /// Commissions by id (one statement).
    async fn comisiones_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Comision>>;

    /// Commissions by conversion id (one statement).
    async fn comisiones_por_conversion(
        &self,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Comision>>;

    /// One page of the filtered commissions, latest first.
    async fn listar_comisiones(
        &self,
        filtro: &FiltroComisiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Comision>>;

    /// Up to `limite` filtered commissions, latest first (exports).
    async fn exportar_comisiones(
        &self,
        filtro: &FiltroComisiones,
        limite: u64,
    ) -> DomainResult<Vec<Comision>>;

    /// The latest commissions of each entity (at most `limite` each, only `estado` if
    /// given; all for payouts), in one statement.
    async fn comisiones_por_entidad(
        &self,
        dimension: DimensionComision,
        ids: &[Uuid],
        limite: u64,
        estado: Option<EstadoComision>,
    ) -> DomainResult<HashMap<Uuid, Vec<Comision>>>;

    /// Saves a changed commission with its events and audit lines if nobody changed it
    /// since `cambio.version_anterior` (else `CONFLICT`, nothing written).
    async fn guardar_comision(&self, cambio: &CambioComision) -> DomainResult<()>;

    /// The clawbacks of commissions, each with the state of the payout that paid its
    /// commission (two statements).
    async fn reversiones_de_comisiones(
        &self,
        comision_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, (Reversion, EstadoPago)>>;

    /// Audit trails of commissions, oldest first (one statement).
    async fn auditoria_comisiones(
        &self,
        comision_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EntradaAuditoriaComision>>>;

    /// Approved, not yet paid commissions per partner and currency (one statement).
    async fn saldos(&self, afiliado_ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Dinero>>>;

    /// Currencies of a partner's payable commissions (approved, in no payout).
    async fn monedas_pagables(&self, afiliado_id: Uuid) -> DomainResult<Vec<Moneda>>;
}

/// Where payouts are kept: idempotent requests, the worker's claims and settlements.
#[async_trait]
pub trait PagoRepository: Send + Sync + 'static {
    /// The payout of an idempotency key, else the one of the partner's cycle.
    async fn pago_existente(
        &self,
        clave: &str,
        afiliado_id: Uuid,
        ciclo: &str,
    ) -> DomainResult<Option<Pago>>;

    /// Opens the unit of work of one payout request.
    async fn iniciar_solicitud(&self) -> DomainResult<Box<dyn SolicitudEnCurso>>;

    /// Claims up to `limite` payouts due at `ahora` (new, retry due, or lease expired):
    /// PROCESANDO, one more attempt, held with `token` until `lease_hasta`.
    async fn reclamar(
        &self,
        ahora: DateTime<Utc>,
        lease_hasta: DateTime<Utc>,
        token: Uuid,
        limite: u64,
    ) -> DomainResult<Vec<Pago>>;

    /// Writes a settlement if the payout is still held with `token`; `false` if another
    /// worker took it over (nothing written).
    async fn liquidar(&self, cambio: &CambioPago, token: Uuid) -> DomainResult<bool>;

    /// Payouts by id (one statement).
    async fn pagos_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Pago>>;

    /// One page of the filtered payouts, latest first, and the filter's aggregates.
    async fn listar_pagos(
        &self,
        filtro: &FiltroPagos,
        pagina: PageRequest,
    ) -> DomainResult<(Page<Pago>, Agregaciones)>;

    /// The latest payouts of each partner (one statement).
    async fn pagos_por_afiliado(
        &self,
        ids: &[Uuid],
        limite: u64,
    ) -> DomainResult<HashMap<Uuid, Vec<Pago>>>;

    /// The latest payouts (only EXITOSO ones if `solo_exitosos`) funded by each
    /// advertiser's campaigns (one statement).
    async fn pagos_por_cliente(
        &self,
        ids: &[Uuid],
        limite: u64,
        solo_exitosos: bool,
    ) -> DomainResult<HashMap<Uuid, Vec<Pago>>>;

    /// How many successful payouts each advertiser's campaigns funded (one statement).
    async fn total_pagos_cliente(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, u64>>;

    /// Payouts whose cycle, idempotency key or confirmation matches `busqueda` (case
    /// ignored), each with a score 0–100: exact 100, prefix 80, contained 40; best first.
    async fn buscar_pagos(
        &self,
        busqueda: &kernel::search::Busqueda,
    ) -> DomainResult<Vec<(Pago, i32)>>;
}

/// The ledger: money movements and audit trails of payouts.
#[async_trait]
pub trait MovimientosRepository: Send + Sync + 'static {
    /// Money movements of payouts (one statement).
    async fn transacciones(
        &self,
        pago_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<Transaccion>>>;

    /// Audit trails of payouts, oldest first (one statement).
    async fn auditoria(
        &self,
        pago_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EntradaAuditoria>>>;
}

/// Payout figures for reports and the active report version.
#[async_trait]
pub trait ReporteRepository: Send + Sync + 'static {
    /// Payouts per state and currency under a filter (one statement).
    async fn filas_reporte(&self, filtro: &FiltroReporte) -> DomainResult<Vec<FilaEstado>>;

    /// Payouts per campaign and currency under a filter (one statement).
    async fn filas_por_campania(&self, filtro: &FiltroReporte) -> DomainResult<Vec<FilaCampania>>;

    /// The stored active report version, if one was set.
    async fn version_reporte(&self) -> DomainResult<Option<VersionReporte>>;

    /// Stores the active report version (every replica reads it).
    async fn fijar_version_reporte(&self, version: VersionReporte) -> DomainResult<()>;
}

/// Everything the `pagos` context keeps, one port per aggregate; the application service
/// holds one object implementing them all.
pub trait PagosRepository:
    ComisionRepository + PagoRepository + MovimientosRepository + ReporteRepository
{
}

impl<T> PagosRepository for T where
    T: ComisionRepository + PagoRepository + MovimientosRepository + ReporteRepository
{
}
