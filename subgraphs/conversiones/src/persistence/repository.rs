use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
    sea_query::{
        Alias, Expr, ExprTrait, Func, OnConflict, Order, Query, SelectStatement, UnionType,
    },
};
use subgraph_kit::{
    DomainError, DomainResult, Moneda, Page, PageRequest, db, events::EventEnvelope,
    messaging::outbox,
};
use uuid::Uuid;

use super::{
    entities::{
        clave_api::{self, Entity as ClavesApi},
        conversion::{self, Column, Entity as Conversiones},
        evento_tracking::{self, Entity as EventosTracking},
    },
    mapping::{evento_to_active, to_active, to_domain},
};
use crate::{
    application::consumers::ProyeccionesEnTransaccion,
    domain::{
        Canal, ClaveApi, Conversion, ConversionRepository, Dimension, EstadoConversion,
        EventoTracking, FilaMetrica, FiltroConversiones, FiltroPorEntidad, Registro, TipoEvento,
        Ventana,
    },
};

/// Rows per multi-row INSERT (well under SQLite's and PostgreSQL's bind limits).
const LOTE: usize = 500;

/// Conversions and tracking events in a SQLite or PostgreSQL database.
pub struct SeaConversionRepository {
    db: DatabaseConnection,
}

impl SeaConversionRepository {
    /// A repository over a migrated database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn backend(&self) -> sea_orm::DbBackend {
        self.db.get_database_backend()
    }
}

fn conversion_column(dimension: Dimension) -> Column {
    match dimension {
        Dimension::Afiliado => Column::AfiliadoId,
        Dimension::Campania => Column::CampaniaId,
    }
}

fn evento_column(dimension: Dimension) -> evento_tracking::Column {
    match dimension {
        Dimension::Afiliado => evento_tracking::Column::AfiliadoId,
        Dimension::Campania => evento_tracking::Column::CampaniaId,
    }
}

fn filtrar(
    mut query: sea_orm::Select<Conversiones>,
    canal: Option<Canal>,
    estado: Option<EstadoConversion>,
    desde: Option<DateTime<Utc>>,
    hasta: Option<DateTime<Utc>>,
) -> sea_orm::Select<Conversiones> {
    if let Some(canal) = canal {
        query = query.filter(Column::Canal.eq(canal.codigo()));
    }
    if let Some(estado) = estado {
        query = query.filter(Column::Estado.eq(estado.codigo()));
    }
    if let Some(desde) = desde {
        query = query.filter(Column::Fecha.gte(desde));
    }
    if let Some(hasta) = hasta {
        query = query.filter(Column::Fecha.lte(hasta));
    }
    query
}

/// The one-row answer of the projection check.
#[derive(FromQueryResult)]
struct Aceptables {
    afiliados_hay: i32,
    afiliado_ok: i32,
    campanias_hay: i32,
    campania_ok: i32,
}

fn existe(tabla: &str, id: Option<Uuid>) -> Expr {
    let mut query = Query::select();
    query.expr(Expr::val(1)).from(Alias::new(tabla));
    if let Some(id) = id {
        query.and_where(Expr::col(Alias::new("id")).eq(id));
        if tabla == "afiliados_conocidos" {
            // A deleted partner is known, and refused.
            query.and_where(Expr::col(Alias::new("eliminado_en")).is_null());
        }
    }
    Expr::case(Expr::exists(query), 1).finally(0).into()
}

/// Records a partner or campaign id in its projection through `conn` (idempotent).
async fn conocer_en<C: ConnectionTrait>(
    conn: &C,
    dimension: Dimension,
    id: Uuid,
    en: DateTime<Utc>,
) -> DomainResult<()> {
    let (tabla, columna) = match dimension {
        Dimension::Afiliado => ("afiliados_conocidos", "conocido_en"),
        Dimension::Campania => ("campanias_conocidas", "conocida_en"),
    };
    let insert = Query::insert()
        .into_table(Alias::new(tabla))
        .columns([Alias::new("id"), Alias::new(columna)])
        .values_panic([id.into(), en.into()])
        .on_conflict(OnConflict::column(Alias::new("id")).do_nothing().to_owned())
        .to_owned();
    conn.execute(&insert).await.map_err(db::internal)?;
    Ok(())
}

/// Marks a partner deleted, recording it if its registration has not arrived yet (it
/// stays deleted then: `conocer_en` never clears the mark).
async fn eliminar_afiliado_en<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    en: DateTime<Utc>,
) -> DomainResult<()> {
    let insert = Query::insert()
        .into_table(Alias::new("afiliados_conocidos"))
        .columns([
            Alias::new("id"),
            Alias::new("conocido_en"),
            Alias::new("eliminado_en"),
        ])
        .values_panic([id.into(), en.into(), en.into()])
        .on_conflict(
            OnConflict::column(Alias::new("id"))
                .update_column(Alias::new("eliminado_en"))
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await.map_err(db::internal)?;
    Ok(())
}

#[async_trait]
impl ProyeccionesEnTransaccion for sea_orm::DatabaseTransaction {
    async fn conocer(&self, dimension: Dimension, id: Uuid, en: DateTime<Utc>) -> DomainResult<()> {
        conocer_en(self, dimension, id, en).await
    }

    async fn afiliado_eliminado(&self, id: Uuid, en: DateTime<Utc>) -> DomainResult<()> {
        eliminar_afiliado_en(self, id, en).await
    }
}

#[async_trait]
impl ConversionRepository for SeaConversionRepository {
    async fn registrar(&self, c: &Conversion, eventos: &[EventEnvelope]) -> DomainResult<Registro> {
        let insert = Conversiones::insert(to_active(c)?)
            .on_conflict(
                OnConflict::columns([Column::AfiliadoId, Column::ReferenciaExterna])
                    .do_nothing()
                    .to_owned(),
            )
            .into_query();
        let txn = self.db.begin().await.map_err(db::internal)?;
        // The INSERT is the transaction's first statement (SQLite then takes the write
        // lock at once and waits its busy timeout instead of failing an upgrade).
        let inserted = txn
            .execute(&insert)
            .await
            .map_err(db::internal)?
            .rows_affected();
        if inserted == 1 {
            outbox::append_and_commit(txn, eventos)
                .await
                .map_err(db::internal)?;
            return Ok(Registro::Nueva);
        }
        txn.rollback().await.map_err(db::internal)?;
        let existente = Conversiones::find()
            .filter(Column::AfiliadoId.eq(c.afiliado_id))
            .filter(Column::ReferenciaExterna.eq(c.referencia_externa.clone()))
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .ok_or_else(|| DomainError::internal("conflicting conversion vanished"))?;
        Ok(Registro::Existente(Box::new(to_domain(existente)?)))
    }

    async fn registrar_lote(&self, lote: &[(Conversion, Vec<EventEnvelope>)]) -> DomainResult<()> {
        let txn = self.db.begin().await.map_err(db::internal)?;
        for chunk in lote.chunks(LOTE) {
            let rows = chunk
                .iter()
                .map(|(c, _)| to_active(c))
                .collect::<DomainResult<Vec<_>>>()?;
            Conversiones::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(db::internal)?;
        }
        let eventos: Vec<EventEnvelope> =
            lote.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
        outbox::append_and_commit(txn, &eventos)
            .await
            .map_err(db::internal)
    }

    async fn guardar(
        &self,
        c: &Conversion,
        version_anterior: i64,
        eventos: &[EventEnvelope],
    ) -> DomainResult<()> {
        let target = db::VersionedRow::<Conversiones> {
            id: (Column::Id, c.id),
            version: (Column::Version, version_anterior),
            conflicto: "La conversión fue modificada por otra operación; vuelva a intentarlo",
        };
        db::save_versioned(&self.db, to_active(c)?, target, eventos).await
    }

    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Conversion>> {
        db::by_ids::<Conversiones, _>(&self.db, Column::Id, ids, to_domain, |e| e.id).await
    }

    async fn listar(
        &self,
        f: &FiltroConversiones,
        pagina: PageRequest,
    ) -> DomainResult<Page<Conversion>> {
        let mut query = filtrar(Conversiones::find(), f.canal, f.estado, f.desde, f.hasta);
        if let Some(id) = f.afiliado_id {
            query = query.filter(Column::AfiliadoId.eq(id));
        }
        if let Some(id) = f.campania_id {
            query = query.filter(Column::CampaniaId.eq(id));
        }
        let query = query
            .order_by(Column::Fecha, Order::Desc)
            .order_by(Column::Id, Order::Desc);
        let (rows, total) = db::fetch_page(&self.db, query, pagina).await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(to_domain)
                .collect::<DomainResult<_>>()?,
            request: pagina,
            total,
        })
    }

    async fn por_entidad(
        &self,
        f: &FiltroPorEntidad,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<Conversion>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let column = conversion_column(f.dimension);
        let inner = filtrar(
            Conversiones::find().filter(db::id_in(self.backend(), column, ids)),
            f.canal,
            f.estado,
            f.desde,
            f.hasta,
        )
        .into_query();
        // The latest `limite` of each entity in one statement.
        let outer = db::first_per_group(
            inner,
            Expr::col(column),
            [
                (Expr::col(Column::Fecha), Order::Desc),
                (Expr::col(Column::Id), Order::Desc),
            ],
            f.limite,
        );
        let rows = conversion::Model::find_by_statement(self.backend().build(&outer))
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let mut grupos: HashMap<Uuid, Vec<Conversion>> = HashMap::new();
        for row in rows {
            let c = to_domain(row)?;
            let id = match f.dimension {
                Dimension::Afiliado => c.afiliado_id,
                Dimension::Campania => c.campania_id,
            };
            grupos.entry(id).or_default().push(c);
        }
        Ok(grupos)
    }

    async fn insertar_eventos(&self, eventos: &[EventoTracking]) -> DomainResult<()> {
        if let [evento] = eventos {
            EventosTracking::insert(evento_to_active(evento)?)
                .exec_without_returning(&self.db)
                .await
                .map_err(db::internal)?;
            return Ok(());
        }
        let txn = self.db.begin().await.map_err(db::internal)?;
        for chunk in eventos.chunks(LOTE) {
            let rows = chunk
                .iter()
                .map(evento_to_active)
                .collect::<DomainResult<Vec<_>>>()?;
            EventosTracking::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(db::internal)?;
        }
        txn.commit().await.map_err(db::internal)
    }

    async fn metricas(
        &self,
        entidades: Option<(Dimension, &[Uuid])>,
        ventana: Ventana,
        canal: Option<Canal>,
    ) -> DomainResult<Vec<FilaMetrica>> {
        use evento_tracking::Column as E;
        if matches!(entidades, Some((_, []))) {
            return Ok(Vec::new());
        }
        let backend = self.backend();
        // Tracking events: count per (entity), channel and kind.
        let mut eventos = EventosTracking::find()
            .select_only()
            .filter(E::OcurridoEn.gte(ventana.desde))
            .filter(E::OcurridoEn.lte(ventana.hasta));
        // Conversions (not rejected): count and exact sum of minor units per currency.
        let mut conversiones = Conversiones::find()
            .select_only()
            .filter(Column::Fecha.gte(ventana.desde))
            .filter(Column::Fecha.lte(ventana.hasta))
            .filter(Column::Estado.ne(EstadoConversion::Rechazada.codigo()));
        if let Some((dimension, ids)) = entidades {
            let (ec, cc) = (evento_column(dimension), conversion_column(dimension));
            eventos = eventos
                .filter(db::id_in(backend, ec, ids))
                .column_as(ec, "entidad")
                .group_by(ec);
            conversiones = conversiones
                .filter(db::id_in(backend, cc, ids))
                .column_as(cc, "entidad")
                .group_by(cc);
        }
        if let Some(canal) = canal {
            eventos = eventos.filter(E::Canal.eq(canal.codigo()));
            conversiones = conversiones.filter(Column::Canal.eq(canal.codigo()));
        }
        let eventos: SelectStatement = eventos
            .column_as(E::Canal, "canal")
            .column_as(E::Tipo, "clase")
            .column_as(Expr::val(""), "moneda")
            .column_as(Expr::cust("COUNT(*)"), "cantidad")
            .column_as(
                Expr::from(Func::cast_as(Expr::val(0), Alias::new("BIGINT"))),
                "suma",
            )
            .group_by(E::Canal)
            .group_by(E::Tipo)
            .into_query();
        let conversiones: SelectStatement = conversiones
            .column_as(Column::Canal, "canal")
            .column_as(Expr::val(""), "clase")
            .column_as(Column::Moneda, "moneda")
            .column_as(Expr::cust("COUNT(*)"), "cantidad")
            .column_as(
                Expr::from(Func::cast_as(
                    Func::sum(Expr::col(Column::ValorMinor)),
                    Alias::new("BIGINT"),
                )),
                "suma",
            )
            .group_by(Column::Canal)
            .group_by(Column::Moneda)
            .into_query();
        let mut union = eventos;
        union.union(UnionType::All, conversiones);
        let rows = self.db.query_all(&union).await.map_err(db::internal)?;
        let corrupt = |what: &str, value: &str| {
            DomainError::internal(format!("metrics row with unknown {what} '{value}'"))
        };
        rows.into_iter()
            .map(|row| {
                let get_text = |c: &str| row.try_get::<String>("", c).map_err(db::internal);
                let canal_code = get_text("canal")?;
                let clase = get_text("clase")?;
                let moneda = get_text("moneda")?;
                Ok(FilaMetrica {
                    entidad: match entidades {
                        Some(_) => Some(row.try_get::<Uuid>("", "entidad").map_err(db::internal)?),
                        None => None,
                    },
                    canal: Canal::desde_codigo(&canal_code)
                        .ok_or_else(|| corrupt("canal", &canal_code))?,
                    evento: match clase.as_str() {
                        "" => None,
                        code => Some(
                            TipoEvento::desde_codigo(code).ok_or_else(|| corrupt("tipo", code))?,
                        ),
                    },
                    moneda: match moneda.as_str() {
                        "" => None,
                        code => Some(
                            code.parse::<Moneda>()
                                .map_err(|_| corrupt("moneda", code))?,
                        ),
                    },
                    cantidad: row.try_get::<i64>("", "cantidad").map_err(db::internal)?,
                    suma_minor: row
                        .try_get::<Option<i64>>("", "suma")
                        .map_err(db::internal)?
                        .unwrap_or(0),
                })
            })
            .collect()
    }

    async fn referencias_aceptables(
        &self,
        afiliado_id: Uuid,
        campania_id: Uuid,
    ) -> DomainResult<(bool, bool)> {
        let query = Query::select()
            .expr_as(
                existe("afiliados_conocidos", None),
                Alias::new("afiliados_hay"),
            )
            .expr_as(
                existe("afiliados_conocidos", Some(afiliado_id)),
                Alias::new("afiliado_ok"),
            )
            .expr_as(
                existe("campanias_conocidas", None),
                Alias::new("campanias_hay"),
            )
            .expr_as(
                existe("campanias_conocidas", Some(campania_id)),
                Alias::new("campania_ok"),
            )
            .to_owned();
        let row = Aceptables::find_by_statement(self.backend().build(&query))
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .ok_or_else(|| DomainError::internal("projection check returned no row"))?;
        Ok((
            row.afiliados_hay == 0 || row.afiliado_ok == 1,
            row.campanias_hay == 0 || row.campania_ok == 1,
        ))
    }

    async fn conocer(&self, dimension: Dimension, id: Uuid, en: DateTime<Utc>) -> DomainResult<()> {
        conocer_en(&self.db, dimension, id, en).await
    }

    async fn guardar_clave(&self, clave: &ClaveApi, eventos: &[EventEnvelope]) -> DomainResult<()> {
        use sea_orm::ActiveValue::Set;
        let fila = clave_api::ActiveModel {
            afiliado_id: Set(clave.afiliado_id),
            digest: Set(clave.digest.clone()),
            prefijo: Set(clave.prefijo.clone()),
            emitida_en: Set(clave.emitida_en),
        };
        // One row per partner: a new key overwrites the old digest, so the old key stops
        // matching in the same commit.
        let upsert = ClavesApi::insert(fila).on_conflict(
            OnConflict::column(clave_api::Column::AfiliadoId)
                .update_columns([
                    clave_api::Column::Digest,
                    clave_api::Column::Prefijo,
                    clave_api::Column::EmitidaEn,
                ])
                .to_owned(),
        );
        let txn = self.db.begin().await.map_err(db::internal)?;
        upsert.exec(&txn).await.map_err(db::internal)?;
        outbox::append_and_commit(txn, eventos)
            .await
            .map_err(db::internal)
    }

    async fn afiliado_de_clave(&self, digest: &str) -> DomainResult<Option<Uuid>> {
        Ok(ClavesApi::find()
            .filter(clave_api::Column::Digest.eq(digest))
            .one(&self.db)
            .await
            .map_err(db::internal)?
            .map(|fila| fila.afiliado_id))
    }

    async fn buscar(
        &self,
        busqueda: &subgraph_kit::search::Busqueda,
    ) -> DomainResult<Vec<(Conversion, i32)>> {
        let rows = db::code_ranked_rows::<conversion::Entity>(
            &self.db,
            &[Column::ReferenciaExterna],
            Column::Fecha,
            busqueda,
        )
        .await?;
        rows.into_iter()
            .map(|(model, relevancia)| Ok((to_domain(model)?, relevancia)))
            .collect()
    }

    async fn contar(&self) -> DomainResult<u64> {
        Conversiones::find()
            .count(&self.db)
            .await
            .map_err(db::internal)
    }
}
