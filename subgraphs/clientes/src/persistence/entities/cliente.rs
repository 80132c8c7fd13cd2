//! The `clientes` table.

use sea_orm::entity::prelude::*;

/// A row of `clientes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clientes")]
pub struct Model {
    /// Client id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name as given.
    pub nombre: String,
    /// `subgraph_kit::search::normalize(nombre)`.
    pub nombre_busqueda: String,
    /// Lower-case e-mail, unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Digits only.
    pub cedula: String,
    /// Date of birth.
    pub fecha_nacimiento: Date,
    /// Registration time.
    pub fecha_registro: DateTimeUtc,
}

/// No relations: other contexts refer to clients by id only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
