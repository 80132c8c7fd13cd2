//! Entities owned by other subgraphs, as seen from here: keys, extended with this
//! context's commissions and payouts, each field batched for a whole `_entities` batch.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use subgraph_kit::{
    PageRequest,
    auth::Alcance,
    graphql::{DineroGql, GraphqlResultExt, autorizacion::alcance},
};
use uuid::Uuid;

use super::{
    campos::{
        ComisionDeConversion, ComisionesDeAfiliado, ComisionesDeCampania, Lista, PagosDeAfiliado,
        PagosDeCliente, SaldoDeAfiliado, TotalPagosDeCliente, UltimoPagoDeCliente,
    },
    carga::cargar,
    types::{ComisionGql, EstadoComisionGql, PagoGql},
};
use crate::application::PagosService;
use crate::domain::FiltroComisiones;
use subgraph_kit::DomainError;

/// `FORBIDDEN` for a partner user: what the field sums up spans every partner.
fn solo_plataforma(ctx: &Context<'_>) -> Result<()> {
    alcance(ctx)?.exigir_plataforma().gql()
}

/// Validates a list size (1–100).
fn limite(valor: i64) -> Result<u64> {
    u64::try_from(valor)
        .ok()
        .filter(|l| (1..=100).contains(l))
        .ok_or_else(|| DomainError::invalid("limite", "El límite debe estar entre 1 y 100"))
        .gql()
}

async fn comisiones<F>(
    ctx: &Context<'_>,
    tipo: &str,
    id: Uuid,
    estado: Option<EstadoComisionGql>,
    n: i64,
) -> Result<Vec<ComisionGql>>
where
    F: super::carga::Campo<
            Params = Lista<crate::domain::EstadoComision>,
            Value = Vec<crate::domain::Comision>,
        >,
{
    let params = Lista {
        estado: estado.map(Into::into),
        limite: limite(n)?,
    };
    let lista = cargar::<F>(ctx, tipo, params, id).await?;
    Ok(lista
        .unwrap_or_default()
        .into_iter()
        .map(ComisionGql)
        .collect())
}

/// A partner (owned by `afiliados`), with its commissions and payouts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AfiliadoRef(pub Uuid);

#[Object(name = "Afiliado")]
impl AfiliadoRef {
    /// Partner id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// The partner's latest payouts (at most `limite`, 1–100).
    async fn pagos(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] limite: i64,
    ) -> Result<Vec<PagoGql>> {
        alcance(ctx)?.exigir(self.0).gql()?;
        let lista =
            cargar::<PagosDeAfiliado>(ctx, "Afiliado", self::limite(limite)?, self.0).await?;
        Ok(lista.unwrap_or_default().into_iter().map(PagoGql).collect())
    }

    /// The partner's latest commissions (at most `limite`, 1–100), optionally of one state.
    async fn comisiones(
        &self,
        ctx: &Context<'_>,
        estado: Option<EstadoComisionGql>,
        #[graphql(default = 20)] limite: i64,
    ) -> Result<Vec<ComisionGql>> {
        alcance(ctx)?.exigir(self.0).gql()?;
        comisiones::<ComisionesDeAfiliado>(ctx, "Afiliado", self.0, estado, limite).await
    }

    /// Approved commissions not yet paid, less the clawbacks the next payout deducts
    /// (never below zero), per currency (never added across currencies).
    async fn saldo_pendiente(&self, ctx: &Context<'_>) -> Result<Vec<DineroGql>> {
        alcance(ctx)?.exigir(self.0).gql()?;
        let saldos = cargar::<SaldoDeAfiliado>(ctx, "Afiliado", (), self.0).await?;
        Ok(saldos
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// An advertiser (owned by `clientes`), with the payouts its campaigns funded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClienteRef(pub Uuid);

#[Object(name = "Cliente")]
impl ClienteRef {
    /// Advertiser id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// Successful payouts that paid commissions of its campaigns (not for partner users:
    /// they span every partner).
    async fn total_pagos(&self, ctx: &Context<'_>) -> Result<u64> {
        solo_plataforma(ctx)?;
        Ok(cargar::<TotalPagosDeCliente>(ctx, "Cliente", (), self.0)
            .await?
            .unwrap_or(0))
    }

    /// The latest successful payout that paid commissions of its campaigns (not for
    /// partner users).
    async fn ultimo_pago(&self, ctx: &Context<'_>) -> Result<Option<PagoGql>> {
        solo_plataforma(ctx)?;
        Ok(cargar::<UltimoPagoDeCliente>(ctx, "Cliente", (), self.0)
            .await?
            .map(PagoGql))
    }

    /// The latest payouts (any state) paying commissions of its campaigns (not for
    /// partner users).
    async fn pagos_recientes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] limite: i64,
    ) -> Result<Vec<PagoGql>> {
        solo_plataforma(ctx)?;
        let lista = cargar::<PagosDeCliente>(ctx, "Cliente", self::limite(limite)?, self.0).await?;
        Ok(lista.unwrap_or_default().into_iter().map(PagoGql).collect())
    }
}

/// A campaign (owned by `campanias`), with its commissions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CampaniaRef(pub Uuid);

#[Object(name = "Campania")]
impl CampaniaRef {
    /// Campaign id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// The campaign's latest commissions (at most `limite`, 1–100), optionally of one
    /// state; a partner user's: only its own.
    async fn comisiones(
        &self,
        ctx: &Context<'_>,
        estado: Option<EstadoComisionGql>,
        #[graphql(default = 20)] limite: i64,
    ) -> Result<Vec<ComisionGql>> {
        let Alcance::Afiliado(propio) = alcance(ctx)? else {
            return comisiones::<ComisionesDeCampania>(ctx, "Campania", self.0, estado, limite)
                .await;
        };
        // The campaign's batch holds every partner's commissions: a partner user's are
        // one query of its own.
        let pagina = PageRequest::new(1, self::limite(limite)? as i64).gql()?;
        let filtro = FiltroComisiones {
            afiliado_id: Some(propio),
            campania_id: Some(self.0),
            estado: estado.map(Into::into),
            ..FiltroComisiones::default()
        };
        let service = ctx.data::<Arc<PagosService>>()?;
        let page = service.listar_comisiones(&filtro, pagina).await.gql()?;
        Ok(page.items.into_iter().map(ComisionGql).collect())
    }
}

/// A conversion (owned by `conversiones`), with the commission it earned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConversionRef(pub Uuid);

#[Object(name = "Conversion")]
impl ConversionRef {
    /// Conversion id.
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }

    /// The commission it earned (null until its `ConversionValidada` is applied).
    async fn comision(&self, ctx: &Context<'_>) -> Result<Option<ComisionGql>> {
        let alcance = alcance(ctx)?;
        Ok(
            cargar::<ComisionDeConversion>(ctx, "Conversion", (), self.0)
                .await?
                .filter(|c| alcance.permite(c.afiliado_id))
                .map(ComisionGql),
        )
    }
}
