use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Order,
};
use subgraph_kit::{DomainResult, Page, PageRequest, db, search::Busqueda};
use uuid::Uuid;

use super::{
    entities::{
        campania::{self, Column, Entity as Campanias},
        campania_event::{self, Entity as CampaniaEvents},
    },
    mapping::{evento_to_domain, to_domain},
    store,
};
use crate::{
    application::{CambioCampania, FlujoDeEventos, SNAPSHOT_CADA},
    domain::{Campania, CampaniaRepository, EventoRegistrado, FiltroCampanias},
};

/// Campaigns in a SQLite or PostgreSQL database.
pub struct SeaCampaniaRepository {
    db: DatabaseConnection,
    snapshot_cada: i64,
}

impl SeaCampaniaRepository {
    /// A repository over a migrated database, with a snapshot every [`SNAPSHOT_CADA`] events.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            snapshot_cada: SNAPSHOT_CADA,
        }
    }

    /// Takes a snapshot every `n` events instead (at least 1).
    pub fn con_snapshot_cada(mut self, n: i64) -> Self {
        self.snapshot_cada = n.max(1);
        self
    }
}

fn to_domain_all(rows: Vec<campania::Model>) -> DomainResult<Vec<Campania>> {
    rows.into_iter().map(to_domain).collect()
}

/// The service's stream access: reads before any transaction, each append in a
/// transaction of its own. Reading first and writing inside the transaction lets the
/// write's unique version decide between concurrent writers on both backends, and no
/// transaction waits for a second pooled connection.
#[async_trait]
impl FlujoDeEventos for SeaCampaniaRepository {
    async fn cargar(&self, id: Uuid) -> DomainResult<Option<Campania>> {
        store::cargar(&self.db, id).await
    }

    async fn comision_aplicada(&self, comision_id: Uuid) -> DomainResult<bool> {
        store::comision_aplicada(&self.db, comision_id).await
    }

    async fn gasto_de_comision(&self, comision_id: Uuid) -> DomainResult<Option<EventoRegistrado>> {
        store::gasto_de_comision(&self.db, comision_id).await
    }

    async fn gasto_revertido(&self, comision_id: Uuid) -> DomainResult<bool> {
        store::gasto_revertido(&self.db, comision_id).await
    }

    async fn recordar_reversion(
        &self,
        comision_id: Uuid,
        campania_id: Uuid,
        ahora: DateTime<Utc>,
    ) -> DomainResult<()> {
        store::recordar_reversion(&self.db, comision_id, campania_id, ahora).await
    }

    async fn agregar(&self, cambio: &CambioCampania, con_snapshot: bool) -> DomainResult<()> {
        let txn = self.db.begin().await.map_err(db::internal)?;
        store::agregar(&txn, cambio, con_snapshot).await?;
        subgraph_kit::messaging::outbox::commit(txn)
            .await
            .map_err(db::internal)
    }

    fn snapshot_cada(&self) -> i64 {
        self.snapshot_cada
    }
}

#[async_trait]
impl CampaniaRepository for SeaCampaniaRepository {
    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Campania>> {
        db::by_ids::<Campanias, _>(&self.db, Column::Id, ids, to_domain, |e| e.id).await
    }

    async fn por_clientes(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Vec<Campania>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = Campanias::find()
            .filter(db::id_in(
                self.db.get_database_backend(),
                Column::ClienteId,
                ids,
            ))
            .order_by(Column::FechaCreacion, Order::Desc)
            .order_by(Column::Id, Order::Asc)
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let mut por_cliente: HashMap<Uuid, Vec<Campania>> = HashMap::new();
        for campania in to_domain_all(rows)? {
            por_cliente
                .entry(campania.cliente_id)
                .or_default()
                .push(campania);
        }
        Ok(por_cliente)
    }

    async fn historiales(
        &self,
        ids: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, Vec<EventoRegistrado>>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = CampaniaEvents::find()
            .filter(db::id_in(
                self.db.get_database_backend(),
                campania_event::Column::CampaniaId,
                ids,
            ))
            .order_by(campania_event::Column::CampaniaId, Order::Asc)
            .order_by(campania_event::Column::Version, Order::Asc)
            .all(&self.db)
            .await
            .map_err(db::internal)?;
        let mut historiales: HashMap<Uuid, Vec<EventoRegistrado>> = HashMap::new();
        for row in rows {
            let evento = evento_to_domain(row)?;
            historiales
                .entry(evento.campania_id)
                .or_default()
                .push(evento);
        }
        Ok(historiales)
    }

    async fn listar(
        &self,
        filtro: &FiltroCampanias,
        pagina: PageRequest,
    ) -> DomainResult<Page<Campania>> {
        let mut query = Campanias::find();
        if let Some(estado) = filtro.estado {
            query = query.filter(Column::Estado.eq(estado.codigo()));
        }
        if let Some(cliente_id) = filtro.cliente_id {
            query = query.filter(Column::ClienteId.eq(cliente_id));
        }
        let query = query
            .order_by(Column::FechaCreacion, Order::Desc)
            .order_by(Column::Id, Order::Asc);
        let (rows, total) = db::fetch_page(&self.db, query, pagina).await?;
        Ok(Page {
            items: to_domain_all(rows)?,
            request: pagina,
            total,
        })
    }

    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Campania, f64)>> {
        let rows = db::ranked_rows(
            &self.db,
            Campanias::find(),
            busqueda,
            Column::NombreBusqueda,
            Column::DescripcionBusqueda,
            Column::Id,
        )
        .await?;
        rows.into_iter()
            .map(|(row, relevancia)| Ok((to_domain(row)?, relevancia)))
            .collect()
    }

    async fn contar(&self) -> DomainResult<u64> {
        Campanias::find()
            .count(&self.db)
            .await
            .map_err(db::internal)
    }
}
