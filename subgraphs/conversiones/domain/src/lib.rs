//! The `conversiones` domain: tracking events, conversions, their rules and metrics.
//! No GraphQL, no SQL.

mod claves;
mod conversion;
mod eventos;
mod metricas;
mod ports;
mod tracking;
mod valores;

pub use claves::{ClaveApi, ClaveApiEmitida};
pub use conversion::{Conversion, EstadoConversion, RegistrarConversion, TipoConversion};
pub use eventos::{ConversionRechazada, ConversionRegistrada, ConversionValidada};
pub use metricas::{FilaMetrica, Metricas, MetricasCanal, Periodo, Ventana};
pub use ports::{
    ConversionRepository, DecisionLimite, Dimension, FiltroConversiones, FiltroPorEntidad,
    LimitadorTasa, Registro,
};
pub use tracking::{EventoTracking, Fuente, RegistrarEvento, TipoEvento};
pub use valores::{Canal, DatosCliente, Metadatos, Producto, validar_fecha};
