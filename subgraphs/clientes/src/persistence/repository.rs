use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Order,
};
use subgraph_kit::{
    DomainError, DomainResult, Page, PageRequest,
    db::{self, matches_expr},
    events::EventEnvelope,
    messaging::outbox,
    search::{self, Busqueda},
    values::{Email, Nombre, SoloDigitos},
};
use uuid::Uuid;

use super::entities::cliente::{self, Column, Entity as Clientes};
use crate::domain::{
    Cliente, ClienteRegistrado, ClienteRepository, FiltroClientes, OrdenarClientesPor,
};

/// Clients in a SQLite or PostgreSQL database.
pub struct SeaClienteRepository {
    db: DatabaseConnection,
}

impl SeaClienteRepository {
    /// A repository over a migrated database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(row: cliente::Model) -> Cliente {
    Cliente {
        id: row.id,
        nombre: Nombre::from_trusted(row.nombre),
        email: Email::from_trusted(row.email),
        cedula: SoloDigitos::from_trusted(row.cedula),
        fecha_nacimiento: row.fecha_nacimiento,
        fecha_registro: row.fecha_registro,
    }
}

#[async_trait]
impl ClienteRepository for SeaClienteRepository {
    async fn insertar(&self, c: &Cliente) -> DomainResult<()> {
        let row = cliente::ActiveModel {
            id: Set(c.id),
            nombre: Set(c.nombre.as_str().to_owned()),
            nombre_busqueda: Set(search::normalize(c.nombre.as_str())),
            email: Set(c.email.as_str().to_owned()),
            cedula: Set(c.cedula.as_str().to_owned()),
            fecha_nacimiento: Set(c.fecha_nacimiento),
            fecha_registro: Set(c.fecha_registro),
        };
        let evento = EventEnvelope::wrap(&ClienteRegistrado::de(c), c.fecha_registro)
            .map_err(DomainError::internal)?;
        let txn = self.db.begin().await.map_err(db::internal)?;
        if let Err(error) = Clientes::insert(row).exec_without_returning(&txn).await {
            // The unique constraints decide, so concurrent registrations cannot both win.
            return Err(db::insert_error(
                error,
                &[("email", "Email ya existe en el sistema")],
                format!("Ya existe un cliente con id {}", c.id),
            ));
        }
        // The event commits with the row, or neither does.
        outbox::append_and_commit(txn, &[evento])
            .await
            .map_err(db::internal)
    }

    async fn por_ids(&self, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, Cliente>> {
        db::by_ids::<Clientes, _>(&self.db, Column::Id, ids, |r| Ok(to_domain(r)), |e| e.id).await
    }

    async fn listar(
        &self,
        filtro: &FiltroClientes,
        pagina: PageRequest,
    ) -> DomainResult<Page<Cliente>> {
        let mut query = Clientes::find();
        if let Some(busqueda) = &filtro.busqueda {
            query = query.filter(matches_expr("nombre_busqueda", "email", busqueda));
        }
        let column = match filtro.ordenar_por {
            OrdenarClientesPor::Nombre => Column::NombreBusqueda,
            OrdenarClientesPor::FechaRegistro => Column::FechaRegistro,
        };
        let query = query
            .order_by(column, db::sort_order(filtro.orden))
            .order_by(Column::Id, Order::Asc);
        let (rows, total) = db::fetch_page(&self.db, query, pagina).await?;
        Ok(Page {
            items: rows.into_iter().map(to_domain).collect(),
            request: pagina,
            total,
        })
    }

    async fn buscar(&self, busqueda: &Busqueda) -> DomainResult<Vec<(Cliente, f64)>> {
        let rows = db::ranked_rows(
            &self.db,
            Clientes::find(),
            busqueda,
            Column::NombreBusqueda,
            Column::Email,
            Column::Id,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(row, relevancia)| (to_domain(row), relevancia))
            .collect())
    }

    async fn contar(&self) -> DomainResult<u64> {
        Clientes::find().count(&self.db).await.map_err(db::internal)
    }
}
