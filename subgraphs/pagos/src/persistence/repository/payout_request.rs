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

    async fn reservar_reversiones(&mut self, pago: &Pago) -> DomainResult<Vec<Reversion>> {
        use reversion::Column as R;
        let deducibles = || {
            Condition::all()
                .add(R::AfiliadoId.eq(pago.afiliado_id))
                .add(R::Moneda.eq(pago.monto_total.moneda().codigo()))
                .add(R::PendienteMinor.gt(0))
                .add(R::PagoOrigenId.in_subquery(pagos_exitosos()))
        };
        // Touching the rows first locks them (PostgreSQL): a concurrent payout waits here
        // until this one commits, then reads what is left. SQLite already holds its
        // write lock since the payout's INSERT.
        Reversiones::update_many()
            .col_expr(R::Version, Expr::col(R::Version).add(1))
            .filter(deducibles())
            .exec(&self.txn)
            .await
            .map_err(db::internal)?;
        Reversiones::find()
            .filter(deducibles())
            .order_by(R::FechaCreacion, Order::Asc)
            .order_by(R::Id, Order::Asc)
            .all(&self.txn)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(reversion_to_domain)
            .collect()
    }

    async fn guardar(&mut self, cambio: &CambioPago) -> DomainResult<()> {
        use reversion::Column as R;
        for aplicada in &cambio.reversiones {
            let monto = crate::persistence::mapping::minor(&aplicada.monto)?;
            let descontada = Reversiones::update_many()
                .col_expr(R::PendienteMinor, Expr::col(R::PendienteMinor).sub(monto))
                .col_expr(R::Version, Expr::col(R::Version).add(1))
                .col_expr(R::FechaActualizacion, Expr::val(cambio.pago.fecha_creacion))
                .filter(R::Id.eq(aplicada.reversion_id))
                .filter(R::PendienteMinor.gte(monto))
                .exec(&self.txn)
                .await
                .map_err(db::internal)?;
            if descontada.rows_affected != 1 {
                return Err(DomainError::internal(format!(
                    "clawback {} changed while payout {} deducted it",
                    aplicada.reversion_id, cambio.pago.id
                )));
            }
        }
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
