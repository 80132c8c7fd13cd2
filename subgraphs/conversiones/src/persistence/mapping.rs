use sea_orm::ActiveValue::Set;
use subgraph_kit::{Dinero, DomainError, DomainResult, Moneda};

use super::entities::{conversion, evento_tracking};
use crate::domain::{Canal, Conversion, EstadoConversion, EventoTracking, TipoConversion};

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::internal(format!(
        "conversiones.{column} holds unknown value '{value}'"
    ))
}

fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> DomainResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(column, text))
}

fn texto<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(DomainError::internal)
}

/// Row → domain; an unknown stored code is an internal error, never a guess.
pub(crate) fn to_domain(row: conversion::Model) -> DomainResult<Conversion> {
    let moneda: Moneda = row
        .moneda
        .parse()
        .map_err(|_| corrupt("moneda", &row.moneda))?;
    Ok(Conversion {
        id: row.id,
        afiliado_id: row.afiliado_id,
        campania_id: row.campania_id,
        tipo: TipoConversion::desde_codigo(&row.tipo).ok_or_else(|| corrupt("tipo", &row.tipo))?,
        valor: Dinero::desde_unidades_menores(row.valor_minor, moneda)
            .map_err(DomainError::internal)?,
        canal: Canal::desde_codigo(&row.canal).ok_or_else(|| corrupt("canal", &row.canal))?,
        datos_cliente: json("datos_cliente", &row.datos_cliente)?,
        productos: json("productos", &row.productos)?,
        metadatos: json("metadatos", &row.metadatos)?,
        estado: EstadoConversion::desde_codigo(&row.estado)
            .ok_or_else(|| corrupt("estado", &row.estado))?,
        motivo_rechazo: row.motivo_rechazo,
        fecha: row.fecha,
        referencia_externa: row.referencia_externa,
        solicitud: row.solicitud,
        fecha_registro: row.fecha_registro,
        fecha_actualizacion: row.fecha_actualizacion,
        version: row.version,
    })
}

/// Domain → row, every column set.
pub(crate) fn to_active(c: &Conversion) -> DomainResult<conversion::ActiveModel> {
    Ok(conversion::ActiveModel {
        id: Set(c.id),
        afiliado_id: Set(c.afiliado_id),
        campania_id: Set(c.campania_id),
        tipo: Set(c.tipo.codigo().to_owned()),
        valor_minor: Set(c
            .valor
            .unidades_menores()
            .map_err(|e| DomainError::invalid("valor", e.to_string()))?),
        moneda: Set(c.valor.moneda().codigo().to_owned()),
        canal: Set(c.canal.codigo().to_owned()),
        datos_cliente: Set(texto(&c.datos_cliente)?),
        productos: Set(texto(&c.productos)?),
        metadatos: Set(texto(&c.metadatos)?),
        estado: Set(c.estado.codigo().to_owned()),
        motivo_rechazo: Set(c.motivo_rechazo.clone()),
        fecha: Set(c.fecha),
        referencia_externa: Set(c.referencia_externa.clone()),
        solicitud: Set(c.solicitud.clone()),
        fecha_registro: Set(c.fecha_registro),
        fecha_actualizacion: Set(c.fecha_actualizacion),
        version: Set(c.version),
    })
}

/// Tracking event → row.
pub(crate) fn evento_to_active(e: &EventoTracking) -> DomainResult<evento_tracking::ActiveModel> {
    Ok(evento_tracking::ActiveModel {
        id: Set(e.id),
        tipo: Set(e.tipo.codigo().to_owned()),
        afiliado_id: Set(e.afiliado_id),
        campania_id: Set(e.campania_id),
        fuente: Set(e.fuente.codigo().to_owned()),
        canal: Set(e.canal.codigo().to_owned()),
        valor_minor: Set(e
            .valor
            .map(|v| v.unidades_menores())
            .transpose()
            .map_err(|err| DomainError::invalid("valor", err.to_string()))?),
        moneda: Set(e.valor.map(|v| v.moneda().codigo().to_owned())),
        metadatos: Set(texto(&e.metadatos)?),
        ocurrido_en: Set(e.ocurrido_en),
        recibido_en: Set(e.recibido_en),
    })
}
