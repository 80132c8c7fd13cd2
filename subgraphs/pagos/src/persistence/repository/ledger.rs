//! The ledger: money movements and audit trails of payouts.

use super::*;

#[async_trait]
impl MovimientosRepository for SeaPagosRepository {
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

pub(super) async fn escribir_movimientos(
    txn: &DatabaseTransaction,
    cambio: &CambioPago,
) -> DomainResult<()> {
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
