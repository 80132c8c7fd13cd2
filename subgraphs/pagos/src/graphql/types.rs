//! GraphQL types of the `pagos` subgraph (Spanish names, as DOMAIN.md sets them).

use async_graphql::{Context, Enum, ID, InputObject, Interface, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use subgraph_kit::{
    DomainError, DomainResult,
    graphql::{
        DecimalScalar, DineroGql, DineroInput, GraphqlResultExt, InfoPaginacion, MonedaGql,
        parse_id,
    },
    mirror_enum,
};
use uuid::Uuid;

use super::{
    campos::{
        AuditoriaDeComision, AuditoriaDePago, ComisionesDePago, ReversionDeComision,
        TransaccionesDePago,
    },
    carga::cargar,
    entidades::{AfiliadoRef, CampaniaRef, ConversionRef},
};
use crate::domain::{
    self, Agregaciones, CalculoManual, Comision, EntradaAuditoria, EntradaAuditoriaComision,
    EstadoComision, EstadoPago, EstadoReversion, FiltroComisiones, FiltroPagos, FiltroReporte,
    OrigenComision, Pago, ReportePagos, Reversion, TipoComision, TipoConversion, TipoMetodoPago,
    TipoTransaccion, Transaccion, VersionReporte,
};

mirror_enum!(
    /// Where a commission is in its life.
    EstadoComisionGql as "EstadoComision" <=> EstadoComision {
        /// Waiting for the partner's or campaign's rates.
        Pendiente,
        /// Rate applied; waiting for approval.
        Calculada,
        /// Approved: owed, payable.
        Aprobada,
        /// Refused.
        Rechazada,
        /// Paid.
        Pagada,
    }
);
mirror_enum!(
    /// Where a payout is in its life.
    EstadoPagoGql as "EstadoPago" <=> EstadoPago {
        /// Accepted, waiting for the worker.
        Pendiente,
        /// Being charged, or waiting to retry.
        Procesando,
        /// Paid.
        Exitoso,
        /// Failed for good; its commissions were released.
        Fallido,
    }
);
mirror_enum!(
    /// How a partner is paid.
    TipoMetodoPagoGql as "TipoMetodoPago" <=> TipoMetodoPago {
        /// Bank transfer.
        TransferenciaBancaria,
        /// Credit card.
        TarjetaCredito,
        /// Digital wallet.
        BilleteraDigital,
    }
);
mirror_enum!(
    /// Kind of conversion.
    TipoConversionGql as "TipoConversion" <=> TipoConversion {
        /// A sale.
        Venta,
        /// A sign-up.
        Registro,
        /// A qualified lead.
        Lead,
    }
);
mirror_enum!(
    /// Kind of money movement of a payout.
    TipoTransaccionGql as "TipoTransaccion" <=> TipoTransaccion {
        /// A commission included in the payout.
        Comision,
        /// The provider's charge.
        Cargo,
        /// The commissions released after a failure.
        Liberacion,
        /// A clawback deducted from the payout: its `monto` is negative.
        Reversion,
    }
);
mirror_enum!(
    /// Where a clawback is.
    EstadoReversionGql as "EstadoReversion" <=> EstadoReversion {
        /// The payout of its commission is still being charged: deductible once paid.
        EnEspera,
        /// Owed: deducted from the partner's next payouts.
        Pendiente,
        /// Fully deducted.
        Recuperada,
        /// The payout of its commission failed: nothing was paid, nothing is owed.
        Anulada,
    }
);
mirror_enum!(
    /// How a commission's amount is reached (the seeds' `tipo_comision`).
    TipoComisionGql as "TipoComision" <=> TipoComision {
        /// A percentage of the base.
        Porcentual,
        /// A fixed amount.
        Fija,
    }
);
mirror_enum!(
    /// Where a commission comes from.
    OrigenComisionGql as "OrigenComision" <=> OrigenComision {
        /// A validated conversion; rates from the partner and the campaign.
        Conversion,
        /// Created by hand with its own calculation (`crearComision`).
        Manual,
    }
);
mirror_enum!(
    /// Version of `reportePagos`.
    VersionReporteGql as "VersionReporte" <=> VersionReporte {
        /// Totals.
        V1,
        /// Totals, average ticket, by state and by campaign.
        V2,
    }
);

/// Format of a commission export.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "FormatoExportacion")]
pub(crate) enum FormatoExportacionGql {
    /// A JSON array.
    Json,
    /// CSV (RFC 4180) with a header row.
    Csv,
}

/// A UUID from a client: not empty, valid, not nil.
pub(crate) fn parse_uuid(campo: &str, id: &ID) -> DomainResult<Uuid> {
    parse_id(campo, id)
}

/// A commission.
#[derive(Clone, Debug)]
pub(crate) struct ComisionGql(pub Comision);

/// A commission earned by a partner for one validated conversion.
#[Object(name = "Comision")]
impl ComisionGql {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The partner earning it.
    async fn afiliado(&self) -> AfiliadoRef {
        AfiliadoRef(self.0.afiliado_id)
    }
    /// The campaign paying it.
    async fn campania(&self) -> CampaniaRef {
        CampaniaRef(self.0.campania_id)
    }
    /// The conversion that earned it.
    async fn conversion(&self) -> ConversionRef {
        ConversionRef(self.0.conversion_id)
    }
    /// Kind of the conversion.
    async fn tipo_conversion(&self) -> TipoConversionGql {
        self.0.tipo_conversion.into()
    }
    /// The conversion's value.
    async fn monto_base(&self) -> DineroGql {
        self.0.monto_base.into()
    }
    /// Applied rate, % (null while PENDIENTE, and for a FIJA commission).
    async fn porcentaje(&self) -> Option<DecimalScalar> {
        self.0.porcentaje.map(DecimalScalar)
    }
    /// The campaign's objective bonus its rate includes, % (null: not applied; see the
    /// campaign's `objetivoConversiones`).
    async fn bonus_objetivos(&self) -> Option<DecimalScalar> {
        self.0.bonus_objetivos.map(DecimalScalar)
    }
    /// Its clawback, when its conversion was rejected after a payout paid it or took it
    /// (null otherwise).
    async fn reversion(&self, ctx: &Context<'_>) -> Result<Option<ReversionGql>> {
        Ok(
            cargar::<ReversionDeComision>(ctx, "Comision", (), self.0.id)
                .await?
                .map(|(r, origen)| ReversionGql(r, origen)),
        )
    }
    /// Where it comes from: a validated conversion, or created by hand.
    async fn origen(&self) -> OrigenComisionGql {
        self.0.origen().into()
    }
    /// PORCENTUAL or FIJA (commissions of conversions are PORCENTUAL).
    async fn tipo_comision(&self) -> TipoComisionGql {
        self.0.tipo_comision().into()
    }
    /// The base its rate applies to: the conversion's value, less discounts and VAT as
    /// its calculation says for one created by hand.
    async fn base_calculo(&self) -> Result<DineroGql> {
        Ok(self.0.base_calculo().gql()?.into())
    }
    /// The calculation of a commission created by hand (null for one of a conversion).
    async fn configuracion(&self) -> Option<ConfiguracionCalculo> {
        self.0
            .calculo_manual
            .as_ref()
            .map(ConfiguracionCalculo::from)
    }
    /// Earned amount (null while PENDIENTE).
    async fn monto(&self) -> Option<DineroGql> {
        self.0.monto.map(Into::into)
    }
    /// State.
    async fn estado(&self) -> EstadoComisionGql {
        self.0.estado.into()
    }
    /// Why it was refused.
    async fn motivo_rechazo(&self) -> Option<&str> {
        self.0.motivo_rechazo.as_deref()
    }
    /// The payout holding it (in progress or paid).
    async fn pago(&self, ctx: &Context<'_>) -> Result<Option<PagoGql>> {
        let Some(id) = self.0.pago_id else {
            return Ok(None);
        };
        Ok(cargar::<super::campos::PagoPorId>(ctx, "Pago", (), id)
            .await?
            .map(PagoGql))
    }
    /// Its audit trail: every change with time and actor, and the reviewers' comments,
    /// oldest first.
    async fn auditoria(&self, ctx: &Context<'_>) -> Result<Vec<EntradaAuditoriaGql>> {
        let lista = cargar::<AuditoriaDeComision>(ctx, "Comision", (), self.0.id).await?;
        Ok(lista
            .unwrap_or_default()
            .into_iter()
            .map(EntradaAuditoriaGql::from)
            .collect())
    }
    /// When the conversion happened.
    async fn fecha_conversion(&self) -> DateTime<Utc> {
        self.0.fecha_conversion
    }
    /// When the commission was created.
    async fn fecha_creacion(&self) -> DateTime<Utc> {
        self.0.fecha_creacion
    }
    /// Last change.
    async fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.0.fecha_actualizacion
    }
}

/// A clawback: what a partner owes back of a commission reversed after a payout paid it,
/// deducted from its next payouts.
#[derive(Clone, Debug)]
pub(crate) struct ReversionGql(pub Reversion, pub EstadoPago);

/// A clawback of a reversed commission.
#[Object(name = "Reversion")]
impl ReversionGql {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// State (from what was deducted and how its commission's payout ended).
    async fn estado(&self) -> EstadoReversionGql {
        self.0.estado(self.1).into()
    }
    /// What the commission paid.
    async fn monto(&self) -> DineroGql {
        self.0.monto.into()
    }
    /// Still to deduct from the partner's next payouts.
    async fn pendiente(&self) -> DineroGql {
        self.0.pendiente.into()
    }
    /// Deducted so far.
    async fn recuperado(&self) -> Result<DineroGql> {
        Ok(self.0.recuperado().gql()?.into())
    }
    /// The payout that paid (or is paying) the commission.
    async fn pago_origen(&self, ctx: &Context<'_>) -> Result<Option<PagoGql>> {
        Ok(
            cargar::<super::campos::PagoPorId>(ctx, "Pago", (), self.0.pago_origen_id)
                .await?
                .map(PagoGql),
        )
    }
    /// Why.
    async fn motivo(&self) -> &str {
        &self.0.motivo
    }
    /// When it was recorded.
    async fn fecha_creacion(&self) -> DateTime<Utc> {
        self.0.fecha_creacion
    }
    /// Last change (a deduction, or one given back by a failed payout).
    async fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.0.fecha_actualizacion
    }
}

/// Where a payout's money goes.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct MetodoPago {
    /// Method.
    pub tipo: TipoMetodoPagoGql,
    /// Account mask ("****1234").
    pub mascara: String,
}

/// A payout.
#[derive(Clone, Debug)]
pub(crate) struct PagoGql(pub Pago);

/// A payout of a partner's approved commissions in one cycle.
#[Object(name = "Pago")]
impl PagoGql {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The client's idempotency key.
    async fn idempotency_key(&self) -> &str {
        self.0.clave.as_str()
    }
    /// The partner paid.
    async fn afiliado(&self) -> AfiliadoRef {
        AfiliadoRef(self.0.afiliado_id)
    }
    /// The cycle ("CYCLE-2024-09").
    async fn ciclo(&self) -> &str {
        self.0.ciclo.as_str()
    }
    /// Sum of its commissions.
    async fn monto_total(&self) -> DineroGql {
        self.0.monto_total.into()
    }
    /// Where the money goes (payment data: scope `pii` or `admin`; null otherwise).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    async fn metodo_pago(&self) -> Option<MetodoPago> {
        Some(MetodoPago {
            tipo: self.0.metodo_pago.tipo.into(),
            mascara: self.0.metodo_pago.mascara.clone(),
        })
    }
    /// State.
    async fn estado(&self) -> EstadoPagoGql {
        self.0.estado.into()
    }
    /// The provider's confirmation, once paid.
    async fn confirmacion(&self) -> Option<&str> {
        self.0.confirmacion.as_deref()
    }
    /// Why it failed.
    async fn motivo_fallo(&self) -> Option<&str> {
        self.0.motivo_fallo.as_deref()
    }
    /// Charge attempts so far.
    async fn intentos(&self) -> i32 {
        self.0.intentos
    }
    /// When the worker takes it next: its payment run while PENDIENTE, the retry while
    /// PROCESANDO after a failed attempt; null once final.
    async fn proximo_intento(&self) -> Option<DateTime<Utc>> {
        matches!(
            self.0.estado,
            EstadoPago::Pendiente | EstadoPago::Procesando
        )
        .then_some(self.0.proximo_intento)
    }
    /// The commissions it pays.
    async fn comisiones(&self, ctx: &Context<'_>) -> Result<Vec<ComisionGql>> {
        let lista = cargar::<ComisionesDePago>(ctx, "Pago", (), self.0.id).await?;
        Ok(lista
            .unwrap_or_default()
            .into_iter()
            .map(ComisionGql)
            .collect())
    }
    /// Its money movements, oldest first.
    async fn transacciones(&self, ctx: &Context<'_>) -> Result<Vec<TransaccionGql>> {
        let lista = cargar::<TransaccionesDePago>(ctx, "Pago", (), self.0.id).await?;
        Ok(lista
            .unwrap_or_default()
            .into_iter()
            .map(TransaccionGql::from)
            .collect())
    }
    /// Its audit trail: every state change with time and actor, oldest first.
    async fn auditoria(&self, ctx: &Context<'_>) -> Result<Vec<EntradaAuditoriaGql>> {
        let lista = cargar::<AuditoriaDePago>(ctx, "Pago", (), self.0.id).await?;
        Ok(lista
            .unwrap_or_default()
            .into_iter()
            .map(EntradaAuditoriaGql::from)
            .collect())
    }
    /// When it was requested.
    async fn fecha_creacion(&self) -> DateTime<Utc> {
        self.0.fecha_creacion
    }
    /// Last change.
    async fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.0.fecha_actualizacion
    }
    /// When it became EXITOSO or FALLIDO.
    async fn fecha_completado(&self) -> Option<DateTime<Utc>> {
        self.0.fecha_completado
    }
}

/// A money movement of a payout.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Transaccion")]
pub(crate) struct TransaccionGql {
    /// Id.
    pub id: ID,
    /// Kind.
    pub tipo: TipoTransaccionGql,
    /// Amount: negative for a REVERSION (a deduction).
    pub monto: DineroGql,
    /// Description.
    pub descripcion: String,
    /// The commission, for COMISION movements (the reversed one for REVERSION).
    pub comision_id: Option<ID>,
    /// External reference (the provider's confirmation).
    pub referencia: Option<String>,
    /// When.
    pub fecha: DateTime<Utc>,
}

impl From<Transaccion> for TransaccionGql {
    fn from(t: Transaccion) -> Self {
        let mut monto = DineroGql::from(t.monto);
        if t.tipo == TipoTransaccion::Reversion {
            monto.valor = DecimalScalar(-t.monto.valor());
        }
        Self {
            id: ID(t.id.to_string()),
            tipo: t.tipo.into(),
            monto,
            descripcion: t.descripcion,
            comision_id: t.comision_id.map(|c| ID(c.to_string())),
            referencia: t.referencia,
            fecha: t.fecha,
        }
    }
}

/// How an approval was decided.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "MetadatosAprobacion")]
pub(crate) struct MetadatosAprobacionGql {
    /// Approval level.
    pub nivel_aprobacion: Option<String>,
    /// The policy applied.
    pub politica_aplicada: Option<String>,
}

/// One line of a payout's or a commission's audit trail.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "EntradaAuditoria")]
pub(crate) struct EntradaAuditoriaGql {
    /// What happened: for a payout PagoSolicitado, PagoProcesando,
    /// PagoReintentoProgramado, PagoExitoso, PagoFallido; for a commission
    /// ComisionCreada, ComisionCalculada, ComisionRecalculada, ComisionAprobada,
    /// ComisionRechazada, ComisionRevertida.
    pub evento: String,
    /// Who (a user, payment-processor, or system for what other contexts' events did).
    pub actor: String,
    /// Detail.
    pub detalle: Option<String>,
    /// The reviewer's comments (commission approvals and refusals).
    pub comentarios: Option<String>,
    /// How an approval was decided (commission approvals).
    pub metadatos: Option<MetadatosAprobacionGql>,
    /// When.
    pub fecha: DateTime<Utc>,
}

impl From<EntradaAuditoria> for EntradaAuditoriaGql {
    fn from(a: EntradaAuditoria) -> Self {
        Self {
            evento: a.evento,
            actor: a.actor,
            detalle: a.detalle,
            comentarios: None,
            metadatos: None,
            fecha: a.fecha,
        }
    }
}

impl From<EntradaAuditoriaComision> for EntradaAuditoriaGql {
    fn from(a: EntradaAuditoriaComision) -> Self {
        Self {
            evento: a.evento,
            actor: a.actor,
            detalle: a.detalle,
            comentarios: a.comentarios,
            metadatos: a.metadatos.map(|m| MetadatosAprobacionGql {
                nivel_aprobacion: m.nivel_aprobacion,
                politica_aplicada: m.politica_aplicada,
            }),
            fecha: a.fecha,
        }
    }
}

/// Aggregates of a filtered payout list, over the whole filter (not just the page).
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct AgregacionesPagos {
    /// Total amount per currency (currencies are never added together).
    pub total_monto: Vec<DineroGql>,
    /// EXITOSO payouts.
    pub completados: u64,
    /// PENDIENTE or PROCESANDO payouts.
    pub pendientes: u64,
    /// FALLIDO payouts.
    pub fallidos: u64,
}

impl From<Agregaciones> for AgregacionesPagos {
    fn from(a: Agregaciones) -> Self {
        Self {
            total_monto: a.total_monto.into_iter().map(Into::into).collect(),
            completados: a.completados,
            pendientes: a.pendientes,
            fallidos: a.fallidos,
        }
    }
}

/// A page of payouts.
#[derive(SimpleObject)]
pub(crate) struct PagosPagina {
    /// The payouts of this page.
    pub items: Vec<PagoGql>,
    /// Where the page sits.
    pub paginacion: InfoPaginacion,
    /// Aggregates of the whole filter.
    pub agregaciones: AgregacionesPagos,
}

/// A page of commissions.
#[derive(SimpleObject)]
pub(crate) struct ComisionesPagina {
    /// The commissions of this page.
    pub items: Vec<ComisionGql>,
    /// Where the page sits.
    pub paginacion: InfoPaginacion,
}

/// Filter of `pagos`.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FiltroPagosInput {
    /// Only this partner's.
    pub afiliado_id: Option<ID>,
    /// Only this state.
    pub estado: Option<EstadoPagoGql>,
    /// Requested from (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Requested up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
    /// Smallest total (compared with each payout's own amount).
    pub monto_min: Option<DecimalScalar>,
    /// Largest total.
    pub monto_max: Option<DecimalScalar>,
    /// Only this currency.
    pub moneda: Option<MonedaGql>,
}

impl FiltroPagosInput {
    pub(crate) fn into_domain(self) -> DomainResult<FiltroPagos> {
        Ok(FiltroPagos {
            afiliado_id: self
                .afiliado_id
                .as_ref()
                .map(|id| parse_uuid("filtro.afiliadoId", id))
                .transpose()?,
            estado: self.estado.map(Into::into),
            desde: self.desde,
            hasta: self.hasta,
            monto_min: self.monto_min.map(|d| d.0),
            monto_max: self.monto_max.map(|d| d.0),
            moneda: self.moneda.map(Into::into),
        })
    }
}

/// Filter of `comisiones` and `exportarComisiones`.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FiltroComisionesInput {
    /// Only this partner's.
    pub afiliado_id: Option<ID>,
    /// Only this campaign's.
    pub campania_id: Option<ID>,
    /// Only this state.
    pub estado: Option<EstadoComisionGql>,
    /// Created from (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Created up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
}

impl FiltroComisionesInput {
    pub(crate) fn into_domain(self) -> DomainResult<FiltroComisiones> {
        if let (Some(desde), Some(hasta)) = (self.desde, self.hasta)
            && desde > hasta
        {
            return Err(DomainError::invalid(
                "filtro.hasta",
                "La fecha 'hasta' debe ser posterior a 'desde'",
            ));
        }
        Ok(FiltroComisiones {
            afiliado_id: self
                .afiliado_id
                .as_ref()
                .map(|id| parse_uuid("filtro.afiliadoId", id))
                .transpose()?,
            campania_id: self
                .campania_id
                .as_ref()
                .map(|id| parse_uuid("filtro.campaniaId", id))
                .transpose()?,
            estado: self.estado.map(Into::into),
            desde: self.desde,
            hasta: self.hasta,
        })
    }
}

/// Filter of `reportePagos` (by request time).
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FiltroReporteInput {
    /// From (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
    /// Only this partner's.
    pub afiliado_id: Option<ID>,
    /// Only this state.
    pub estado: Option<EstadoPagoGql>,
}

impl FiltroReporteInput {
    pub(crate) fn into_domain(self) -> DomainResult<FiltroReporte> {
        Ok(FiltroReporte {
            desde: self.desde,
            hasta: self.hasta,
            afiliado_id: self
                .afiliado_id
                .as_ref()
                .map(|id| parse_uuid("filtro.afiliadoId", id))
                .transpose()?,
            estado: self.estado.map(Into::into),
        })
    }
}

/// The period a report covers (null bounds: unbounded).
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct PeriodoReporte {
    /// From.
    pub desde: Option<DateTime<Utc>>,
    /// Up to.
    pub hasta: Option<DateTime<Utc>>,
}

/// Payouts of one state (v2).
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct PagosPorEstado {
    /// State.
    pub estado: EstadoPagoGql,
    /// How many.
    pub cantidad: u64,
    /// Their total per currency.
    pub monto: Vec<DineroGql>,
}

/// Payouts paying one campaign's commissions (v2).
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct PagosPorCampania {
    /// The campaign.
    pub campania: CampaniaRef,
    /// Distinct payouts.
    pub pagos: u64,
    /// Its commissions in them, per currency.
    pub monto: Vec<DineroGql>,
}

/// `reportePagos` v1: totals (the seeds' simple report).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "ReportePagosV1")]
pub(crate) struct ReportePagosV1 {
    /// Version that produced it (V1).
    pub version: VersionReporteGql,
    /// Period covered.
    pub periodo: PeriodoReporte,
    /// How many payouts.
    pub total_pagos: u64,
    /// Their total per currency.
    pub total_monto: Vec<DineroGql>,
}

/// `reportePagos` v2: v1 plus the average ticket and breakdowns (the seeds' detailed
/// report: avgTicket, byStatus, byCampaign).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "ReportePagosV2")]
pub(crate) struct ReportePagosV2 {
    /// Version that produced it (V2).
    pub version: VersionReporteGql,
    /// Period covered.
    pub periodo: PeriodoReporte,
    /// How many payouts.
    pub total_pagos: u64,
    /// Their total per currency.
    pub total_monto: Vec<DineroGql>,
    /// Average payout per currency (avgTicket), rounded half-even.
    pub ticket_promedio: Vec<DineroGql>,
    /// By state (byStatus), every state listed.
    pub por_estado: Vec<PagosPorEstado>,
    /// By campaign (byCampaign), most payouts first.
    pub por_campania: Vec<PagosPorCampania>,
}

/// A payout report; its shape follows the version active when it was asked for. Query
/// the common fields on the interface and the v2 ones with `... on ReportePagosV2`, and a
/// query stays valid across a version switch.
#[derive(Interface, Clone, Debug)]
#[graphql(
    name = "ReportePagos",
    field(
        name = "version",
        ty = "&VersionReporteGql",
        desc = "Version that produced it."
    ),
    field(name = "periodo", ty = "&PeriodoReporte", desc = "Period covered."),
    field(name = "total_pagos", ty = "&u64", desc = "How many payouts."),
    field(
        name = "total_monto",
        ty = "&Vec<DineroGql>",
        desc = "Their total per currency."
    )
)]
pub(crate) enum ReportePagosGql {
    /// Version 1.
    V1(ReportePagosV1),
    /// Version 2.
    V2(ReportePagosV2),
}

fn dineros(montos: Vec<subgraph_kit::Dinero>) -> Vec<DineroGql> {
    montos.into_iter().map(Into::into).collect()
}

impl From<ReportePagos> for ReportePagosGql {
    fn from(r: ReportePagos) -> Self {
        let periodo = PeriodoReporte {
            desde: r.filtro.desde,
            hasta: r.filtro.hasta,
        };
        match r.version {
            VersionReporte::V1 => ReportePagosGql::V1(ReportePagosV1 {
                version: VersionReporteGql::V1,
                periodo,
                total_pagos: r.totales.cantidad,
                total_monto: dineros(r.totales.montos),
            }),
            VersionReporte::V2 => ReportePagosGql::V2(ReportePagosV2 {
                version: VersionReporteGql::V2,
                periodo,
                total_pagos: r.totales.cantidad,
                total_monto: dineros(r.totales.montos),
                ticket_promedio: dineros(r.ticket_promedio),
                por_estado: r
                    .por_estado
                    .into_iter()
                    .map(|e| PagosPorEstado {
                        estado: e.estado.into(),
                        cantidad: e.totales.cantidad,
                        monto: dineros(e.totales.montos),
                    })
                    .collect(),
                por_campania: r
                    .por_campania
                    .into_iter()
                    .map(|c| PagosPorCampania {
                        campania: CampaniaRef(c.campania_id),
                        pagos: c.pagos,
                        monto: dineros(c.montos),
                    })
                    .collect(),
            }),
        }
    }
}

/// A commission export.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct ExportacionComisiones {
    /// Format.
    pub formato: FormatoExportacionGql,
    /// Suggested file name.
    pub nombre_archivo: String,
    /// MIME type of `contenido`.
    pub tipo_contenido: String,
    /// Rows exported.
    pub filas: u64,
    /// The document (JSON array or CSV text).
    pub contenido: String,
}

impl From<FormatoExportacionGql> for domain::FormatoExportacion {
    fn from(f: FormatoExportacionGql) -> Self {
        match f {
            FormatoExportacionGql::Json => domain::FormatoExportacion::Json,
            FormatoExportacionGql::Csv => domain::FormatoExportacion::Csv,
        }
    }
}

/// Where the money goes, as a client gives it.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct MetodoPagoInput {
    /// Method.
    pub tipo: TipoMetodoPagoGql,
    /// Account mask: asterisks and the last 4 digits ("****1234"), never the full number.
    pub mascara: String,
}

/// A payout request.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct PagarInput {
    /// The client's key (8–128 letters, digits, `-_.:`): the same key returns the same payout.
    pub idempotency_key: String,
    /// The partner (UUID).
    pub afiliado_id: ID,
    /// The cycle ("CYCLE-2024-09"): one payout per partner and cycle.
    pub ciclo: String,
    /// Where the money goes.
    pub metodo_pago: MetodoPagoInput,
    /// The currency to pay (needed only when the partner has approved commissions in several).
    pub moneda: Option<MonedaGql>,
    /// The payment run it waits for (at most a year ahead; absent or past: at once). The
    /// commissions are reserved now.
    pub programado_para: Option<DateTime<Utc>>,
}

impl PagarInput {
    pub(crate) fn into_domain(self) -> DomainResult<domain::SolicitudPago> {
        Ok(domain::SolicitudPago {
            clave: domain::ClaveIdempotencia::parse(&self.idempotency_key)?,
            afiliado_id: parse_uuid("afiliadoId", &self.afiliado_id)?,
            ciclo: domain::Ciclo::parse(&self.ciclo)?,
            metodo_pago: domain::MetodoPago::new(
                self.metodo_pago.tipo.into(),
                &self.metodo_pago.mascara,
            )?,
            moneda: self.moneda.map(Into::into),
            programado_para: self.programado_para,
        })
    }
}

/// The answer of `pagar`.
#[derive(SimpleObject)]
pub(crate) struct PagarPayload {
    /// The payout: new (PENDIENTE) or the one this key or cycle already had.
    pub pago: PagoGql,
}

/// How an approval was decided (the seeds' `metadatos_aprobacion`).
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct MetadatosAprobacionInput {
    /// Approval level (`automatico`, `manual`, `supervisor`…; at most 64 characters).
    pub nivel_aprobacion: Option<String>,
    /// The policy applied (`estandar`…; at most 64 characters).
    pub politica_aplicada: Option<String>,
}

/// Which commission to approve, with the reviewer's words.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct AprobarComisionInput {
    /// The commission (UUID).
    pub id: ID,
    /// Comments (at most 1000 characters), kept in its audit trail.
    pub comentarios: Option<String>,
    /// How the approval was decided, kept in its audit trail.
    pub metadatos: Option<MetadatosAprobacionInput>,
}

impl AprobarComisionInput {
    pub(crate) fn revision(&self) -> DomainResult<domain::Revision> {
        let metadatos = self.metadatos.clone().unwrap_or_default();
        domain::Revision::new(
            self.comentarios.as_deref(),
            metadatos.nivel_aprobacion.as_deref(),
            metadatos.politica_aplicada.as_deref(),
        )
    }
}

/// The answer of `aprobarComision`.
#[derive(SimpleObject)]
pub(crate) struct AprobarComisionPayload {
    /// The approved commission.
    pub comision: ComisionGql,
}

/// Which commission to refuse, and why.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct RechazarComisionInput {
    /// The commission (UUID).
    pub id: ID,
    /// Why (1–500 characters).
    pub motivo: String,
    /// Comments (at most 1000 characters), kept in its audit trail.
    pub comentarios: Option<String>,
}

/// The answer of `rechazarComision`.
#[derive(SimpleObject)]
pub(crate) struct RechazarComisionPayload {
    /// The refused commission.
    pub comision: ComisionGql,
}

/// How a commission created by hand is calculated.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct ConfiguracionCalculo {
    /// Whether the discounts are taken off the base.
    pub aplicar_descuentos: bool,
    /// Whether the base keeps its VAT.
    pub incluir_iva: bool,
    /// The VAT rate taken out of the base when `incluirIva` is false, %.
    pub tasa_iva: DecimalScalar,
    /// Discounts granted on the sale.
    pub descuentos: Option<DineroGql>,
    /// The amount of a FIJA commission.
    pub monto_fijo: Option<DineroGql>,
}

impl From<&CalculoManual> for ConfiguracionCalculo {
    fn from(c: &CalculoManual) -> Self {
        Self {
            aplicar_descuentos: c.aplicar_descuentos,
            incluir_iva: c.incluir_iva,
            tasa_iva: DecimalScalar(c.tasa_iva),
            descuentos: c.descuentos.map(Into::into),
            monto_fijo: c.monto_fijo.map(Into::into),
        }
    }
}

/// The seeds' `configuracion` of a commission created by hand.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct ConfiguracionCalculoInput {
    /// Take `descuentos` off the base (the seeds' `aplicar_descuentos`).
    #[graphql(default = false)]
    pub aplicar_descuentos: bool,
    /// Keep VAT in the base (the seeds' `incluir_iva`); when false the base is divided by
    /// `1 + tasaIva / 100`.
    #[graphql(default = true)]
    pub incluir_iva: bool,
    /// VAT rate taken out when `incluirIva` is false, % (0–100, default 19).
    pub tasa_iva: Option<DecimalScalar>,
}

/// A commission created by hand (the seeds' `POST /comisiones`).
#[derive(InputObject, Clone, Debug)]
pub(crate) struct CrearComisionInput {
    /// The partner (UUID), known here and not deleted.
    pub afiliado_id: ID,
    /// The campaign (UUID), known here.
    pub campania_id: ID,
    /// The conversion it pays (UUID): at most one commission per conversion.
    pub conversion_id: ID,
    /// Kind of the conversion.
    #[graphql(default_with = "TipoConversionGql::Venta")]
    pub tipo_conversion: TipoConversionGql,
    /// The conversion's value, VAT included.
    pub monto_base: DineroInput,
    /// PORCENTUAL (needs `porcentaje`) or FIJA (needs `montoFijo`).
    #[graphql(default_with = "TipoComisionGql::Porcentual")]
    pub tipo_comision: TipoComisionGql,
    /// Rate of a PORCENTUAL commission, % (more than 0, at most 100, 4 decimals).
    pub porcentaje: Option<DecimalScalar>,
    /// Amount of a FIJA commission, in `montoBase`'s currency, at most `montoBase`.
    pub monto_fijo: Option<DineroInput>,
    /// Discounts granted on the sale, in `montoBase`'s currency, at most `montoBase`
    /// (taken off the base when `configuracion.aplicarDescuentos`).
    pub descuentos: Option<DineroInput>,
    /// Discounts and VAT (default: no discounts, VAT kept in the base).
    pub configuracion: Option<ConfiguracionCalculoInput>,
}

impl CrearComisionInput {
    pub(crate) fn into_domain(self) -> DomainResult<domain::CrearComisionManual> {
        let configuracion = self.configuracion.unwrap_or(ConfiguracionCalculoInput {
            aplicar_descuentos: false,
            incluir_iva: true,
            tasa_iva: None,
        });
        domain::CrearComisionManual::new(domain::DatosComisionManual {
            afiliado_id: parse_uuid("afiliadoId", &self.afiliado_id)?,
            campania_id: parse_uuid("campaniaId", &self.campania_id)?,
            conversion_id: parse_uuid("conversionId", &self.conversion_id)?,
            tipo_conversion: self.tipo_conversion.into(),
            monto_base: self.monto_base.to_domain("montoBase")?,
            tipo: self.tipo_comision.into(),
            porcentaje: self.porcentaje.map(|p| p.0),
            monto_fijo: self
                .monto_fijo
                .map(|m| m.to_domain("montoFijo"))
                .transpose()?,
            descuentos: self
                .descuentos
                .map(|m| m.to_domain("descuentos"))
                .transpose()?,
            aplicar_descuentos: configuracion.aplicar_descuentos,
            incluir_iva: configuracion.incluir_iva,
            tasa_iva: configuracion.tasa_iva.map(|t| t.0),
        })
    }
}

/// The answer of `crearComision`.
#[derive(SimpleObject)]
pub(crate) struct CrearComisionPayload {
    /// The commission: new (CALCULADA), or the one this same request already created.
    pub comision: ComisionGql,
}

/// Which commission to calculate (the seeds' `/calcular`).
#[derive(InputObject, Clone, Debug)]
pub(crate) struct CalcularComisionInput {
    /// The commission (UUID).
    pub id: ID,
    /// Calculate a CALCULADA commission again (the seeds' `forzar_recalculo`).
    #[graphql(default = false)]
    pub forzar_recalculo: bool,
}

/// The answer of `calcularComision`.
#[derive(SimpleObject)]
pub(crate) struct CalcularComisionPayload {
    /// The commission, as calculated now or as it was.
    pub comision: ComisionGql,
    /// Whether it was calculated now (false: already CALCULADA and not forced).
    pub calculada: bool,
}

/// The report version to activate.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct CambiarVersionReporteInput {
    /// V1 or V2.
    pub version: VersionReporteGql,
}

/// The answer of `cambiarVersionReporte`.
#[derive(SimpleObject)]
pub(crate) struct CambiarVersionReportePayload {
    /// The version now active.
    pub version: VersionReporteGql,
}

/// A payout found by `buscarPagos`.
#[derive(SimpleObject)]
pub(crate) struct ResultadoBusquedaPago {
    /// 0–1: exact cycle, key or confirmation 1.0, prefix 0.8, contained 0.4.
    pub relevancia: f64,
    /// The payout.
    pub pago: PagoGql,
}
