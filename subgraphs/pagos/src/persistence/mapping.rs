//! Rows ↔ domain. An unknown stored code is an internal error, never a guess.

use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use subgraph_kit::{Dinero, DomainError, DomainResult, Moneda};

use super::entities::{
    afiliado_proyeccion, auditoria, auditoria_comision, campania_proyeccion, comision, pago,
    reversion, transaccion,
};
use crate::domain::{
    CalculoManual, Ciclo, ClaveIdempotencia, Comision, EntradaAuditoria, EntradaAuditoriaComision,
    EstadoAfiliado, EstadoComision, EstadoPago, MetodoPago, Pago, Reversion, TarifaAfiliado,
    TarifaCampania, TipoAfiliado, TipoComision, TipoConversion, TipoMetodoPago, TipoTransaccion,
    Transaccion,
};

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::internal(format!("pagos: {column} holds unknown value '{value}'"))
}

pub(crate) fn codigo<T>(
    column: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> DomainResult<T> {
    parse(value).ok_or_else(|| corrupt(column, value))
}

pub(crate) fn moneda(column: &str, value: &str) -> DomainResult<Moneda> {
    value.parse().map_err(|_| corrupt(column, value))
}

pub(crate) fn dinero(minor: i64, moneda: Moneda) -> DomainResult<Dinero> {
    Dinero::desde_unidades_menores(minor, moneda).map_err(DomainError::internal)
}

pub(crate) fn minor(d: &Dinero) -> DomainResult<i64> {
    d.unidades_menores().map_err(DomainError::internal)
}

fn decimal(column: &str, value: &str) -> DomainResult<Decimal> {
    value.parse().map_err(|_| corrupt(column, value))
}

pub(crate) fn comision_to_domain(row: comision::Model) -> DomainResult<Comision> {
    let m = moneda("comisiones.moneda", &row.moneda)?;
    Ok(Comision {
        id: row.id,
        conversion_id: row.conversion_id,
        afiliado_id: row.afiliado_id,
        campania_id: row.campania_id,
        cliente_id: row.cliente_id,
        tipo_conversion: codigo(
            "comisiones.tipo_conversion",
            &row.tipo_conversion,
            TipoConversion::desde_codigo,
        )?,
        monto_base: dinero(row.monto_base_minor, m)?,
        porcentaje: row
            .porcentaje
            .as_deref()
            .map(|p| decimal("comisiones.porcentaje", p))
            .transpose()?,
        monto: row.monto_minor.map(|v| dinero(v, m)).transpose()?,
        estado: codigo(
            "comisiones.estado",
            &row.estado,
            EstadoComision::desde_codigo,
        )?,
        motivo_rechazo: row.motivo_rechazo,
        pago_id: row.pago_id,
        bonus_objetivos: row
            .bonus_objetivos
            .as_deref()
            .map(|b| decimal("comisiones.bonus_objetivos", b))
            .transpose()?,
        calculo_manual: row
            .calculo_manual
            .as_deref()
            .map(|texto| calculo_manual_to_domain(texto, m))
            .transpose()?,
        fecha_conversion: row.fecha_conversion,
        fecha_creacion: row.fecha_creacion,
        fecha_actualizacion: row.fecha_actualizacion,
        version: row.version,
    })
}

pub(crate) fn comision_to_active(c: &Comision) -> DomainResult<comision::ActiveModel> {
    Ok(comision::ActiveModel {
        id: Set(c.id),
        conversion_id: Set(c.conversion_id),
        afiliado_id: Set(c.afiliado_id),
        campania_id: Set(c.campania_id),
        cliente_id: Set(c.cliente_id),
        tipo_conversion: Set(c.tipo_conversion.codigo().to_owned()),
        monto_base_minor: Set(minor(&c.monto_base)?),
        moneda: Set(c.monto_base.moneda().codigo().to_owned()),
        porcentaje: Set(c.porcentaje.map(|p| p.to_string())),
        monto_minor: Set(c.monto.as_ref().map(minor).transpose()?),
        estado: Set(c.estado.codigo().to_owned()),
        motivo_rechazo: Set(c.motivo_rechazo.clone()),
        pago_id: Set(c.pago_id),
        bonus_objetivos: Set(c.bonus_objetivos.map(|b| b.to_string())),
        calculo_manual: Set(c
            .calculo_manual
            .as_ref()
            .map(calculo_manual_to_text)
            .transpose()?),
        fecha_conversion: Set(c.fecha_conversion),
        fecha_creacion: Set(c.fecha_creacion),
        fecha_actualizacion: Set(c.fecha_actualizacion),
        version: Set(c.version),
    })
}

pub(crate) fn pago_to_domain(row: pago::Model) -> DomainResult<Pago> {
    let m = moneda("pagos.moneda", &row.moneda)?;
    Ok(Pago {
        id: row.id,
        clave: ClaveIdempotencia::from_trusted(row.idempotency_key),
        afiliado_id: row.afiliado_id,
        ciclo: Ciclo::from_trusted(row.ciclo),
        monto_total: dinero(row.monto_minor, m)?,
        metodo_pago: MetodoPago {
            tipo: codigo(
                "pagos.metodo_tipo",
                &row.metodo_tipo,
                TipoMetodoPago::desde_codigo,
            )?,
            mascara: row.metodo_mascara,
        },
        estado: codigo("pagos.estado", &row.estado, EstadoPago::desde_codigo)?,
        confirmacion: row.confirmacion,
        motivo_fallo: row.motivo_fallo,
        solicitud: row.solicitud,
        intentos: row.intentos,
        proximo_intento: row.proximo_intento,
        fecha_creacion: row.fecha_creacion,
        fecha_actualizacion: row.fecha_actualizacion,
        fecha_completado: row.fecha_completado,
    })
}

/// The payout's columns; the lease columns are the repository's business.
pub(crate) fn pago_to_active(p: &Pago) -> DomainResult<pago::ActiveModel> {
    Ok(pago::ActiveModel {
        id: Set(p.id),
        idempotency_key: Set(p.clave.as_str().to_owned()),
        afiliado_id: Set(p.afiliado_id),
        ciclo: Set(p.ciclo.as_str().to_owned()),
        monto_minor: Set(minor(&p.monto_total)?),
        moneda: Set(p.monto_total.moneda().codigo().to_owned()),
        metodo_tipo: Set(p.metodo_pago.tipo.codigo().to_owned()),
        metodo_mascara: Set(p.metodo_pago.mascara.clone()),
        estado: Set(p.estado.codigo().to_owned()),
        confirmacion: Set(p.confirmacion.clone()),
        motivo_fallo: Set(p.motivo_fallo.clone()),
        solicitud: Set(p.solicitud.clone()),
        intentos: Set(p.intentos),
        proximo_intento: Set(p.proximo_intento),
        lease_token: NotSet,
        lease_hasta: NotSet,
        fecha_creacion: Set(p.fecha_creacion),
        fecha_actualizacion: Set(p.fecha_actualizacion),
        fecha_completado: Set(p.fecha_completado),
    })
}

pub(crate) fn transaccion_to_domain(row: transaccion::Model) -> DomainResult<Transaccion> {
    let m = moneda("transacciones.moneda", &row.moneda)?;
    let tipo = codigo(
        "transacciones.tipo",
        &row.tipo,
        TipoTransaccion::desde_codigo,
    )?;
    Ok(Transaccion {
        id: row.id,
        pago_id: row.pago_id,
        comision_id: row.comision_id,
        tipo,
        // A REVERSION is stored negative (a deduction); the domain keeps its magnitude.
        monto: dinero(
            row.monto_minor
                .checked_abs()
                .ok_or_else(|| corrupt("transacciones.monto_minor", "i64::MIN"))?,
            m,
        )?,
        descripcion: row.descripcion,
        referencia: row.referencia,
        fecha: row.fecha,
    })
}

pub(crate) fn transaccion_to_active(t: &Transaccion) -> DomainResult<transaccion::ActiveModel> {
    Ok(transaccion::ActiveModel {
        id: Set(t.id),
        pago_id: Set(t.pago_id),
        comision_id: Set(t.comision_id),
        tipo: Set(t.tipo.codigo().to_owned()),
        monto_minor: Set(if t.tipo == TipoTransaccion::Reversion {
            -minor(&t.monto)?
        } else {
            minor(&t.monto)?
        }),
        moneda: Set(t.monto.moneda().codigo().to_owned()),
        descripcion: Set(t.descripcion.clone()),
        referencia: Set(t.referencia.clone()),
        fecha: Set(t.fecha),
    })
}

pub(crate) fn auditoria_to_domain(row: auditoria::Model) -> EntradaAuditoria {
    EntradaAuditoria {
        pago_id: row.pago_id,
        evento: row.evento,
        actor: row.actor,
        detalle: row.detalle,
        fecha: row.fecha,
    }
}

pub(crate) fn auditoria_to_active(a: &EntradaAuditoria) -> auditoria::ActiveModel {
    auditoria::ActiveModel {
        seq: NotSet,
        pago_id: Set(a.pago_id),
        evento: Set(a.evento.clone()),
        actor: Set(a.actor.clone()),
        detalle: Set(a.detalle.clone()),
        fecha: Set(a.fecha),
    }
}

pub(crate) fn tarifa_afiliado(row: afiliado_proyeccion::Model) -> DomainResult<TarifaAfiliado> {
    let m = moneda("afiliados_proyeccion.minimo_moneda", &row.minimo_moneda)?;
    Ok(TarifaAfiliado {
        id: row.id,
        tipo: codigo(
            "afiliados_proyeccion.tipo",
            &row.tipo,
            TipoAfiliado::desde_codigo,
        )?,
        estado: codigo(
            "afiliados_proyeccion.estado",
            &row.estado,
            EstadoAfiliado::desde_codigo,
        )?,
        comision_base: decimal("afiliados_proyeccion.comision_base", &row.comision_base)?,
        comision_premium: decimal(
            "afiliados_proyeccion.comision_premium",
            &row.comision_premium,
        )?,
        minimo_pago: dinero(row.minimo_minor, m)?,
        version: row.version,
    })
}

pub(crate) fn tarifa_afiliado_to_active(
    t: &TarifaAfiliado,
    en: chrono::DateTime<chrono::Utc>,
) -> DomainResult<afiliado_proyeccion::ActiveModel> {
    Ok(afiliado_proyeccion::ActiveModel {
        id: Set(t.id),
        tipo: Set(t.tipo.codigo().to_owned()),
        estado: Set(t.estado.codigo().to_owned()),
        comision_base: Set(t.comision_base.to_string()),
        comision_premium: Set(t.comision_premium.to_string()),
        minimo_minor: Set(minor(&t.minimo_pago)?),
        minimo_moneda: Set(t.minimo_pago.moneda().codigo().to_owned()),
        version: Set(t.version),
        actualizado_en: Set(en),
    })
}

pub(crate) fn tarifa_campania(row: campania_proyeccion::Model) -> DomainResult<TarifaCampania> {
    Ok(TarifaCampania {
        id: row.id,
        cliente_id: row.cliente_id,
        por_conversion: decimal("campanias_proyeccion.por_conversion", &row.por_conversion)?,
        por_venta: decimal("campanias_proyeccion.por_venta", &row.por_venta)?,
        bonus_objetivos: row
            .bonus_objetivos
            .as_deref()
            .map(|b| decimal("campanias_proyeccion.bonus_objetivos", b))
            .transpose()?
            .unwrap_or_default(),
        objetivo_conversiones: row
            .objetivo_conversiones
            .map(u32::try_from)
            .transpose()
            .map_err(|_| corrupt("campanias_proyeccion.objetivo_conversiones", "out of range"))?,
    })
}

pub(crate) fn tarifa_campania_to_active(
    t: &TarifaCampania,
    en: chrono::DateTime<chrono::Utc>,
) -> campania_proyeccion::ActiveModel {
    campania_proyeccion::ActiveModel {
        id: Set(t.id),
        cliente_id: Set(t.cliente_id),
        por_conversion: Set(t.por_conversion.to_string()),
        por_venta: Set(t.por_venta.to_string()),
        bonus_objetivos: Set(Some(t.bonus_objetivos.to_string())),
        objetivo_conversiones: Set(t.objetivo_conversiones.map(i64::from)),
        actualizado_en: Set(en),
    }
}

pub(crate) fn auditoria_comision_to_domain(
    row: auditoria_comision::Model,
) -> DomainResult<EntradaAuditoriaComision> {
    let metadatos = row
        .metadatos
        .as_deref()
        .map(|texto| {
            serde_json::from_str(texto)
                .map_err(|_| corrupt("auditoria_comisiones.metadatos", texto))
        })
        .transpose()?;
    Ok(EntradaAuditoriaComision {
        comision_id: row.comision_id,
        evento: row.evento,
        actor: row.actor,
        detalle: row.detalle,
        comentarios: row.comentarios,
        metadatos,
        fecha: row.fecha,
    })
}

pub(crate) fn auditoria_comision_to_active(
    a: &EntradaAuditoriaComision,
) -> DomainResult<auditoria_comision::ActiveModel> {
    Ok(auditoria_comision::ActiveModel {
        seq: NotSet,
        comision_id: Set(a.comision_id),
        evento: Set(a.evento.clone()),
        actor: Set(a.actor.clone()),
        detalle: Set(a.detalle.clone()),
        comentarios: Set(a.comentarios.clone()),
        metadatos: Set(a
            .metadatos
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(DomainError::internal)?),
        fecha: Set(a.fecha),
    })
}

/// A manual calculation as stored: amounts in minor units of the commission's currency.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalculoManualFila {
    tipo: String,
    porcentaje: Option<String>,
    monto_fijo_minor: Option<i64>,
    descuentos_minor: Option<i64>,
    aplicar_descuentos: bool,
    incluir_iva: bool,
    tasa_iva: String,
}

fn calculo_manual_to_text(c: &CalculoManual) -> DomainResult<String> {
    let fila = CalculoManualFila {
        tipo: c.tipo.codigo().to_owned(),
        porcentaje: c.porcentaje.map(|p| p.to_string()),
        monto_fijo_minor: c.monto_fijo.as_ref().map(minor).transpose()?,
        descuentos_minor: c.descuentos.as_ref().map(minor).transpose()?,
        aplicar_descuentos: c.aplicar_descuentos,
        incluir_iva: c.incluir_iva,
        tasa_iva: c.tasa_iva.to_string(),
    };
    serde_json::to_string(&fila).map_err(DomainError::internal)
}

fn calculo_manual_to_domain(texto: &str, m: Moneda) -> DomainResult<CalculoManual> {
    let fila: CalculoManualFila =
        serde_json::from_str(texto).map_err(|_| corrupt("comisiones.calculo_manual", texto))?;
    Ok(CalculoManual {
        tipo: codigo(
            "comisiones.calculo_manual.tipo",
            &fila.tipo,
            TipoComision::desde_codigo,
        )?,
        porcentaje: fila
            .porcentaje
            .as_deref()
            .map(|p| decimal("comisiones.calculo_manual.porcentaje", p))
            .transpose()?,
        monto_fijo: fila.monto_fijo_minor.map(|v| dinero(v, m)).transpose()?,
        descuentos: fila.descuentos_minor.map(|v| dinero(v, m)).transpose()?,
        aplicar_descuentos: fila.aplicar_descuentos,
        incluir_iva: fila.incluir_iva,
        tasa_iva: decimal("comisiones.calculo_manual.tasaIva", &fila.tasa_iva)?,
    })
}

pub(crate) fn reversion_to_domain(row: reversion::Model) -> DomainResult<Reversion> {
    let m = moneda("reversiones.moneda", &row.moneda)?;
    Ok(Reversion {
        id: row.id,
        comision_id: row.comision_id,
        evento_id: row.evento_id,
        afiliado_id: row.afiliado_id,
        pago_origen_id: row.pago_origen_id,
        monto: dinero(row.monto_minor, m)?,
        pendiente: dinero(row.pendiente_minor, m)?,
        motivo: row.motivo,
        fecha_creacion: row.fecha_creacion,
        fecha_actualizacion: row.fecha_actualizacion,
    })
}

pub(crate) fn reversion_to_active(r: &Reversion) -> DomainResult<reversion::ActiveModel> {
    Ok(reversion::ActiveModel {
        id: Set(r.id),
        comision_id: Set(r.comision_id),
        evento_id: Set(r.evento_id),
        afiliado_id: Set(r.afiliado_id),
        pago_origen_id: Set(r.pago_origen_id),
        moneda: Set(r.monto.moneda().codigo().to_owned()),
        monto_minor: Set(minor(&r.monto)?),
        pendiente_minor: Set(minor(&r.pendiente)?),
        motivo: Set(r.motivo.clone()),
        fecha_creacion: Set(r.fecha_creacion),
        fecha_actualizacion: Set(r.fecha_actualizacion),
        version: Set(1),
    })
}
