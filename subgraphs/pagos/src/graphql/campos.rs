//! The batched fields of this subgraph: how each loads for many ids in one statement.

use std::collections::HashMap;

use async_trait::async_trait;
use subgraph_kit::{Dinero, DomainResult};
use uuid::Uuid;

use super::carga::Campo;
use crate::application::PagosService;
use crate::domain::{
    Comision, DimensionComision, EntradaAuditoria, EntradaAuditoriaComision, EstadoComision,
    EstadoPago, Pago, Reversion, Transaccion,
};

/// Arguments of a per-entity list: optional state, at most `limite` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Lista<E> {
    pub estado: Option<E>,
    pub limite: u64,
}

macro_rules! campo {
    ($(#[$doc:meta])* $name:ident, $params:ty, $value:ty, |$service:ident, $p:ident, $ids:ident| $body:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        #[async_trait]
        impl Campo for $name {
            type Params = $params;
            type Value = $value;

            async fn cargar($service: &PagosService, $p: &$params, $ids: &[Uuid]) -> DomainResult<HashMap<Uuid, $value>> {
                $body
            }
        }
    };
}

async fn comisiones_filtradas(
    service: &PagosService,
    dimension: DimensionComision,
    lista: &Lista<EstadoComision>,
    ids: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<Comision>>> {
    service
        .repo()
        .comisiones_por_entidad(dimension, ids, lista.limite, lista.estado)
        .await
}

campo!(
    /// `Afiliado.comisiones`.
    ComisionesDeAfiliado, Lista<EstadoComision>, Vec<Comision>,
    |service, p, ids| comisiones_filtradas(service, DimensionComision::Afiliado, p, ids).await
);
campo!(
    /// `Campania.comisiones`.
    ComisionesDeCampania, Lista<EstadoComision>, Vec<Comision>,
    |service, p, ids| comisiones_filtradas(service, DimensionComision::Campania, p, ids).await
);
campo!(
    /// `Pago.comisiones`.
    ComisionesDePago, (), Vec<Comision>,
    |service, _p, ids| service.repo().comisiones_por_entidad(DimensionComision::Pago, ids, u64::MAX, None).await
);
campo!(
    /// `Afiliado.pagos`.
    PagosDeAfiliado, u64, Vec<Pago>,
    |service, limite, ids| service.repo().pagos_por_afiliado(ids, *limite).await
);
campo!(
    /// `Afiliado.saldoPendiente`.
    SaldoDeAfiliado, (), Vec<Dinero>,
    |service, _p, ids| service.repo().saldos(ids).await
);
campo!(
    /// `Cliente.pagosRecientes`.
    PagosDeCliente, u64, Vec<Pago>,
    |service, limite, ids| service.repo().pagos_por_cliente(ids, *limite, false).await
);
campo!(
    /// `Cliente.ultimoPago`.
    UltimoPagoDeCliente, (), Pago,
    |service, _p, ids| Ok(service
        .repo()
        .pagos_por_cliente(ids, 1, true)
        .await?
        .into_iter()
        .filter_map(|(id, mut pagos)| pagos.pop().map(|p| (id, p)))
        .collect())
);
campo!(
    /// `Cliente.totalPagos`.
    TotalPagosDeCliente, (), u64,
    |service, _p, ids| service.repo().total_pagos_cliente(ids).await
);
campo!(
    /// `Conversion.comision`.
    ComisionDeConversion, (), Comision,
    |service, _p, ids| service.repo().comisiones_por_conversion(ids).await
);
campo!(
    /// `Pago.transacciones`.
    TransaccionesDePago, (), Vec<Transaccion>,
    |service, _p, ids| service.repo().transacciones(ids).await
);
campo!(
    /// `Pago.auditoria`.
    AuditoriaDePago, (), Vec<EntradaAuditoria>,
    |service, _p, ids| service.repo().auditoria(ids).await
);
campo!(
    /// `Comision.reversion`, with the state of the payout that paid its commission.
    ReversionDeComision, (), (Reversion, EstadoPago),
    |service, _p, ids| service.repo().reversiones_de_comisiones(ids).await
);
campo!(
    /// `Comision.auditoria`.
    AuditoriaDeComision, (), Vec<EntradaAuditoriaComision>,
    |service, _p, ids| service.repo().auditoria_comisiones(ids).await
);
campo!(
    /// A payout by id (entity resolver, `Comision.pago`).
    PagoPorId, (), Pago,
    |service, _p, ids| service.pagos_por_ids(ids).await
);
campo!(
    /// A commission by id (entity resolver).
    ComisionPorId, (), Comision,
    |service, _p, ids| service.repo().comisiones_por_ids(ids).await
);
