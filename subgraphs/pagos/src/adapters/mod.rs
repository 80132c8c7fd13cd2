//! Adapters of the domain's ports other than storage.

mod pasarela_simulada;

pub use pasarela_simulada::{
    CUENTA_CERRADA, CUENTA_EN_MANTENIMIENTO, OpcionesSimulador, PasarelaSimulada,
};
