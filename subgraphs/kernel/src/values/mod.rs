//! Validated value objects shared by the contexts.

mod email;
mod nombre;
mod numero;
mod porcentaje;

pub use email::Email;
pub use nombre::Nombre;
pub use numero::SoloDigitos;
pub use porcentaje::Porcentaje;
