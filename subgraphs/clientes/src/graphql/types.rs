use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use subgraph_kit::{
    DomainError, DomainResult,
    graphql::{InfoPaginacion, OrdenGql, parse_id},
    search::Busqueda,
};

use crate::domain::{self, FiltroClientes, OrdenarClientesPor, RegistrarCliente};

/// An advertiser.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Cliente")]
pub(crate) struct ClienteGql {
    /// UUID.
    pub(crate) id: ID,
    /// Full name.
    pub(crate) nombre: String,
    /// E-mail, lower case (personal data: scope `pii` or `admin`; null otherwise).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    pub(crate) email: Option<String>,
    /// National id number, digits only (personal data: scope `pii` or `admin`).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    pub(crate) cedula: Option<String>,
    /// Date of birth (personal data: scope `pii` or `admin`).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    pub(crate) fecha_nacimiento: Option<NaiveDate>,
    /// When the client was registered.
    pub(crate) fecha_registro: DateTime<Utc>,
}

impl From<domain::Cliente> for ClienteGql {
    fn from(c: domain::Cliente) -> Self {
        Self {
            id: ID(c.id.to_string()),
            nombre: c.nombre.as_str().to_owned(),
            email: Some(c.email.as_str().to_owned()),
            cedula: Some(c.cedula.as_str().to_owned()),
            fecha_nacimiento: Some(c.fecha_nacimiento),
            fecha_registro: c.fecha_registro,
        }
    }
}

/// One page of clients.
#[derive(SimpleObject)]
pub(crate) struct ClientesPagina {
    /// The clients of this page.
    pub(crate) items: Vec<ClienteGql>,
    /// Where the page sits.
    pub(crate) paginacion: InfoPaginacion,
}

/// A search hit.
#[derive(SimpleObject)]
pub(crate) struct ResultadoBusquedaCliente {
    /// The client found.
    pub(crate) cliente: ClienteGql,
    /// 1 for an exact name, lower for partial matches.
    pub(crate) relevancia: f64,
}

/// Sort key of the client list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "OrdenarClientesPor")]
pub(crate) enum OrdenarClientesPorGql {
    /// By name.
    Nombre,
    /// By registration date.
    FechaRegistro,
}

/// Filter and order of `clientes`.
#[derive(InputObject, Default)]
pub(crate) struct FiltroClientesInput {
    /// Text the name or e-mail must contain (accents and case ignored).
    pub(crate) busqueda: Option<String>,
    /// Sort key (registration date by default).
    pub(crate) ordenar_por: Option<OrdenarClientesPorGql>,
    /// Sort direction (descending by default).
    pub(crate) orden: Option<OrdenGql>,
}

impl FiltroClientesInput {
    pub(crate) fn to_domain(&self) -> DomainResult<FiltroClientes> {
        let busqueda = match self.busqueda.as_deref().map(str::trim) {
            Some(texto) if !texto.is_empty() => Some(
                Busqueda::new(texto, subgraph_kit::search::MAX_RESULTS as i64)
                    .map_err(|e| DomainError::invalid("filtro.busqueda", e.to_string()))?,
            ),
            _ => None,
        };
        Ok(FiltroClientes {
            busqueda,
            ordenar_por: match self.ordenar_por {
                Some(OrdenarClientesPorGql::Nombre) => OrdenarClientesPor::Nombre,
                Some(OrdenarClientesPorGql::FechaRegistro) | None => {
                    OrdenarClientesPor::FechaRegistro
                }
            },
            orden: self.orden.map(Into::into).unwrap_or_default(),
        })
    }
}

/// Input of `registrarCliente`.
#[derive(InputObject)]
pub(crate) struct RegistrarClienteInput {
    /// Optional caller-chosen UUID.
    pub(crate) id: Option<ID>,
    /// Full name.
    pub(crate) nombre: String,
    /// E-mail (unique).
    pub(crate) email: String,
    /// National id number, digits only.
    pub(crate) cedula: String,
    /// Date of birth (the client must be an adult).
    pub(crate) fecha_nacimiento: NaiveDate,
}

impl RegistrarClienteInput {
    pub(crate) fn to_domain(&self) -> DomainResult<RegistrarCliente> {
        Ok(RegistrarCliente {
            id: self.id.as_ref().map(|id| parse_id("id", id)).transpose()?,
            nombre: self.nombre.clone(),
            email: self.email.clone(),
            cedula: self.cedula.clone(),
            fecha_nacimiento: self.fecha_nacimiento,
        })
    }
}

/// Result of `registrarCliente`.
#[derive(SimpleObject)]
pub(crate) struct RegistrarClientePayload {
    /// The registered client.
    pub(crate) cliente: ClienteGql,
}
