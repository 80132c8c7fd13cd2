//! Payouts: idempotent requests, the worker's claims and settlements, reads and search.

use super::{ledger::escribir_movimientos, payout_request::SolicitudSea, *};

#[async_trait]
impl PagoRepository for SeaPagosRepository {
    async fn pago_existente(
        &self,
        clave: &str,
        afiliado_id: Uuid,
        ciclo: &str,
    ) -> DomainResult<Option<Pago>> {
        existente(&self.db, clave, afiliado_id, ciclo).await
    }

    async fn iniciar_solicitud(&self) -> DomainResult<Box<dyn SolicitudEnCurso>> {
        let txn = self.db.begin().await.map_err(db::internal)?;
        Ok(Box::new(SolicitudSea::new(txn)))
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
                devolver_reversiones(&txn, p).await?;
            }
        }
        escribir_movimientos(&txn, cambio).await?;
        outbox::append_and_commit(txn, &cambio.eventos)
            .await
            .map_err(db::internal)?;
        Ok(true)
    }

    async fn pagos_por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Pago>> {
        db::by_ids::<Pagos, _>(&self.db, pago::Column::Id, ids, pago_to_domain, |p| p.id).await
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

    async fn buscar_pagos(
        &self,
        busqueda: &subgraph_kit::search::Busqueda,
    ) -> DomainResult<Vec<(Pago, i32)>> {
        use pago::Column as P;
        let rows = db::code_ranked_rows::<pago::Entity>(
            &self.db,
            &[P::Ciclo, P::IdempotencyKey, P::Confirmacion],
            P::FechaCreacion,
            busqueda,
        )
        .await?;
        rows.into_iter()
            .map(|(model, relevancia)| Ok((pago_to_domain(model)?, relevancia)))
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

/// A failed payout paid nothing: the clawbacks it deducted (its `REVERSION` movements)
/// are owed again, for the next payout.
async fn devolver_reversiones(txn: &DatabaseTransaction, p: &Pago) -> DomainResult<()> {
    use reversion::Column as R;
    use transaccion::Column as T;
    let deducciones = Transacciones::find()
        .filter(T::PagoId.eq(p.id))
        .filter(T::Tipo.eq(TipoTransaccion::Reversion.codigo()))
        .all(txn)
        .await
        .map_err(db::internal)?;
    for t in deducciones {
        let Some(comision_id) = t.comision_id else {
            continue;
        };
        Reversiones::update_many()
            .col_expr(
                R::PendienteMinor,
                Expr::col(R::PendienteMinor).add(t.monto_minor.saturating_abs()),
            )
            .col_expr(R::Version, Expr::col(R::Version).add(1))
            .col_expr(R::FechaActualizacion, Expr::val(p.fecha_actualizacion))
            .filter(R::ComisionId.eq(comision_id))
            .exec(txn)
            .await
            .map_err(db::internal)?;
    }
    Ok(())
}
