//! The `pagos` domain: commissions, payouts, the payment-gateway port, reports. Plain
//! Rust: no GraphQL, HTTP or SQL.

mod comision;
pub mod eventos;
mod exportacion;
mod manual;
mod movimientos;
mod pago;
mod pasarela;
mod ports;
mod reporte;
mod reversion;
mod revision;
mod valores;

pub use comision::{
    Comision, ConversionValidada, EstadoAfiliado, EstadoComision, TarifaAfiliado, TarifaCampania,
    TipoAfiliado, TipoConversion, con_bonus, tasa_aplicable,
};
pub use exportacion::{FormatoExportacion, exportar};
pub use manual::{
    CalculoManual, CrearComisionManual, DatosComisionManual, OrigenComision, Resultado,
    TASA_IVA_POR_DEFECTO, TipoComision,
};
pub use movimientos::{
    ACTOR_PROCESADOR, CambioPago, EfectoComisiones, EntradaAuditoria, Liquidacion, TipoTransaccion,
    Transaccion, auditoria_reclamo,
};
pub use pago::{
    EstadoPago, MAX_DIAS_PROGRAMACION, Pago, SolicitudPago, elegir_moneda, exigir_pagable,
};
pub use pasarela::{Cobro, FalloCobro, PasarelaDePagos, SolicitudCobro};
pub use ports::{
    Agregaciones, ComisionRepository, DimensionComision, FiltroComisiones, FiltroPagos,
    MovimientosRepository, PagoRepository, PagosRepository, ReporteRepository, ResultadoSolicitud,
    SolicitudEnCurso,
};
pub use reporte::{
    FilaCampania, FilaEstado, FiltroReporte, ReportePagos, TotalCampania, TotalEstado, Totales,
    VersionReporte,
};
pub use reversion::{AplicacionReversion, EfectoRechazo, EstadoReversion, Reversion};
pub use revision::{
    ACTOR_SISTEMA, CambioComision, EntradaAuditoriaComision, MAX_COMENTARIOS, MAX_METADATO,
    MetadatosAprobacion, Revision,
};
pub use valores::{Ciclo, ClaveIdempotencia, MetodoPago, TipoMetodoPago};
