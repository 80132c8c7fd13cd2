use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Order,
};
use subgraph_kit::{
    DomainError, DomainResult, Page, PageRequest,
    db::{self, VersionedRow, matches_expr},
    events::EventEnvelope,
    messaging::outbox,
    search::Busqueda,
};
use uuid::Uuid;

use super::{
    entities::afiliado::{Column, Entity as Afiliados},
    mapping::{to_active, to_domain},
};
use crate::domain::{
    Afiliado, AfiliadoRegistrado, AfiliadoRepository, EstadoAfiliado, FiltroAfiliados,
    OrdenarAfiliadosPor, evento_de_cambio,
};

/// Partners in a SQLite or PostgreSQL database.
pub struct SeaAfiliadoRepository {
    db: DatabaseConnection,
}

impl SeaAfiliadoRepository {
    /// A repository over a migrated database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AfiliadoRepository for SeaAfiliadoRepository {
    async fn insertar(&self, a: &Afiliado) -> DomainResult<()> {
        let evento = EventEnvelope::wrap(&AfiliadoRegistrado::de(a), a.fecha_registro)
            .map_err(DomainError::internal)?;
        let txn = self.db.begin().await.map_err(db::internal)?;
        if let Err(error) = Afiliados::insert(to_active(a)?)
            .exec_without_returning(&txn)
            .await
        {
            // The unique constraints decide, so concurrent registrations cannot both win.
            return Err(db::insert_error(
                error,
                &[("email", "Email ya existe en el sistema")],
                format!("Ya existe un afiliado con id {}", a.id),
            ));
        }
        // The event commits with the row, or neither does.
        outbox::append_and_commit(txn, &[evento])
            .await
            .map_err(db::internal)
    }

    async fn guardar(&self, a: &Afiliado, version_anterior: i64) -> DomainResult<()> {
        let evento = evento_de_cambio(a)?;
        let target = VersionedRow::<Afiliados> {
            id: (Column::Id, a.id),
            version: (Column::Version, version_anterior),
            conflicto: "El afiliado fue modificado por otra operación; vuelva a intentarlo",
        };
        db::save_versioned(&self.db, to_active(a)?, target, &[evento]).await
    }

    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Afiliado>> {
        db::by_ids::<Afiliados, _>(&self.db, Column::Id, ids, to_domain, |e| e.id).await
    }

    async fn listar(
        &self,
        filtro: &FiltroAfiliados,
        pagina: PageRequest,
    ) -> DomainResult<Page<Afiliado>> {
        let mut query = Afiliados::find();
        if let Some(id) = filtro.id {
            query = query.filter(Column::Id.eq(id));
        }
        if let Some(busqueda) = &filtro.busqueda {
            query = query.filter(matches_expr("nombre_busqueda", "email", busqueda));
        }
        query = match filtro.estado {
            Some(estado) => query.filter(Column::Estado.eq(estado.codigo())),
            None => query.filter(Column::Estado.ne(EstadoAfiliado::Eliminado.codigo())),
        };
        if let Some(tipo) = filtro.tipo {
            query = query.filter(Column::Tipo.eq(tipo.codigo()));
        }
        let column = match filtro.ordenar_por {
            OrdenarAfiliadosPor::Nombre => Column::NombreBusqueda,
            OrdenarAfiliadosPor::FechaRegistro => Column::FechaRegistro,
        };
        let query = query
            .order_by(column, db::sort_order(filtro.orden))
            .order_by(Column::Id, Order::Asc);
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

    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Afiliado, f64)>> {
        let rows = db::ranked_rows(
            &self.db,
            Afiliados::find().filter(Column::Estado.ne(EstadoAfiliado::Eliminado.codigo())),
            busqueda,
            Column::NombreBusqueda,
            Column::Email,
            Column::Id,
        )
        .await?;
        rows.into_iter()
            .map(|(row, relevancia)| Ok((to_domain(row)?, relevancia)))
            .collect()
    }

    async fn contar(&self) -> DomainResult<u64> {
        Afiliados::find()
            .count(&self.db)
            .await
            .map_err(db::internal)
    }
}
