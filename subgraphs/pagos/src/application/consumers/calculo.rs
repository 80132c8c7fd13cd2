//! The PENDIENTE → CALCULADA step, once a commission's partner and campaign are known.

use chrono::{DateTime, Utc};
use subgraph_kit::{DomainResult, events::EventEnvelope};
use uuid::Uuid;

use super::{ComisionesEnTransaccion, Pendientes};
use crate::domain::eventos::{ComisionCalculada, envelope};

/// Sorted, without repeats.
fn distintos(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Calculates the pending commissions `cuales` names whose partner and campaign are both
/// known, with a line each in their audit trails; returns their `ComisionCalculada` events
/// for the caller's outbox.
pub(super) async fn calcular_pendientes(
    almacen: &dyn ComisionesEnTransaccion,
    cuales: Pendientes,
    ahora: DateTime<Utc>,
) -> DomainResult<Vec<EventEnvelope>> {
    let pendientes = almacen.pendientes(cuales).await?;
    if pendientes.is_empty() {
        return Ok(Vec::new());
    }
    let afiliados = almacen
        .tarifas_afiliados(&distintos(
            pendientes.iter().map(|c| c.afiliado_id).collect(),
        ))
        .await?;
    let campanias = almacen
        .tarifas_campanias(&distintos(
            pendientes.iter().map(|c| c.campania_id).collect(),
        ))
        .await?;
    let mut eventos = Vec::new();
    let mut auditoria = Vec::new();
    for mut comision in pendientes {
        let (Some(afiliado), Some(campania)) = (
            afiliados.get(&comision.afiliado_id),
            campanias.get(&comision.campania_id),
        ) else {
            continue;
        };
        let version = comision.version;
        // Only a campaign with an objective needs the count.
        let posicion = if campania.objetivo_conversiones.is_some() {
            almacen.posicion_en_campania(&comision).await?
        } else {
            0
        };
        comision.calcular(afiliado, campania, posicion, ahora)?;
        if almacen.guardar_calculada(&comision, version).await? {
            eventos.push(envelope(&ComisionCalculada::from(&comision), ahora)?);
            auditoria.push(comision.auditoria_calculo());
        }
    }
    almacen.auditar(&auditoria).await?;
    Ok(eventos)
}

/// Calculates what `cuales` completes and appends the events to the outbox.
pub(super) async fn calcular_y_publicar(
    almacen: &dyn ComisionesEnTransaccion,
    cuales: Pendientes,
    ahora: DateTime<Utc>,
) -> DomainResult<()> {
    let eventos = calcular_pendientes(almacen, cuales, ahora).await?;
    almacen.publicar(&eventos).await
}
