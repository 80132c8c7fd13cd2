//! The unit of work of one payout request: a transaction the use case drives step by step
//! (insert, reserve, save); it only writes what it is given.

use super::{ledger::escribir_movimientos, *};

/// A payout request in progress over its own transaction.
pub(super) struct SolicitudSea {
    txn: DatabaseTransaction,
}

impl SolicitudSea {
    pub(super) fn new(txn: DatabaseTransaction) -> Self {
        Self { txn }
    }
}

#[async_trait]
impl SolicitudEnCurso for SolicitudSea {
    async fn insertar(&mut self, pago: &Pago) -> DomainResult<bool> {
        // No conflict target: both unique constraints (key; partner + cycle) count. The
        // INSERT comes first: SQLite takes its write lock at once (a later upgrade could
        // fail), PostgreSQL makes a concurrent duplicate wait for this transaction.
        let insert = Pagos::insert(pago_to_active(pago)?)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .into_query();
        let inserted = self
            .txn
            .execute(&insert)
            .await
            .map_err(db::internal)?
            .rows_affected();
        Ok(inserted == 1)
    }

    async fn reservar_comisiones(&mut self, pago: &Pago) -> DomainResult<Vec<Comision>> {
        use comision::Column as K;
        // Only rows still unreserved match, so a commission joins one payout.
        Comisiones::update_many()
            .col_expr(K::PagoId, Expr::val(pago.id))
            .col_expr(K::Version, Expr::col(K::Version).add(1))
            .col_expr(K::FechaActualizacion, Expr::val(pago.fecha_creacion))
            .filter(K::AfiliadoId.eq(pago.afiliado_id))
            .filter(K::Estado.eq(EstadoComision::Aprobada.codigo()))
            .filter(K::PagoId.is_null())
            .filter(K::Moneda.eq(pago.monto_total.moneda().codigo()))
            .exec(&self.txn)
            .await
            .map_err(db::internal)?;
        Comisiones::find()
            .filter(K::PagoId.eq(pago.id))
            .order_by(K::FechaCreacion, Order::Asc)
            .all(&self.txn)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(comision_to_domain)
            .collect()
    }

    async fn guardar(&mut self, cambio: &CambioPago) -> DomainResult<()> {
        Pagos::update_many()
            .col_expr(
                pago::Column::MontoMinor,
                Expr::val(crate::persistence::mapping::minor(
                    &cambio.pago.monto_total,
                )?),
            )
            .filter(pago::Column::Id.eq(cambio.pago.id))
            .exec(&self.txn)
            .await
            .map_err(db::internal)?;
        escribir_movimientos(&self.txn, cambio).await?;
        outbox::append(&self.txn, &cambio.eventos)
            .await
            .map_err(db::internal)
    }

    async fn confirmar(self: Box<Self>) -> DomainResult<()> {
        outbox::commit(self.txn).await.map_err(db::internal)
    }

    async fn deshacer(self: Box<Self>) -> DomainResult<()> {
        self.txn.rollback().await.map_err(db::internal)
    }
}
