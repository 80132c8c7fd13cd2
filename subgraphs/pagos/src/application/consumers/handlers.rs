//! The handlers of other contexts' events: parse, apply the aggregate's rules, write
//! through [`ComisionesEnTransaccion`].

use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::DatabaseTransaction;
use serde::Deserialize;
use subgraph_kit::{Dinero, DomainError, events::EventEnvelope, messaging::EventHandler};
use uuid::Uuid;

use super::{ComisionesEnTransaccion, Pendientes, calculo::calcular_y_publicar};
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
        let almacen: &dyn ComisionesEnTransaccion = txn;
        almacen.serializar().await?;
        if almacen
            .conversion_rechazada(conversion.conversion_id)
            .await?
        {
            tracing::debug!(conversion_id = %conversion.conversion_id, "conversion already rejected: no commission");
            return Ok(());
        }
        let ahora = Utc::now();
        let comision = Comision::nueva(&conversion, ahora);
        if !almacen.crear_comision(&comision).await? {
            tracing::debug!(conversion_id = %conversion.conversion_id, "commission already exists");
            return Ok(());
        }
        calcular_y_publicar(almacen, Pendientes::Comision(comision.id), ahora).await
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
/// `AfiliadoEliminado` is the partner's last version, state `ELIMINADO`: from then on
/// `pagar` refuses the partner (only ACTIVO partners are paid); its commissions keep
/// their history.
pub struct ProyeccionAfiliados;

#[async_trait]
impl EventHandler for ProyeccionAfiliados {
    fn consumer(&self) -> &'static str {
        "pagos.afiliados"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &[
            "AfiliadoRegistrado.v1",
            "AfiliadoActualizado.v1",
            "AfiliadoEliminado.v1",
        ]
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
        let almacen: &dyn ComisionesEnTransaccion = txn;
        almacen.serializar().await?;
        let ahora = Utc::now();
        almacen.proyectar_afiliado(&tarifa, ahora).await?;
        calcular_y_publicar(almacen, Pendientes::Afiliado(tarifa.id), ahora).await
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Configuracion {
    por_conversion: Decimal,
    por_venta: Decimal,
    #[serde(default)]
    bonus_objetivos: Decimal,
    /// Campaigns created before the objective existed carry none.
    #[serde(default)]
    objetivo_conversiones: Option<u32>,
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
            bonus_objetivos: d.configuracion_comisiones.bonus_objetivos,
            objetivo_conversiones: d.configuracion_comisiones.objetivo_conversiones,
        };
        let almacen: &dyn ComisionesEnTransaccion = txn;
        almacen.serializar().await?;
        let ahora = Utc::now();
        almacen.proyectar_campania(&tarifa, ahora).await?;
        calcular_y_publicar(almacen, Pendientes::Campania(id), ahora).await
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatosConversionRechazada {
    conversion_id: Uuid,
    motivo: String,
}

/// Reverses the commission of a rejected conversion (`pagos.reversiones`): a PENDIENTE or
/// CALCULADA one is refused; an approved one is reversed, and if a payout paid it or
/// holds it, a clawback is recorded for the partner's next payouts. A conversion
/// rejected before its commission exists gets none later. Applied once per conversion:
/// the inbox skips a redelivered event, and another event for the same conversion finds
/// the commission refused and its clawback recorded (unique per commission and per
/// event).
pub struct ReversionPorConversion;

#[async_trait]
impl EventHandler for ReversionPorConversion {
    fn consumer(&self) -> &'static str {
        "pagos.reversiones"
    }

    fn tipos(&self) -> &'static [&'static str] {
        &["ConversionRechazada.v1"]
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: &EventEnvelope,
    ) -> Result<(), DomainError> {
        let datos: DatosConversionRechazada = event.datos().map_err(|e| malformado(event, e))?;
        let almacen: &dyn ComisionesEnTransaccion = txn;
        // Serialised with the commission consumers: a ConversionValidada being applied
        // now either commits its commission first (reversed here) or sees the rejection.
        almacen.serializar().await?;
        let ahora = Utc::now();
        almacen
            .registrar_rechazo(datos.conversion_id, event.id, &datos.motivo, ahora)
            .await?;
        let Some(comision) = almacen.comision_de_conversion(datos.conversion_id).await? else {
            return Ok(());
        };
        let Some(efecto) = comision.rechazar_por_conversion(&datos.motivo, event.id, ahora)? else {
            return Ok(());
        };
        if let Some(reversion) = &efecto.reversion
            && !almacen.crear_reversion(reversion).await?
        {
            tracing::warn!(comision_id = %reversion.comision_id, event_id = %event.id, "clawback already recorded");
            return Ok(());
        }
        // Under the commission's version: a payout reserving it meanwhile makes this a
        // CONFLICT, and the event is applied again (then with its clawback).
        almacen.guardar_cambio(&efecto.cambio).await?;
        almacen.publicar(&efecto.cambio.eventos).await
    }
}
