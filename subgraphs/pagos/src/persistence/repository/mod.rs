//! The SeaORM adapter of [`crate::domain::PagosRepository`] (SQLite and PostgreSQL), one module per
//! aggregate: commissions, payouts, the ledger and reports; the queries they share are here.

pub(crate) mod commissions;
mod ledger;
mod payout_request;
mod payouts;
mod reports;

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TransactionTrait,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Func, JoinType, OnConflict, Order, Query, SelectStatement,
    },
};
use subgraph_kit::{
    Dinero, DomainError, DomainResult, Moneda, Page, PageRequest, db, messaging::outbox,
};
use uuid::Uuid;

use super::{
    entities::{
        afiliado_proyeccion::Entity as Afiliados,
        auditoria::{self, Entity as Auditorias},
        auditoria_comision::{self, Entity as AuditoriasComision},
        campania_proyeccion::Entity as Campanias,
        comision::{self, Entity as Comisiones},
        pago::{self, Entity as Pagos},
        reversion::{self, Entity as Reversiones},
        transaccion::{self, Entity as Transacciones},
    },
    mapping::{
        auditoria_comision_to_active, auditoria_comision_to_domain, auditoria_to_active,
        auditoria_to_domain, comision_to_active, comision_to_domain, dinero, moneda,
        pago_to_active, pago_to_domain, reversion_to_domain, tarifa_afiliado, tarifa_campania,
        transaccion_to_active, transaccion_to_domain,
    },
};
use crate::domain::{
    Agregaciones, CambioComision, CambioPago, Comision, ComisionRepository, DimensionComision,
    EfectoComisiones, EntradaAuditoria, EntradaAuditoriaComision, EstadoComision, EstadoPago,
    FilaCampania, FilaEstado, FiltroComisiones, FiltroPagos, FiltroReporte, MovimientosRepository,
    Pago, PagoRepository, ReporteRepository, Reversion, SolicitudEnCurso, TarifaAfiliado,
    TarifaCampania, TipoTransaccion, Transaccion, VersionReporte, auditoria_reclamo,
};

/// Commissions, payouts and projections in a SQLite or PostgreSQL database.
pub struct SeaPagosRepository {
    db: DatabaseConnection,
}

impl SeaPagosRepository {
    /// A repository over a migrated database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }
}

/// The latest `limite` rows of each `grupo` of `inner` (latest `fecha`, then `id`, first).
fn ultimos_por_grupo(
    inner: SelectStatement,
    grupo: Expr,
    fecha: Expr,
    id: Expr,
    limite: u64,
) -> SelectStatement {
    db::first_per_group(
        inner,
        grupo,
        [(fecha, Order::Desc), (id, Order::Desc)],
        limite,
    )
}

/// Runs a grouped statement and splits its rows by the `grupo` column.
async fn agrupar<M: FromQueryResult, T>(
    db: &DatabaseConnection,
    statement: &SelectStatement,
    convertir: impl Fn(M) -> DomainResult<T>,
) -> DomainResult<HashMap<Uuid, Vec<T>>> {
    let rows = db.query_all(statement).await.map_err(db::internal)?;
    let mut grupos: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        let grupo: Uuid = row.try_get("", "grupo").map_err(db::internal)?;
        let model = M::from_query_result(&row, "").map_err(db::internal)?;
        grupos.entry(grupo).or_default().push(convertir(model)?);
    }
    Ok(grupos)
}

/// `valor` bound of each currency in minor units (`ceil` for a minimum, `floor` for a
/// maximum), so a payout's own scale decides.
fn umbral(valor: Decimal, moneda: Moneda, minimo: bool) -> i64 {
    // A bound beyond any storable amount matches all or nothing: saturate instead of
    // overflowing (`*` on a decimal panics on overflow).
    let saturado = if minimo { i64::MAX } else { i64::MIN };
    let Some(escalado) = valor.checked_mul(Decimal::from(10i64.pow(moneda.escala()))) else {
        return saturado;
    };
    let redondeado = escalado.round_dp_with_strategy(
        0,
        if minimo {
            RoundingStrategy::ToPositiveInfinity
        } else {
            RoundingStrategy::ToNegativeInfinity
        },
    );
    i64::try_from(redondeado).unwrap_or(saturado)
}

fn condicion_pagos(f: &FiltroPagos) -> Condition {
    use pago::Column as P;
    let mut c = Condition::all();
    if let Some(id) = f.afiliado_id {
        c = c.add(P::AfiliadoId.eq(id));
    }
    if let Some(estado) = f.estado {
        c = c.add(P::Estado.eq(estado.codigo()));
    }
    if let Some(desde) = f.desde {
        c = c.add(P::FechaCreacion.gte(desde));
    }
    if let Some(hasta) = f.hasta {
        c = c.add(P::FechaCreacion.lte(hasta));
    }
    if let Some(m) = f.moneda {
        c = c.add(P::Moneda.eq(m.codigo()));
    }
    for (limite, minimo) in [(f.monto_min, true), (f.monto_max, false)] {
        let Some(valor) = limite else { continue };
        let mut por_moneda = Condition::any();
        for m in Moneda::ALL {
            let t = umbral(valor, m, minimo);
            let cmp = if minimo {
                P::MontoMinor.gte(t)
            } else {
                P::MontoMinor.lte(t)
            };
            por_moneda = por_moneda.add(Condition::all().add(P::Moneda.eq(m.codigo())).add(cmp));
        }
        c = c.add(por_moneda);
    }
    c
}

/// `expr IN ids` for a qualified column (joins): one array parameter on PostgreSQL.
fn en(backend: DbBackend, expr: Expr, ids: &[Uuid]) -> Expr {
    use sea_orm::sea_query::extension::postgres::PgFunc;
    match backend {
        DbBackend::Postgres => expr.eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => expr.is_in(ids.iter().copied()),
    }
}

/// Sum of minor units as BIGINT on both backends (PostgreSQL's SUM of BIGINT is NUMERIC).
/// The ids of the payouts paid: a clawback of a commission they paid can be deducted.
fn pagos_exitosos() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(pago::Column::Id)
        .from(Pagos)
        .and_where(Expr::col(pago::Column::Estado).eq(EstadoPago::Exitoso.codigo()))
        .to_owned()
}

fn suma(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::from(Func::cast_as(
        Func::sum(Expr::col(col)),
        Alias::new("BIGINT"),
    ))
}

#[derive(FromQueryResult)]
struct FilaAgregada {
    estado: String,
    moneda: String,
    cantidad: i64,
    suma: Option<i64>,
}

async fn filas_por_estado(
    db: &DatabaseConnection,
    condicion: Condition,
) -> DomainResult<Vec<FilaEstado>> {
    use pago::Column as P;
    let rows = Pagos::find()
        .select_only()
        .column_as(P::Estado, "estado")
        .column_as(P::Moneda, "moneda")
        .column_as(Expr::cust("COUNT(*)"), "cantidad")
        .column_as(suma(P::MontoMinor), "suma")
        .filter(condicion)
        .group_by(P::Estado)
        .group_by(P::Moneda)
        .into_model::<FilaAgregada>()
        .all(db)
        .await
        .map_err(db::internal)?;
    rows.into_iter()
        .map(|r| {
            Ok(FilaEstado {
                estado: super::mapping::codigo(
                    "pagos.estado",
                    &r.estado,
                    EstadoPago::desde_codigo,
                )?,
                moneda: moneda("pagos.moneda", &r.moneda)?,
                cantidad: u64::try_from(r.cantidad).unwrap_or(0),
                suma_minor: r.suma.unwrap_or(0),
            })
        })
        .collect()
}
