use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use subgraph_kit::{Dinero, DomainError, DomainResult, Moneda, search, values::Porcentaje};
use uuid::Uuid;

use super::entities::{campania, campania_event};
use crate::domain::{
    Campania, ConfiguracionComisiones, EstadoCampania, EventoCampania, EventoRegistrado,
    TipoCampania,
};

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::internal(format!("campanias.{column} holds unknown value '{value}'"))
}

fn e4(value: Decimal) -> i64 {
    Porcentaje::from_trusted(value).diezmilesimas()
}

fn desde_e4(value: i64) -> Decimal {
    Porcentaje::desde_diezmilesimas(value).value()
}

fn minor(dinero: &Dinero, campo: &str) -> DomainResult<i64> {
    dinero
        .unidades_menores()
        .map_err(|e| DomainError::invalid(campo, e.to_string()))
}

/// Projection row → domain; an unknown stored code is an internal error, never a guess.
pub(crate) fn to_domain(row: campania::Model) -> DomainResult<Campania> {
    let moneda: Moneda = row
        .moneda
        .parse()
        .map_err(|_| corrupt("moneda", &row.moneda))?;
    let dinero =
        |minor| Dinero::desde_unidades_menores(minor, moneda).map_err(DomainError::internal);
    Ok(Campania {
        id: row.id,
        cliente_id: row.cliente_id,
        nombre: row.nombre,
        descripcion: row.descripcion,
        tipo: TipoCampania::desde_codigo(&row.tipo).ok_or_else(|| corrupt("tipo", &row.tipo))?,
        canales: serde_json::from_str(&row.canales)
            .map_err(|_| corrupt("canales", &row.canales))?,
        segmentacion: serde_json::from_str(&row.segmentacion)
            .map_err(|_| corrupt("segmentacion", &row.segmentacion))?,
        configuracion_comisiones: ConfiguracionComisiones {
            por_conversion: desde_e4(row.por_conversion_e4),
            por_venta: desde_e4(row.por_venta_e4),
            bonus_objetivos: desde_e4(row.bonus_objetivos_e4),
            objetivo_conversiones: row
                .objetivo_conversiones
                .map(u32::try_from)
                .transpose()
                .map_err(|_| corrupt("objetivo_conversiones", "negative"))?,
        },
        fecha_inicio: row.fecha_inicio,
        fecha_fin: row.fecha_fin,
        presupuesto: dinero(row.presupuesto_minor)?,
        gasto_actual: dinero(row.gasto_minor)?,
        estado: EstadoCampania::desde_codigo(&row.estado)
            .ok_or_else(|| corrupt("estado", &row.estado))?,
        fecha_creacion: row.fecha_creacion,
        fecha_actualizacion: row.fecha_actualizacion,
        version: row.version,
    })
}

/// Domain → projection row, every column set.
pub(crate) fn to_active(c: &Campania) -> DomainResult<campania::ActiveModel> {
    let config = &c.configuracion_comisiones;
    let json = |value: serde_json::Result<String>| value.map_err(DomainError::internal);
    Ok(campania::ActiveModel {
        id: Set(c.id),
        cliente_id: Set(c.cliente_id),
        nombre: Set(c.nombre.clone()),
        nombre_busqueda: Set(search::normalize(&c.nombre)),
        descripcion: Set(c.descripcion.clone()),
        descripcion_busqueda: Set(search::normalize(&c.descripcion)),
        tipo: Set(c.tipo.codigo().to_owned()),
        estado: Set(c.estado.codigo().to_owned()),
        canales: Set(json(serde_json::to_string(&c.canales))?),
        segmentacion: Set(json(serde_json::to_string(&c.segmentacion))?),
        por_conversion_e4: Set(e4(config.por_conversion)),
        por_venta_e4: Set(e4(config.por_venta)),
        bonus_objetivos_e4: Set(e4(config.bonus_objetivos)),
        objetivo_conversiones: Set(config.objetivo_conversiones.map(i64::from)),
        fecha_inicio: Set(c.fecha_inicio),
        fecha_fin: Set(c.fecha_fin),
        moneda: Set(c.presupuesto.moneda().codigo().to_owned()),
        presupuesto_minor: Set(minor(&c.presupuesto, "presupuesto")?),
        gasto_minor: Set(minor(&c.gasto_actual, "gastoActual")?),
        fecha_creacion: Set(c.fecha_creacion),
        fecha_actualizacion: Set(c.fecha_actualizacion),
        version: Set(c.version),
    })
}

/// Stored event row → domain.
pub(crate) fn evento_to_domain(row: campania_event::Model) -> DomainResult<EventoRegistrado> {
    let id = Uuid::parse_str(&row.event_id).map_err(|_| corrupt("event_id", &row.event_id))?;
    let datos: serde_json::Value =
        serde_json::from_str(&row.datos).map_err(|_| corrupt("datos", &row.tipo))?;
    let evento =
        EventoCampania::desde(&row.tipo, datos).ok_or_else(|| corrupt("tipo", &row.tipo))?;
    Ok(EventoRegistrado {
        id,
        campania_id: row.campania_id,
        version: row.version,
        ocurrido_en: row.ocurrido_en,
        evento,
    })
}

/// Domain event → row to insert.
pub(crate) fn evento_to_active(r: &EventoRegistrado) -> campania_event::ActiveModel {
    let (tipo, datos) = r.evento.tipo_y_datos();
    campania_event::ActiveModel {
        seq: sea_orm::ActiveValue::NotSet,
        event_id: Set(r.id.to_string()),
        campania_id: Set(r.campania_id),
        version: Set(r.version),
        tipo: Set(tipo),
        datos: Set(datos.to_string()),
        comision_id: Set(r.evento.comision_id().map(|id| id.to_string())),
        comision_revertida_id: Set(r.evento.comision_revertida_id().map(|id| id.to_string())),
        ocurrido_en: Set(r.ocurrido_en),
    }
}
