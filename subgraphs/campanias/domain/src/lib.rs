//! The `campanias` domain: the event-sourced campaign aggregate, its events and rules.
//! No GraphQL, no SQL.

mod campania;
mod comandos;
mod eventos;
mod ports;
mod valores;

pub use campania::{Campania, MAX_DESCRIPCION, MAX_MOTIVO_REVERSION};
pub use comandos::{ComandoCampania, CrearCampania};
pub use eventos::{EventoCampania, EventoRegistrado, MotivoSobregiro};
pub use ports::{CampaniaRepository, FiltroCampanias};
pub use valores::{
    Canal, ConfiguracionComisiones, EstadoCampania, MAX_OBJETIVO_CONVERSIONES, Segmentacion,
    TipoCampania,
};
