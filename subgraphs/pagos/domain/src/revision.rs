//! A commission's audit trail and the changes that write it: a reviewer's approval or
//! refusal with comments (the seeds' `comentarios` and `metadatos_aprobacion`), kept with
//! the actor and time of every change, like a payout's.

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{DomainError, DomainResult, events::EventEnvelope};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Comision,
    eventos::{ComisionAprobada, ComisionRechazada, envelope},
};

/// Longest reviewer comment, in characters.
pub const MAX_COMENTARIOS: usize = 1000;
/// Longest approval metadata value (`nivelAprobacion`, `politicaAplicada`), in characters.
pub const MAX_METADATO: usize = 64;

/// How an approval was decided (the seeds' `metadatos_aprobacion`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadatosAprobacion {
    /// Approval level (`automatico`, `manual`, `supervisor`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nivel_aprobacion: Option<String>,
    /// The policy applied (`estandar`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub politica_aplicada: Option<String>,
}

/// Optional text a client gives: trimmed, empty is none, at most `max` characters and no
/// control characters but line breaks and tabs.
fn texto_opcional(campo: &str, valor: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    let Some(valor) = valor.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if valor.chars().count() > max {
        return Err(DomainError::invalid(
            campo,
            format!("Admite como máximo {max} caracteres"),
        ));
    }
    if valor
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            campo,
            "Contiene caracteres de control no permitidos",
        ));
    }
    Ok(Some(valor.to_owned()))
}

/// A reviewer's words on a decision: comments and, for an approval, how it was decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Revision {
    /// Comments (at most [`MAX_COMENTARIOS`] characters).
    pub comentarios: Option<String>,
    /// How the approval was decided.
    pub metadatos: Option<MetadatosAprobacion>,
}

impl Revision {
    /// Validates a review; `campo`s are the input's (`comentarios`,
    /// `metadatos.nivelAprobacion`, `metadatos.politicaAplicada`).
    pub fn new(
        comentarios: Option<&str>,
        nivel_aprobacion: Option<&str>,
        politica_aplicada: Option<&str>,
    ) -> DomainResult<Self> {
        let comentarios = texto_opcional("comentarios", comentarios, MAX_COMENTARIOS)?;
        let metadatos = MetadatosAprobacion {
            nivel_aprobacion: texto_opcional(
                "metadatos.nivelAprobacion",
                nivel_aprobacion,
                MAX_METADATO,
            )?,
            politica_aplicada: texto_opcional(
                "metadatos.politicaAplicada",
                politica_aplicada,
                MAX_METADATO,
            )?,
        };
        let metadatos = (metadatos != MetadatosAprobacion::default()).then_some(metadatos);
        Ok(Self {
            comentarios,
            metadatos,
        })
    }
}

/// One line of a commission's audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntradaAuditoriaComision {
    /// The commission.
    pub comision_id: Uuid,
    /// What happened (`ComisionCreada`, `ComisionCalculada`, `ComisionRecalculada`,
    /// `ComisionAprobada`, `ComisionRechazada`, `ComisionRevertida`).
    pub evento: String,
    /// Who did it (the caller's `sub`, or `system` for what events of other contexts did).
    pub actor: String,
    /// What changed (rate, amount, reason).
    pub detalle: Option<String>,
    /// The reviewer's comments.
    pub comentarios: Option<String>,
    /// How an approval was decided.
    pub metadatos: Option<MetadatosAprobacion>,
    /// When.
    pub fecha: DateTime<Utc>,
}

/// The actor of changes made by events of other contexts.
pub const ACTOR_SISTEMA: &str = "system";

impl EntradaAuditoriaComision {
    /// A line about `comision` without reviewer words.
    pub fn de(comision: &Comision, evento: &str, actor: &str, detalle: Option<String>) -> Self {
        Self {
            comision_id: comision.id,
            evento: evento.to_owned(),
            actor: actor.to_owned(),
            detalle,
            comentarios: None,
            metadatos: None,
            fecha: comision.fecha_actualizacion,
        }
    }
}

/// A complete change of a commission, saved atomically if nobody changed it since
/// `version_anterior`: the row, its events (outbox) and its audit lines.
#[derive(Clone, Debug)]
pub struct CambioComision {
    /// The commission after the change.
    pub comision: Comision,
    /// The version the change was decided on.
    pub version_anterior: i64,
    /// Events for the outbox.
    pub eventos: Vec<EventEnvelope>,
    /// Audit lines.
    pub auditoria: Vec<EntradaAuditoriaComision>,
}

impl Comision {
    /// CALCULADA → APROBADA by `actor` with its review: `ComisionAprobada` (with the
    /// comments) and an audit line.
    pub fn aprobar_revisada(
        mut self,
        revision: Revision,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<CambioComision> {
        let version_anterior = self.version;
        self.aprobar(ahora)?;
        let mut evento = ComisionAprobada::from(&self);
        evento.comentarios = revision.comentarios.clone();
        evento.metadatos = revision.metadatos.clone();
        let detalle = format!("monto {}", self.monto_o_cero());
        Ok(CambioComision {
            eventos: vec![envelope(&evento, ahora.trunc_subsecs(6))?],
            auditoria: vec![EntradaAuditoriaComision {
                comentarios: revision.comentarios,
                metadatos: revision.metadatos,
                ..EntradaAuditoriaComision::de(&self, "ComisionAprobada", actor, Some(detalle))
            }],
            version_anterior,
            comision: self,
        })
    }

    /// PENDIENTE or CALCULADA → RECHAZADA by `actor` with a reason and its review:
    /// `ComisionRechazada` (with the comments) and an audit line.
    pub fn rechazar_revisada(
        mut self,
        motivo: &str,
        revision: Revision,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<CambioComision> {
        let version_anterior = self.version;
        self.rechazar(motivo, ahora)?;
        let mut evento = ComisionRechazada::from(&self);
        evento.comentarios = revision.comentarios.clone();
        let detalle = format!("motivo: {}", self.motivo_rechazo.as_deref().unwrap_or(""));
        Ok(CambioComision {
            eventos: vec![envelope(&evento, ahora.trunc_subsecs(6))?],
            auditoria: vec![EntradaAuditoriaComision {
                comentarios: revision.comentarios,
                metadatos: revision.metadatos,
                ..EntradaAuditoriaComision::de(&self, "ComisionRechazada", actor, Some(detalle))
            }],
            version_anterior,
            comision: self,
        })
    }
}

#[cfg(test)]
mod tests {
    use kernel::{Dinero, Moneda};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::{ConversionValidada, EstadoComision, TipoConversion};

    fn calculada() -> Comision {
        let conversion = ConversionValidada {
            conversion_id: Uuid::now_v7(),
            afiliado_id: Uuid::now_v7(),
            campania_id: Uuid::now_v7(),
            tipo: TipoConversion::Venta,
            valor: Dinero::new(dec!(100), Moneda::Usd).unwrap(),
            fecha: Utc::now(),
        };
        let mut c = Comision::nueva(&conversion, Utc::now());
        c.estado = EstadoComision::Calculada;
        c.porcentaje = Some(dec!(10));
        c.monto = Some(Dinero::new(dec!(10), Moneda::Usd).unwrap());
        c
    }

    #[test]
    fn a_review_is_validated_and_blank_words_are_none() {
        let r = Revision::new(Some("  ok  "), Some(" "), None).unwrap();
        assert_eq!(r.comentarios.as_deref(), Some("ok"));
        assert_eq!(r.metadatos, None);
        let largo = "x".repeat(MAX_COMENTARIOS + 1);
        assert_eq!(
            Revision::new(Some(&largo), None, None).unwrap_err().campo(),
            Some("comentarios")
        );
        assert_eq!(
            Revision::new(None, Some(&"n".repeat(65)), None)
                .unwrap_err()
                .campo(),
            Some("metadatos.nivelAprobacion")
        );
        assert_eq!(
            Revision::new(None, None, Some("a\u{0}b"))
                .unwrap_err()
                .campo(),
            Some("metadatos.politicaAplicada")
        );
    }

    #[test]
    fn an_approval_keeps_its_comments_in_the_event_and_the_trail() {
        let c = calculada();
        let revision = Revision::new(
            Some("Comisión aprobada automáticamente"),
            Some("automatico"),
            Some("estandar"),
        )
        .unwrap();
        let cambio = c
            .clone()
            .aprobar_revisada(revision, "ana", Utc::now())
            .unwrap();
        assert_eq!(cambio.version_anterior, c.version);
        assert_eq!(cambio.comision.estado, EstadoComision::Aprobada);
        let datos = &cambio.eventos[0].datos;
        assert_eq!(datos["comentarios"], "Comisión aprobada automáticamente");
        assert_eq!(datos["metadatos"]["nivelAprobacion"], "automatico");
        let linea = &cambio.auditoria[0];
        assert_eq!(
            (linea.evento.as_str(), linea.actor.as_str()),
            ("ComisionAprobada", "ana")
        );
        assert_eq!(
            linea
                .metadatos
                .as_ref()
                .and_then(|m| m.politica_aplicada.as_deref()),
            Some("estandar")
        );
        // A refused decision changes nothing.
        assert!(
            cambio
                .comision
                .rechazar_revisada("tarde", Revision::default(), "ana", Utc::now())
                .is_err()
        );
    }
}
