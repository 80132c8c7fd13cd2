//! The `clientes` domain: advertisers and their registration rules. No GraphQL, no SQL.

mod cliente;
mod eventos;
mod ports;

pub use cliente::{Cliente, RegistrarCliente};
pub use eventos::ClienteRegistrado;
pub use ports::{ClienteRepository, FiltroClientes, OrdenarClientesPor};
