//! Validated value objects shared by the contexts.

mod email;
mod id;
mod nombre;
mod numero;
mod porcentaje;

pub use email::Email;
pub use id::nuevo_id;
pub use nombre::Nombre;
pub use numero::SoloDigitos;
pub use porcentaje::Porcentaje;
