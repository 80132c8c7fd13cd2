//! The SeaORM adapter of [`PagosRepository`] (SQLite and PostgreSQL).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{
    Dinero, DomainError, DomainResult, Moneda, Page, PageRequest, db, events::EventEnvelope,
    messaging::outbox,
};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TransactionTrait,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Func, JoinType, OnConflict, Order, Query, SelectStatement,
    },
};
use uuid::Uuid;

use super::{
    entities::{
        afiliado_proyeccion::Entity as Afiliados,
        auditoria::{self, Entity as Auditorias},
        comision::{self, Entity as Comisiones},
        pago::{self, Entity as Pagos},
        transaccion::{self, Entity as Transacciones},
    },
    mapping::{
        auditoria_to_active, auditoria_to_domain, comision_to_active, comision_to_domain, dinero,
        moneda, pago_to_active, pago_to_domain, tarifa_afiliado, transaccion_to_active,
        transaccion_to_domain,
    },
};
use crate::domain::{
    Agregaciones, CambioPago, Comision, DimensionComision, EfectoComisiones, EntradaAuditoria,
    EstadoComision, EstadoPago, FilaCampania, FilaEstado, FiltroComisiones, FiltroPagos,
    FiltroReporte, Pago, PagosRepository, Preparar, ResultadoSolicitud, TarifaAfiliado,
    TipoTransaccion, Transaccion, VersionReporte, auditoria_reclamo,
};

/// Key of the active report version in `ajustes`.
const CLAVE_VERSION_REPORTE: &str = "reporte_pagos.version";

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

    /// Rows whose `column` is one of `ids` (one statement), converted and keyed by `clave`.
    async fn por_columna<E: EntityTrait, T>(
        &self,
        column: E::Column,
        ids: &[Uuid],
        convertir: impl Fn(E::Model) -> DomainResult<T>,
        clave: impl Fn(&T) -> Uuid,
    ) -> DomainResult<HashMap<Uuid, T>>
    where
        E::Model: Sync,
    {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        E::find()
            .filter(db::id_in(self.backend(), column, ids))
            .all(&self.db)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(|row| convertir(row).map(|item| (clave(&item), item)))
            .collect()
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

/// Groups converted rows by their payout, keeping their order.
fn por_pago<T>(
    rows: impl Iterator<Item = DomainResult<T>>,
    pago: impl Fn(&T) -> Uuid,
) -> DomainResult<HashMap<Uuid, Vec<T>>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        let item = row?;
        out.entry(pago(&item)).or_default().push(item);
    }
    Ok(out)
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

fn filtrar_comisiones(f: &FiltroComisiones) -> sea_orm::Select<Comisiones> {
    use comision::Column as K;
    let mut q = Comisiones::find();
    if let Some(id) = f.afiliado_id {
        q = q.filter(K::AfiliadoId.eq(id));
    }
    if let Some(id) = f.campania_id {
        q = q.filter(K::CampaniaId.eq(id));
    }
    if let Some(estado) = f.estado {
        q = q.filter(K::Estado.eq(estado.codigo()));
    }
    if let Some(desde) = f.desde {
        q = q.filter(K::FechaCreacion.gte(desde));
    }
    if let Some(hasta) = f.hasta {
        q = q.filter(K::FechaCreacion.lte(hasta));
    }
    q.order_by(K::FechaCreacion, Order::Desc)
        .order_by(K::Id, Order::Desc)
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

fn condicion_reporte(f: &FiltroReporte) -> Condition {
    condicion_pagos(&FiltroPagos {
        afiliado_id: f.afiliado_id,
        estado: f.estado,
        desde: f.desde,
        hasta: f.hasta,
        ..FiltroPagos::default()
    })
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

async fn escribir_movimientos(txn: &DatabaseTransaction, cambio: &CambioPago) -> DomainResult<()> {
    if !cambio.transacciones.is_empty() {
        for chunk in cambio.transacciones.chunks(500) {
            let rows = chunk
                .iter()
                .map(transaccion_to_active)
                .collect::<DomainResult<Vec<_>>>()?;
            Transacciones::insert_many(rows)
                .exec_without_returning(txn)
                .await
                .map_err(db::internal)?;
        }
    }
    if !cambio.auditoria.is_empty() {
        Auditorias::insert_many(cambio.auditoria.iter().map(auditoria_to_active))
            .exec_without_returning(txn)
            .await
            .map_err(db::internal)?;
    }
    Ok(())
}

#[async_trait]
impl PagosRepository for SeaPagosRepository {
    async fn tarifa_afiliado(&self, id: Uuid) -> DomainResult<Option<TarifaAfiliado>> {
        Afiliados::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .map(tarifa_afiliado)
            .transpose()
    }

    async fn comisiones_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Comision>> {
        self.por_columna::<Comisiones, _>(comision::Column::Id, ids, comision_to_domain, |c| c.id)
            .await
    }

    async fn comisiones_por_conversion(
        &self,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Comision>> {
        self.por_columna::<Comisiones, _>(
            comision::Column::ConversionId,
            ids,
            comision_to_domain,
            |c| c.conversion_id,
        )
        .await
    }

    async fn listar_comisiones(
        &self,
        filtro: &FiltroComisiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Comision>> {
        let (rows, total) = db::fetch_page(&self.db, filtrar_comisiones(filtro), pagina).await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(comision_to_domain)
                .collect::<DomainResult<_>>()?,
            request: pagina,
            total,
        })
    }

    async fn exportar_comisiones(
        &self,
        filtro: &FiltroComisiones,
        limite: u64,
    ) -> DomainResult<Vec<Comision>> {
        filtrar_comisiones(filtro)
            .limit(limite)
            .all(&self.db)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(comision_to_domain)
            .collect()
    }

    async fn comisiones_por_entidad(
        &self,
        dimension: DimensionComision,
        ids: &[Uuid],
        limite: u64,
        estado: Option<EstadoComision>,
    ) -> DomainResult<HashMap<Uuid, Vec<Comision>>> {
        use comision::Column as K;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let backend = self.backend();
        let statement = match dimension {
            DimensionComision::Afiliado | DimensionComision::Campania => {
                let col = if dimension == DimensionComision::Afiliado {
                    K::AfiliadoId
                } else {
                    K::CampaniaId
                };
                let mut inner = Comisiones::find().filter(db::id_in(backend, col, ids));
                if let Some(estado) = estado {
                    inner = inner.filter(K::Estado.eq(estado.codigo()));
                }
                let mut inner = inner.into_query();
                inner.expr_as(Expr::col(col), Alias::new("grupo"));
                ultimos_por_grupo(
                    inner,
                    Expr::col(col),
                    Expr::col(K::FechaCreacion),
                    Expr::col(K::Id),
                    limite,
                )
            }
            DimensionComision::Pago => {
                // The commissions a payout included, from its COMISION movements.
                Query::select()
                    .column((Comisiones, Asterisk))
                    .expr_as(
                        Expr::col((Transacciones, transaccion::Column::PagoId)),
                        Alias::new("grupo"),
                    )
                    .from(Comisiones)
                    .inner_join(
                        Transacciones,
                        Expr::col((Transacciones, transaccion::Column::ComisionId))
                            .equals((Comisiones, K::Id)),
                    )
                    .and_where(en(
                        backend,
                        Expr::col((Transacciones, transaccion::Column::PagoId)),
                        ids,
                    ))
                    .and_where(
                        Expr::col((Transacciones, transaccion::Column::Tipo))
                            .eq(TipoTransaccion::Comision.codigo()),
                    )
                    .order_by((Comisiones, K::FechaCreacion), Order::Asc)
                    .to_owned()
            }
        };
        agrupar::<comision::Model, _>(&self.db, &statement, comision_to_domain).await
    }

    async fn guardar_comision(
        &self,
        c: &Comision,
        version_anterior: i64,
        eventos: &[EventEnvelope],
    ) -> DomainResult<()> {
        use comision::Column as K;
        let txn = self.db.begin().await.map_err(db::internal)?;
        let result = Comisiones::update_many()
            .set(comision_to_active(c)?)
            .filter(K::Id.eq(c.id))
            .filter(K::Version.eq(version_anterior))
            .exec(&txn)
            .await
            .map_err(db::internal)?;
        if result.rows_affected == 0 {
            return Err(DomainError::Conflict(
                "La comisión fue modificada por otra operación; vuelva a intentarlo".into(),
            ));
        }
        outbox::append_and_commit(txn, eventos)
            .await
            .map_err(db::internal)
    }

    async fn saldos(&self, afiliado_ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Dinero>>> {
        use comision::Column as K;
        if afiliado_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let statement = Comisiones::find()
            .select_only()
            .column_as(K::AfiliadoId, "grupo")
            .column_as(K::Moneda, "moneda")
            .column_as(suma(K::MontoMinor), "suma")
            .filter(db::id_in(self.backend(), K::AfiliadoId, afiliado_ids))
            .filter(K::Estado.eq(EstadoComision::Aprobada.codigo()))
            .group_by(K::AfiliadoId)
            .group_by(K::Moneda)
            .order_by(K::Moneda, Order::Asc)
            .into_query();
        #[derive(FromQueryResult)]
        struct Saldo {
            moneda: String,
            suma: Option<i64>,
        }
        agrupar::<Saldo, _>(&self.db, &statement, |s| {
            dinero(s.suma.unwrap_or(0), moneda("comisiones.moneda", &s.moneda)?)
        })
        .await
    }

    async fn monedas_pagables(&self, afiliado_id: Uuid) -> DomainResult<Vec<Moneda>> {
        use comision::Column as K;
        let codigos: Vec<String> = Comisiones::find()
            .select_only()
            .column(K::Moneda)
            .distinct()
            .filter(K::AfiliadoId.eq(afiliado_id))
            .filter(K::Estado.eq(EstadoComision::Aprobada.codigo()))
            .filter(K::PagoId.is_null())
            .order_by(K::Moneda, Order::Asc)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        codigos
            .iter()
            .map(|c| moneda("comisiones.moneda", c))
            .collect()
    }

    async fn pago_existente(
        &self,
        clave: &str,
        afiliado_id: Uuid,
        ciclo: &str,
    ) -> DomainResult<Option<Pago>> {
        existente(&self.db, clave, afiliado_id, ciclo).await
    }

    async fn solicitar(
        &self,
        pago: Pago,
        preparar: &Preparar<'_>,
    ) -> DomainResult<ResultadoSolicitud> {
        use comision::Column as K;
        // No conflict target: both unique constraints (key; partner + cycle) count.
        let insert = Pagos::insert(pago_to_active(&pago)?)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .into_query();
        let txn = self.db.begin().await.map_err(db::internal)?;
        // The INSERT comes first: SQLite takes its write lock at once (a later upgrade
        // could fail), PostgreSQL makes a concurrent duplicate wait for this transaction.
        let inserted = txn
            .execute(&insert)
            .await
            .map_err(db::internal)?
            .rows_affected();
        if inserted == 0 {
            txn.rollback().await.map_err(db::internal)?;
            let row = existente(
                &self.db,
                pago.clave.as_str(),
                pago.afiliado_id,
                pago.ciclo.as_str(),
            )
            .await?
            .ok_or_else(|| DomainError::internal("conflicting payout vanished"))?;
            return Ok(ResultadoSolicitud::Existente(Box::new(row)));
        }
        // Reserve: only rows still unreserved match, so a commission joins one payout.
        Comisiones::update_many()
            .col_expr(K::PagoId, Expr::val(pago.id))
            .col_expr(K::Version, Expr::col(K::Version).add(1))
            .col_expr(K::FechaActualizacion, Expr::val(pago.fecha_creacion))
            .filter(K::AfiliadoId.eq(pago.afiliado_id))
            .filter(K::Estado.eq(EstadoComision::Aprobada.codigo()))
            .filter(K::PagoId.is_null())
            .filter(K::Moneda.eq(pago.monto_total.moneda().codigo()))
            .exec(&txn)
            .await
            .map_err(db::internal)?;
        let reservadas = Comisiones::find()
            .filter(K::PagoId.eq(pago.id))
            .order_by(K::FechaCreacion, Order::Asc)
            .all(&txn)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(comision_to_domain)
            .collect::<DomainResult<Vec<_>>>()?;
        let cambio = match preparar(pago, &reservadas) {
            Ok(cambio) => cambio,
            Err(error) => {
                txn.rollback().await.map_err(db::internal)?;
                return Err(error);
            }
        };
        Pagos::update_many()
            .col_expr(
                pago::Column::MontoMinor,
                Expr::val(super::mapping::minor(&cambio.pago.monto_total)?),
            )
            .filter(pago::Column::Id.eq(cambio.pago.id))
            .exec(&txn)
            .await
            .map_err(db::internal)?;
        escribir_movimientos(&txn, &cambio).await?;
        outbox::append_and_commit(txn, &cambio.eventos)
            .await
            .map_err(db::internal)?;
        Ok(ResultadoSolicitud::Nuevo(Box::new(cambio.pago)))
    }

    async fn reclamar(
        &self,
        ahora: DateTime<Utc>,
        lease_hasta: DateTime<Utc>,
        token: Uuid,
        limite: u64,
    ) -> DomainResult<Vec<Pago>> {
        use pago::Column as P;
        let vencido = || {
            Condition::all()
                .add(P::Estado.is_in([
                    EstadoPago::Pendiente.codigo(),
                    EstadoPago::Procesando.codigo(),
                ]))
                .add(P::ProximoIntento.lte(ahora))
                .add(
                    Condition::any()
                        .add(P::LeaseHasta.is_null())
                        .add(P::LeaseHasta.lt(ahora)),
                )
        };
        let candidatos: Vec<Uuid> = Pagos::find()
            .select_only()
            .column(P::Id)
            .filter(vencido())
            .order_by(P::ProximoIntento, Order::Asc)
            .limit(limite)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let mut reclamados = Vec::with_capacity(candidatos.len());
        for id in candidatos {
            let txn = self.db.begin().await.map_err(db::internal)?;
            // Conditional on still being due: of two workers, one matches the row.
            let tomado = Pagos::update_many()
                .col_expr(P::Estado, Expr::val(EstadoPago::Procesando.codigo()))
                .col_expr(P::Intentos, Expr::col(P::Intentos).add(1))
                .col_expr(P::LeaseToken, Expr::val(token))
                .col_expr(P::LeaseHasta, Expr::val(lease_hasta))
                .col_expr(P::FechaActualizacion, Expr::val(ahora))
                .filter(P::Id.eq(id))
                .filter(vencido())
                .exec(&txn)
                .await
                .map_err(db::internal)?;
            if tomado.rows_affected == 0 {
                txn.rollback().await.map_err(db::internal)?;
                continue;
            }
            let row = Pagos::find_by_id(id)
                .one(&txn)
                .await
                .map_err(db::internal)?
                .ok_or_else(|| DomainError::internal("claimed payout vanished"))?;
            let pago = pago_to_domain(row)?;
            Auditorias::insert(auditoria_to_active(&auditoria_reclamo(&pago, ahora)))
                .exec_without_returning(&txn)
                .await
                .map_err(db::internal)?;
            txn.commit().await.map_err(db::internal)?;
            reclamados.push(pago);
        }
        Ok(reclamados)
    }

    async fn liquidar(&self, cambio: &CambioPago, token: Uuid) -> DomainResult<bool> {
        use comision::Column as K;
        use pago::Column as P;
        let p = &cambio.pago;
        let txn = self.db.begin().await.map_err(db::internal)?;
        let escrito = Pagos::update_many()
            .col_expr(P::Estado, Expr::val(p.estado.codigo()))
            .col_expr(P::Confirmacion, Expr::val(p.confirmacion.clone()))
            .col_expr(P::MotivoFallo, Expr::val(p.motivo_fallo.clone()))
            .col_expr(P::ProximoIntento, Expr::val(p.proximo_intento))
            .col_expr(P::FechaActualizacion, Expr::val(p.fecha_actualizacion))
            .col_expr(P::FechaCompletado, Expr::val(p.fecha_completado))
            .col_expr(P::LeaseToken, Expr::val(Option::<Uuid>::None))
            .col_expr(P::LeaseHasta, Expr::val(Option::<DateTime<Utc>>::None))
            .filter(P::Id.eq(p.id))
            .filter(P::LeaseToken.eq(token))
            .filter(P::Estado.eq(EstadoPago::Procesando.codigo()))
            .exec(&txn)
            .await
            .map_err(db::internal)?;
        if escrito.rows_affected == 0 {
            txn.rollback().await.map_err(db::internal)?;
            return Ok(false);
        }
        let comisiones = Comisiones::update_many()
            .col_expr(K::Version, Expr::col(K::Version).add(1))
            .col_expr(K::FechaActualizacion, Expr::val(p.fecha_actualizacion))
            .filter(K::PagoId.eq(p.id))
            .filter(K::Estado.eq(EstadoComision::Aprobada.codigo()));
        match cambio.comisiones {
            EfectoComisiones::Ninguno => {}
            EfectoComisiones::Pagar => {
                comisiones
                    .col_expr(K::Estado, Expr::val(EstadoComision::Pagada.codigo()))
                    .exec(&txn)
                    .await
                    .map_err(db::internal)?;
            }
            EfectoComisiones::Liberar => {
                comisiones
                    .col_expr(K::PagoId, Expr::val(Option::<Uuid>::None))
                    .exec(&txn)
                    .await
                    .map_err(db::internal)?;
            }
        }
        escribir_movimientos(&txn, cambio).await?;
        outbox::append_and_commit(txn, &cambio.eventos)
            .await
            .map_err(db::internal)?;
        Ok(true)
    }

    async fn pagos_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Pago>> {
        self.por_columna::<Pagos, _>(pago::Column::Id, ids, pago_to_domain, |p| p.id)
            .await
    }

    async fn listar_pagos(
        &self,
        filtro: &FiltroPagos,
        pagina: PageRequest,
    ) -> DomainResult<(Page<Pago>, Agregaciones)> {
        use pago::Column as P;
        let condicion = condicion_pagos(filtro);
        let query = Pagos::find()
            .filter(condicion.clone())
            .order_by(P::FechaCreacion, Order::Desc)
            .order_by(P::Id, Order::Desc);
        let rows = query
            .offset(pagina.offset())
            .limit(pagina.per_page())
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let filas = filas_por_estado(&self.db, condicion).await?;
        let mut agregaciones = Agregaciones::default();
        let mut totales: std::collections::BTreeMap<Moneda, i64> = Default::default();
        let mut total = 0u64;
        for f in &filas {
            total += f.cantidad;
            match f.estado {
                EstadoPago::Exitoso => agregaciones.completados += f.cantidad,
                EstadoPago::Fallido => agregaciones.fallidos += f.cantidad,
                EstadoPago::Pendiente | EstadoPago::Procesando => {
                    agregaciones.pendientes += f.cantidad
                }
            }
            let t = totales.entry(f.moneda).or_default();
            *t = t
                .checked_add(f.suma_minor)
                .ok_or_else(|| DomainError::internal("sum overflow"))?;
        }
        agregaciones.total_monto = totales
            .into_iter()
            .map(|(m, s)| dinero(s, m))
            .collect::<DomainResult<_>>()?;
        Ok((
            Page {
                items: rows
                    .into_iter()
                    .map(pago_to_domain)
                    .collect::<DomainResult<_>>()?,
                request: pagina,
                total,
            },
            agregaciones,
        ))
    }

    async fn pagos_por_afiliado(
        &self,
        ids: &[Uuid],
        limite: u64,
    ) -> DomainResult<HashMap<Uuid, Vec<Pago>>> {
        use pago::Column as P;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut inner = Pagos::find()
            .filter(db::id_in(self.backend(), P::AfiliadoId, ids))
            .into_query();
        inner.expr_as(Expr::col(P::AfiliadoId), Alias::new("grupo"));
        let statement = ultimos_por_grupo(
            inner,
            Expr::col(P::AfiliadoId),
            Expr::col(P::FechaCreacion),
            Expr::col(P::Id),
            limite,
        );
        agrupar::<pago::Model, _>(&self.db, &statement, pago_to_domain).await
    }

    async fn pagos_por_cliente(
        &self,
        ids: &[Uuid],
        limite: u64,
        solo_exitosos: bool,
    ) -> DomainResult<HashMap<Uuid, Vec<Pago>>> {
        use pago::Column as P;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut inner = Query::select()
            .column((Pagos, Asterisk))
            .expr_as(
                Expr::col((Alias::new("d"), Alias::new("grupo"))),
                Alias::new("grupo"),
            )
            .from(Pagos)
            .join_subquery(
                JoinType::InnerJoin,
                financiados(self.backend(), ids),
                Alias::new("d"),
                Expr::col((Alias::new("d"), Alias::new("pago_id"))).equals((Pagos, P::Id)),
            )
            .to_owned();
        if solo_exitosos {
            inner.and_where(Expr::col((Pagos, P::Estado)).eq(EstadoPago::Exitoso.codigo()));
        }
        let statement = ultimos_por_grupo(
            inner,
            Expr::col((Alias::new("d"), Alias::new("grupo"))),
            Expr::col((Pagos, P::FechaCreacion)),
            Expr::col((Pagos, P::Id)),
            limite,
        );
        agrupar::<pago::Model, _>(&self.db, &statement, pago_to_domain).await
    }

    async fn total_pagos_cliente(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, u64>> {
        use pago::Column as P;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let statement = Query::select()
            .expr_as(
                Expr::col((Alias::new("d"), Alias::new("grupo"))),
                Alias::new("grupo"),
            )
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from(Pagos)
            .join_subquery(
                JoinType::InnerJoin,
                financiados(self.backend(), ids),
                Alias::new("d"),
                Expr::col((Alias::new("d"), Alias::new("pago_id"))).equals((Pagos, P::Id)),
            )
            .and_where(Expr::col((Pagos, P::Estado)).eq(EstadoPago::Exitoso.codigo()))
            .group_by_col((Alias::new("d"), Alias::new("grupo")))
            .to_owned();
        let rows = self.db.query_all(&statement).await.map_err(db::internal)?;
        rows.into_iter()
            .map(|r| {
                let grupo: Uuid = r.try_get("", "grupo").map_err(db::internal)?;
                let n: i64 = r.try_get("", "n").map_err(db::internal)?;
                Ok((grupo, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    async fn transacciones(
        &self,
        pago_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<Transaccion>>> {
        if pago_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = Transacciones::find()
            .filter(db::id_in(
                self.backend(),
                transaccion::Column::PagoId,
                pago_ids,
            ))
            .order_by(transaccion::Column::Fecha, Order::Asc)
            .order_by(transaccion::Column::Id, Order::Asc)
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        por_pago(rows.into_iter().map(transaccion_to_domain), |t| t.pago_id)
    }

    async fn auditoria(
        &self,
        pago_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EntradaAuditoria>>> {
        if pago_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = Auditorias::find()
            .filter(db::id_in(
                self.backend(),
                auditoria::Column::PagoId,
                pago_ids,
            ))
            .order_by(auditoria::Column::Seq, Order::Asc)
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        por_pago(rows.into_iter().map(|r| Ok(auditoria_to_domain(r))), |a| {
            a.pago_id
        })
    }

    async fn filas_reporte(&self, filtro: &FiltroReporte) -> DomainResult<Vec<FilaEstado>> {
        filas_por_estado(&self.db, condicion_reporte(filtro)).await
    }

    async fn filas_por_campania(&self, filtro: &FiltroReporte) -> DomainResult<Vec<FilaCampania>> {
        use comision::Column as K;
        use transaccion::Column as T;
        let statement = Query::select()
            .expr_as(
                Expr::col((Comisiones, K::CampaniaId)),
                Alias::new("campania_id"),
            )
            .expr_as(Expr::col((Transacciones, T::Moneda)), Alias::new("moneda"))
            .expr_as(
                Expr::cust("COUNT(DISTINCT transacciones.pago_id)"),
                Alias::new("pagos"),
            )
            .expr_as(suma((Transacciones, T::MontoMinor)), Alias::new("suma"))
            .from(Transacciones)
            .inner_join(
                Comisiones,
                Expr::col((Comisiones, K::Id)).equals((Transacciones, T::ComisionId)),
            )
            .inner_join(
                Pagos,
                Expr::col((Pagos, pago::Column::Id)).equals((Transacciones, T::PagoId)),
            )
            .and_where(Expr::col((Transacciones, T::Tipo)).eq(TipoTransaccion::Comision.codigo()))
            .cond_where(condicion_reporte(filtro))
            .group_by_col((Comisiones, K::CampaniaId))
            .group_by_col((Transacciones, T::Moneda))
            .to_owned();
        let rows = self.db.query_all(&statement).await.map_err(db::internal)?;
        rows.into_iter()
            .map(|r| {
                let codigo: String = r.try_get("", "moneda").map_err(db::internal)?;
                Ok(FilaCampania {
                    campania_id: r.try_get("", "campania_id").map_err(db::internal)?,
                    moneda: moneda("transacciones.moneda", &codigo)?,
                    pagos: u64::try_from(r.try_get::<i64>("", "pagos").map_err(db::internal)?)
                        .unwrap_or(0),
                    suma_minor: r
                        .try_get::<Option<i64>>("", "suma")
                        .map_err(db::internal)?
                        .unwrap_or(0),
                })
            })
            .collect()
    }

    async fn version_reporte(&self) -> DomainResult<Option<VersionReporte>> {
        let statement = Query::select()
            .column(Alias::new("valor"))
            .from(Alias::new("ajustes"))
            .and_where(Expr::col(Alias::new("clave")).eq(CLAVE_VERSION_REPORTE))
            .to_owned();
        let Some(row) = self.db.query_one(&statement).await.map_err(db::internal)? else {
            return Ok(None);
        };
        let valor: String = row.try_get("", "valor").map_err(db::internal)?;
        super::mapping::codigo("ajustes.valor", &valor, VersionReporte::desde_codigo).map(Some)
    }

    async fn fijar_version_reporte(&self, version: VersionReporte) -> DomainResult<()> {
        let statement = Query::insert()
            .into_table(Alias::new("ajustes"))
            .columns([Alias::new("clave"), Alias::new("valor")])
            .values_panic([CLAVE_VERSION_REPORTE.into(), version.codigo().into()])
            .on_conflict(
                OnConflict::column(Alias::new("clave"))
                    .update_column(Alias::new("valor"))
                    .to_owned(),
            )
            .to_owned();
        self.db.execute(&statement).await.map_err(db::internal)?;
        Ok(())
    }

    async fn buscar_pagos(
        &self,
        busqueda: &kernel::search::Busqueda,
    ) -> DomainResult<Vec<(Pago, i32)>> {
        use pago::Column as P;
        let columnas =
            [P::Ciclo, P::IdempotencyKey, P::Confirmacion].map(|c| Expr::col((Pagos, c)));
        let (relevancia, coincide) = db::code_relevance(&columnas, busqueda);
        let statement = Query::select()
            .column((Pagos, Asterisk))
            .expr_as(relevancia, Alias::new("relevancia"))
            .from(Pagos)
            .cond_where(coincide)
            .order_by_expr(Expr::cust("relevancia"), Order::Desc)
            .order_by((Pagos, P::FechaCreacion), Order::Desc)
            .limit(busqueda.limite())
            .to_owned();
        let rows = self.db.query_all(&statement).await.map_err(db::internal)?;
        rows.into_iter()
            .map(|row| {
                let relevancia: i32 = row.try_get("", "relevancia").map_err(db::internal)?;
                let model = pago::Model::from_query_result(&row, "").map_err(db::internal)?;
                Ok((pago_to_domain(model)?, relevancia))
            })
            .collect()
    }
}

/// The payout of `clave`, else the one of the partner's `ciclo`.
async fn existente<C: ConnectionTrait>(
    conn: &C,
    clave: &str,
    afiliado_id: Uuid,
    ciclo: &str,
) -> DomainResult<Option<Pago>> {
    let rows = Pagos::find()
        .filter(
            Condition::any()
                .add(pago::Column::IdempotencyKey.eq(clave))
                .add(
                    Condition::all()
                        .add(pago::Column::AfiliadoId.eq(afiliado_id))
                        .add(pago::Column::Ciclo.eq(ciclo)),
                ),
        )
        .all(conn)
        .await
        .map_err(db::internal)?;
    let (mut por_clave, mut por_ciclo) = (None, None);
    for row in rows {
        if row.idempotency_key == clave {
            por_clave = Some(row);
        } else {
            por_ciclo = Some(row);
        }
    }
    por_clave.or(por_ciclo).map(pago_to_domain).transpose()
}

/// The distinct (advertiser, payout) pairs of payouts paying commissions of these
/// advertisers' campaigns: columns `grupo` (advertiser) and `pago_id`.
fn financiados(backend: DbBackend, clientes: &[Uuid]) -> SelectStatement {
    use comision::Column as K;
    use transaccion::Column as T;
    Query::select()
        .distinct()
        .expr_as(Expr::col((Comisiones, K::ClienteId)), Alias::new("grupo"))
        .expr_as(Expr::col((Transacciones, T::PagoId)), Alias::new("pago_id"))
        .from(Transacciones)
        .inner_join(
            Comisiones,
            Expr::col((Comisiones, K::Id)).equals((Transacciones, T::ComisionId)),
        )
        .and_where(Expr::col((Transacciones, T::Tipo)).eq(TipoTransaccion::Comision.codigo()))
        .and_where(en(backend, Expr::col((Comisiones, K::ClienteId)), clientes))
        .to_owned()
}
