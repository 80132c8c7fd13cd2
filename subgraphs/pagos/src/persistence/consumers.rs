//! Events of other contexts that this context applies (at least once, in any order):
//! - `ConversionValidada.v1` creates the conversion's commission; the unique
//!   `conversion_id` makes a redelivery, or the same conversion in another event, a
//!   no-op, and the runtime's inbox skips exact duplicates;
//! - `AfiliadoRegistrado.v1` / `AfiliadoActualizado.v1` and `CampaniaCreada.v1` feed the
//!   projections the rate comes from. A commission whose partner or campaign is not yet
//!   known stays PENDIENTE and is calculated when the missing fact arrives, so the order
//!   of arrival never changes the result. The three consumers' transactions are
//!   serialised (`calculo::serializar`), so concurrent ones never miss each other's rows.

use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::DatabaseTransaction;
use serde::Deserialize;
use subgraph_kit::{
    Dinero, DomainError,
    events::EventEnvelope,
    messaging::{EventHandler, outbox},
};
use uuid::Uuid;

use super::calculo::{
    Pendientes, calcular_pendientes, crear_comision, proyectar_afiliado, proyectar_campania,
    serializar,
};
use crate::domain::{
    Comision, ConversionValidada, EstadoAfiliado, TarifaAfiliado, TarifaCampania, TipoAfiliado,
    TipoConversion,
};

fn malformado(event: &EventEnvelope, detalle: impl std::fmt::Display) -> DomainError {
    tracing::error!(event_id = %event.id, tipo = %event.tipo, %detalle, "malformed event");
    DomainError::invalid("datos", format!("{}: {detalle}", event.tipo))
}

/// An amount as events carry it, validated like any input.
fn dinero(event: &EventEnvelope, d: Dinero) -> Result<Dinero, DomainError> {
    Dinero::new(d.valor(), d.moneda()).map_err(|e| malformado(event, e))
}

/// Appends the events of the calculation to the consumer's transaction.
async fn publicar(
    txn: &DatabaseTransaction,
    eventos: Vec<EventEnvelope>,
) -> Result<(), DomainError> {
    outbox::append(txn, &eventos)
        .await
        .map_err(subgraph_kit::db::internal)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatosConversionValidada {
    conversion_id: Uuid,
    afiliado_id: Uuid,
    campania_id: Uuid,
    valor: Dinero,
    tipo: String,
    fecha: chrono::DateTime<Utc>,
}

/// Creates and, when it can, calculates the commission of a validated conversion
/// (`pagos.comisiones`).
pub struct ComisionPorConversion;

#[async_trait]
impl EventHandler for ComisionPorConversion {
    fn consumer(&self) -> &'static str {
        "pagos.comisiones"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &["ConversionValidada.v1"]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let datos: DatosConversionValidada = event.datos().map_err(|e| malformado(event, e))?;
        let conversion = ConversionValidada {
            conversion_id: datos.conversion_id,
            afiliado_id: datos.afiliado_id,
            campania_id: datos.campania_id,
            tipo: TipoConversion::desde_codigo(&datos.tipo)
                .ok_or_else(|| malformado(event, format!("tipo '{}'", datos.tipo)))?,
            valor: dinero(event, datos.valor)?,
            fecha: datos.fecha,
        };
        serializar(txn).await?;
        let ahora = Utc::now();
        let comision = Comision::nueva(&conversion, ahora);
        if !crear_comision(txn, &comision).await? {
            tracing::debug!(conversion_id = %conversion.conversion_id, "commission already exists");
            return Ok(());
        }
        publicar(
            txn,
            calcular_pendientes(txn, Pendientes::Comision(comision.id), ahora).await?,
        )
        .await
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatosAfiliado {
    afiliado_id: Uuid,
    tipo: String,
    estado: String,
    comision_base: Decimal,
    comision_premium: Decimal,
    minimo_pago: Dinero,
    /// `AfiliadoRegistrado` carries none: a new partner is at version 1.
    version: Option<i64>,
}

/// Keeps the partner projection and calculates what was waiting for it (`pagos.afiliados`).
pub struct ProyeccionAfiliados;

#[async_trait]
impl EventHandler for ProyeccionAfiliados {
    fn consumer(&self) -> &'static str {
        "pagos.afiliados"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &["AfiliadoRegistrado.v1", "AfiliadoActualizado.v1"]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let d: DatosAfiliado = event.datos().map_err(|e| malformado(event, e))?;
        let tarifa = TarifaAfiliado {
            id: d.afiliado_id,
            tipo: TipoAfiliado::desde_codigo(&d.tipo)
                .ok_or_else(|| malformado(event, format!("tipo '{}'", d.tipo)))?,
            estado: EstadoAfiliado::desde_codigo(&d.estado)
                .ok_or_else(|| malformado(event, format!("estado '{}'", d.estado)))?,
            comision_base: d.comision_base,
            comision_premium: d.comision_premium,
            minimo_pago: dinero(event, d.minimo_pago)?,
            version: d.version.unwrap_or(1),
        };
        serializar(txn).await?;
        let ahora = Utc::now();
        proyectar_afiliado(txn, &tarifa, ahora).await?;
        publicar(
            txn,
            calcular_pendientes(txn, Pendientes::Afiliado(tarifa.id), ahora).await?,
        )
        .await
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Configuracion {
    por_conversion: Decimal,
    por_venta: Decimal,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatosCampania {
    cliente_id: Uuid,
    configuracion_comisiones: Configuracion,
}

/// Keeps the campaign projection and calculates what was waiting for it (`pagos.campanias`).
pub struct ProyeccionCampanias;

#[async_trait]
impl EventHandler for ProyeccionCampanias {
    fn consumer(&self) -> &'static str {
        "pagos.campanias"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &["CampaniaCreada.v1"]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let d: DatosCampania = event.datos().map_err(|e| malformado(event, e))?;
        let id = Uuid::parse_str(&event.agregado_id).map_err(|e| malformado(event, e))?;
        let tarifa = TarifaCampania {
            id,
            cliente_id: d.cliente_id,
            por_conversion: d.configuracion_comisiones.por_conversion,
            por_venta: d.configuracion_comisiones.por_venta,
        };
        serializar(txn).await?;
        let ahora = Utc::now();
        proyectar_campania(txn, &tarifa, ahora).await?;
        publicar(
            txn,
            calcular_pendientes(txn, Pendientes::Campania(id), ahora).await?,
        )
        .await
    }
}
