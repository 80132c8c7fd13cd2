//! Commissions: reads, versioned saves, balances and the rates they are computed with.

use super::*;

#[async_trait]
impl ComisionRepository for SeaPagosRepository {
    async fn tarifa_afiliado(&self, id: Uuid) -> DomainResult<Option<TarifaAfiliado>> {
        Afiliados::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .map(tarifa_afiliado)
            .transpose()
    }

    async fn tarifa_campania(&self, id: Uuid) -> DomainResult<Option<TarifaCampania>> {
        Campanias::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .map(tarifa_campania)
            .transpose()
    }

    async fn posicion_en_campania(&self, comision: &Comision) -> DomainResult<u64> {
        posicion_en_campania(&self.db, comision).await
    }

    async fn crear_comision(&self, cambio: &CambioComision) -> DomainResult<bool> {
        let txn = self.db.begin().await.map_err(db::internal)?;
        let insert = Comisiones::insert(comision_to_active(&cambio.comision)?)
            .on_conflict(
                OnConflict::column(comision::Column::ConversionId)
                    .do_nothing()
                    .to_owned(),
            )
            .into_query();
        let insertada = txn.execute(&insert).await.map_err(db::internal)?;
        if insertada.rows_affected() != 1 {
            txn.rollback().await.map_err(db::internal)?;
            return Ok(false);
        }
        insertar_auditoria(&txn, &cambio.auditoria).await?;
        outbox::append_and_commit(txn, &cambio.eventos)
            .await
            .map_err(db::internal)?;
        Ok(true)
    }

    async fn comisiones_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Comision>> {
        db::by_ids::<Comisiones, _>(
            &self.db,
            comision::Column::Id,
            ids,
            comision_to_domain,
            |c| c.id,
        )
        .await
    }

    async fn comisiones_por_conversion(
        &self,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Comision>> {
        db::by_ids::<Comisiones, _>(
            &self.db,
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

    async fn guardar_comision(&self, cambio: &CambioComision) -> DomainResult<()> {
        let txn = self.db.begin().await.map_err(db::internal)?;
        guardar_cambio_comision(&txn, cambio).await?;
        outbox::append_and_commit(txn, &cambio.eventos)
            .await
            .map_err(db::internal)
    }

    async fn reversiones_de_comisiones(
        &self,
        comision_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, (Reversion, EstadoPago)>> {
        use reversion::Column as R;
        if comision_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let reversiones = Reversiones::find()
            .filter(db::id_in(self.backend(), R::ComisionId, comision_ids))
            .all(&self.db)
            .await
            .map_err(db::internal)?
            .into_iter()
            .map(reversion_to_domain)
            .collect::<DomainResult<Vec<_>>>()?;
        let mut origenes: Vec<Uuid> = reversiones.iter().map(|r| r.pago_origen_id).collect();
        origenes.sort_unstable();
        origenes.dedup();
        let estados: HashMap<Uuid, EstadoPago> = self
            .pagos_por_ids(&origenes)
            .await?
            .into_iter()
            .map(|(id, p)| (id, p.estado))
            .collect();
        reversiones
            .into_iter()
            .map(|r| {
                let estado = *estados.get(&r.pago_origen_id).ok_or_else(|| {
                    DomainError::internal(format!("clawback {} without its payout", r.id))
                })?;
                Ok((r.comision_id, (r, estado)))
            })
            .collect()
    }

    async fn auditoria_comisiones(
        &self,
        comision_ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EntradaAuditoriaComision>>> {
        use auditoria_comision::Column as A;
        if comision_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = AuditoriasComision::find()
            .filter(db::id_in(self.backend(), A::ComisionId, comision_ids))
            .order_by(A::Seq, Order::Asc)
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let mut out: HashMap<Uuid, Vec<EntradaAuditoriaComision>> = HashMap::new();
        for row in rows {
            let linea = auditoria_comision_to_domain(row)?;
            out.entry(linea.comision_id).or_default().push(linea);
        }
        Ok(out)
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
        let mut saldos = agrupar::<Saldo, _>(&self.db, &statement, |s| {
            dinero(s.suma.unwrap_or(0), moneda("comisiones.moneda", &s.moneda)?)
        })
        .await?;
        // The clawbacks the next payout deducts come off it: the balance is what that
        // payout would carry (never below zero; the rest stays owed).
        use reversion::Column as R;
        let deducible = Reversiones::find()
            .select_only()
            .column_as(R::AfiliadoId, "grupo")
            .column_as(R::Moneda, "moneda")
            .column_as(suma(R::PendienteMinor), "suma")
            .filter(db::id_in(self.backend(), R::AfiliadoId, afiliado_ids))
            .filter(R::PendienteMinor.gt(0))
            .filter(R::PagoOrigenId.in_subquery(pagos_exitosos()))
            .group_by(R::AfiliadoId)
            .group_by(R::Moneda)
            .into_query();
        let adeudado = agrupar::<Saldo, _>(&self.db, &deducible, |s| {
            dinero(
                s.suma.unwrap_or(0),
                moneda("reversiones.moneda", &s.moneda)?,
            )
        })
        .await?;
        for (afiliado, deudas) in adeudado {
            let Some(saldo) = saldos.get_mut(&afiliado) else {
                continue;
            };
            for monto in saldo.iter_mut() {
                if let Some(deuda) = deudas.iter().find(|d| d.moneda() == monto.moneda()) {
                    let resto = (monto.valor() - deuda.valor()).max(Decimal::ZERO);
                    *monto = Dinero::new(resto, monto.moneda())
                        .map_err(|e| DomainError::internal(e.to_string()))?;
                }
            }
        }
        Ok(saldos)
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

/// Writes a commission's change in `txn` (not committed): the row, where it still has the
/// version the change was decided on (else `CONFLICT`), and its audit lines. The caller
/// appends the events and commits.
pub(crate) async fn guardar_cambio_comision<C: ConnectionTrait>(
    txn: &C,
    cambio: &CambioComision,
) -> DomainResult<()> {
    use comision::Column as K;
    let c = &cambio.comision;
    let escrito = Comisiones::update_many()
        .set(comision_to_active(c)?)
        .filter(K::Id.eq(c.id))
        .filter(K::Version.eq(cambio.version_anterior))
        .exec(txn)
        .await
        .map_err(db::internal)?;
    if escrito.rows_affected == 0 {
        return Err(DomainError::Conflict(
            "La comisión fue modificada por otra operación; vuelva a intentarlo".to_owned(),
        ));
    }
    insertar_auditoria(txn, &cambio.auditoria).await
}

/// Appends lines to commissions' audit trails through `conn`.
pub(crate) async fn insertar_auditoria<C: ConnectionTrait>(
    conn: &C,
    lineas: &[EntradaAuditoriaComision],
) -> DomainResult<()> {
    if lineas.is_empty() {
        return Ok(());
    }
    AuditoriasComision::insert_many(
        lineas
            .iter()
            .map(auditoria_comision_to_active)
            .collect::<DomainResult<Vec<_>>>()?,
    )
    .exec_without_returning(conn)
    .await
    .map_err(db::internal)?;
    Ok(())
}

/// Which conversion of its partner in its campaign `c` is: the partner's commissions in
/// the campaign, not refused, up to `c` by conversion time, then conversion id.
pub(crate) async fn posicion_en_campania<C: ConnectionTrait>(
    conn: &C,
    c: &Comision,
) -> DomainResult<u64> {
    use comision::Column as K;
    use sea_orm::PaginatorTrait;
    Comisiones::find()
        .filter(K::AfiliadoId.eq(c.afiliado_id))
        .filter(K::CampaniaId.eq(c.campania_id))
        .filter(K::Estado.ne(EstadoComision::Rechazada.codigo()))
        .filter(
            Condition::any()
                .add(K::FechaConversion.lt(c.fecha_conversion))
                .add(
                    Condition::all()
                        .add(K::FechaConversion.eq(c.fecha_conversion))
                        .add(K::ConversionId.lte(c.conversion_id)),
                ),
        )
        .count(conn)
        .await
        .map_err(db::internal)
}
