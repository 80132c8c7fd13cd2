//! What the commission consumers need from the runtime's transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use subgraph_kit::{DomainResult, events::EventEnvelope};
use uuid::Uuid;

use crate::domain::{
    CambioComision, Comision, EntradaAuditoriaComision, Reversion, TarifaAfiliado, TarifaCampania,
};

/// Which pending commissions a new fact may complete.
#[derive(Clone, Copy, Debug)]
pub enum Pendientes {
    /// Of this partner.
    Afiliado(Uuid),
    /// Of this campaign.
    Campania(Uuid),
    /// This one.
    Comision(Uuid),
}

/// Commissions and the projections their rate comes from, inside one consumer's
/// transaction (the runtime's, which also holds the inbox row and commits).
#[async_trait]
pub trait ComisionesEnTransaccion: Send + Sync {
    /// Serialises the transactions of the commission consumers: a commission and the two
    /// facts its rate needs arrive through three consumers; run concurrently, each could
    /// miss the others' uncommitted rows.
    async fn serializar(&self) -> DomainResult<()>;

    /// Records the partner's announced state unless a newer version is already known.
    async fn proyectar_afiliado(
        &self,
        tarifa: &TarifaAfiliado,
        en: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Records a campaign's advertiser and rates (set at creation, never changed).
    async fn proyectar_campania(
        &self,
        tarifa: &TarifaCampania,
        en: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Inserts a commission unless its conversion already has one (the unique
    /// `conversion_id` decides, not a read); `true` when inserted.
    async fn crear_comision(&self, comision: &Comision) -> DomainResult<bool>;

    /// The PENDIENTE commissions `cuales` names.
    async fn pendientes(&self, cuales: Pendientes) -> DomainResult<Vec<Comision>>;

    /// The projected partners among `ids`.
    async fn tarifas_afiliados(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, TarifaAfiliado>>;

    /// The projected campaigns among `ids`.
    async fn tarifas_campanias(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, TarifaCampania>>;

    /// Saves a calculated commission if it is still at `version_anterior`; `false` if
    /// another writer changed it first (nothing written).
    async fn guardar_calculada(
        &self,
        comision: &Comision,
        version_anterior: i64,
    ) -> DomainResult<bool>;

    /// Which conversion of its partner in its campaign `comision` is (see
    /// `ComisionRepository::posicion_en_campania`).
    async fn posicion_en_campania(&self, comision: &Comision) -> DomainResult<u64>;

    /// The commission of a conversion, if any.
    async fn comision_de_conversion(&self, conversion_id: Uuid) -> DomainResult<Option<Comision>>;

    /// Records that `conversiones` rejected a conversion (idempotent).
    async fn registrar_rechazo(
        &self,
        conversion_id: Uuid,
        evento_id: Uuid,
        motivo: &str,
        en: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Whether `conversiones` rejected the conversion.
    async fn conversion_rechazada(&self, conversion_id: Uuid) -> DomainResult<bool>;

    /// Saves a commission's change (row under its version, else `CONFLICT`; audit lines);
    /// its events go through [`ComisionesEnTransaccion::publicar`].
    async fn guardar_cambio(&self, cambio: &CambioComision) -> DomainResult<()>;

    /// Inserts a clawback unless its commission or its event already has one (unique
    /// columns decide); `true` when inserted.
    async fn crear_reversion(&self, reversion: &Reversion) -> DomainResult<bool>;

    /// Appends events to the outbox.
    async fn publicar(&self, eventos: &[EventEnvelope]) -> DomainResult<()>;

    /// Appends lines to commissions' audit trails.
    async fn auditar(&self, lineas: &[EntradaAuditoriaComision]) -> DomainResult<()>;
}
