//! Reports: payout figures grouped by state and campaign, and the active report version.

use super::*;

#[async_trait]
impl ReporteRepository for SeaPagosRepository {
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
        crate::persistence::mapping::codigo("ajustes.valor", &valor, VersionReporte::desde_codigo)
            .map(Some)
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
}

/// Key of the active report version in `ajustes`.
const CLAVE_VERSION_REPORTE: &str = "reporte_pagos.version";

fn condicion_reporte(f: &FiltroReporte) -> Condition {
    condicion_pagos(&FiltroPagos {
        afiliado_id: f.afiliado_id,
        estado: f.estado,
        desde: f.desde,
        hasta: f.hasta,
        ..FiltroPagos::default()
    })
}
