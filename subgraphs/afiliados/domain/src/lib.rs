//! The `afiliados` domain: partners, their states and commission settings. No GraphQL, no SQL.

mod afiliado;
mod comandos;
mod eventos;
mod ports;
mod valores;

pub use afiliado::{Afiliado, EstadoAfiliado, TipoAfiliado};
pub use comandos::{ActualizarAfiliado, RegistrarAfiliado};
pub use eventos::{AfiliadoActualizado, AfiliadoEliminado, AfiliadoRegistrado, evento_de_cambio};
pub use ports::{AfiliadoRepository, FiltroAfiliados, OrdenarAfiliadosPor};
pub use valores::{
    ConfiguracionComisiones, DatosBancarios, Documento, Telefono, TipoCuenta, TipoDocumento,
};
