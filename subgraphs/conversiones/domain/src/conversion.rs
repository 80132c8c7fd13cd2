use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainError, DomainResult};
use serde::Serialize;
use uuid::Uuid;

use super::{Canal, DatosCliente, Metadatos, Producto};

/// Kind of conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TipoConversion {
    /// A sale.
    Venta,
    /// A sign-up.
    Registro,
    /// A qualified lead.
    Lead,
}

impl TipoConversion {
    /// Stored code.
    pub fn codigo(self) -> &'static str {
        match self {
            TipoConversion::Venta => "VENTA",
            TipoConversion::Registro => "REGISTRO",
            TipoConversion::Lead => "LEAD",
        }
    }

    /// From a stored code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [Self::Venta, Self::Registro, Self::Lead]
            .into_iter()
            .find(|t| t.codigo() == codigo)
    }
}

/// Where a conversion is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EstadoConversion {
    /// Recorded, not reviewed yet.
    Registrada,
    /// Accepted: it earns a commission.
    Validada,
    /// Refused (fraud, cancelled sale…), with a reason.
    Rechazada,
}

impl EstadoConversion {
    /// Stored code.
    pub fn codigo(self) -> &'static str {
        match self {
            EstadoConversion::Registrada => "REGISTRADA",
            EstadoConversion::Validada => "VALIDADA",
            EstadoConversion::Rechazada => "RECHAZADA",
        }
    }

    /// From a stored code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [Self::Registrada, Self::Validada, Self::Rechazada]
            .into_iter()
            .find(|e| e.codigo() == codigo)
    }
}

/// The command to register a conversion, validated field by field by the adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrarConversion {
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Kind.
    pub tipo: TipoConversion,
    /// Value.
    pub valor: Dinero,
    /// Channel.
    pub canal: Canal,
    /// Buyer data.
    pub datos_cliente: DatosCliente,
    /// Product lines.
    pub productos: Vec<Producto>,
    /// utm_* and other metadata.
    pub metadatos: Metadatos,
    /// When it happened as the client says; `None` means "now".
    pub fecha: Option<DateTime<Utc>>,
    /// The partner's own reference: the same one twice is one conversion.
    pub referencia_externa: Option<String>,
}

impl RegistrarConversion {
    /// Longest external reference.
    pub const MAX_REFERENCIA: usize = 100;

    /// The canonical text of what the client sent (fecha only if given): two requests
    /// under one reference are "the same" exactly when these texts are equal.
    pub fn huella(&self) -> String {
        serde_json::json!({
            "afiliadoId": self.afiliado_id,
            "campaniaId": self.campania_id,
            "tipo": self.tipo.codigo(),
            "valor": self.valor.valor().to_string(),
            "moneda": self.valor.moneda().codigo(),
            "canal": self.canal.codigo(),
            "datosCliente": self.datos_cliente,
            "productos": self.productos,
            "metadatos": self.metadatos,
            "fecha": self.fecha.map(|f| f.to_rfc3339()),
        })
        .to_string()
    }
}

/// A conversion: a sale, sign-up or lead a partner brought to a campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// Id.
    pub id: Uuid,
    /// Partner.
    pub afiliado_id: Uuid,
    /// Campaign.
    pub campania_id: Uuid,
    /// Kind.
    pub tipo: TipoConversion,
    /// Value.
    pub valor: Dinero,
    /// Channel.
    pub canal: Canal,
    /// Buyer data.
    pub datos_cliente: DatosCliente,
    /// Product lines.
    pub productos: Vec<Producto>,
    /// Metadata.
    pub metadatos: Metadatos,
    /// Review state.
    pub estado: EstadoConversion,
    /// Why it was rejected.
    pub motivo_rechazo: Option<String>,
    /// When it happened.
    pub fecha: DateTime<Utc>,
    /// Partner's reference.
    pub referencia_externa: Option<String>,
    /// Canonical request text (see [`RegistrarConversion::huella`]).
    pub solicitud: String,
    /// When it was recorded.
    pub fecha_registro: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A refusal's reason: 1–500 characters once trimmed.
fn motivo_valido(motivo: &str) -> DomainResult<String> {
    let motivo = motivo.trim();
    if motivo.is_empty() || motivo.chars().count() > 500 {
        return Err(DomainError::invalid(
            "motivo",
            "El motivo del rechazo es obligatorio (máximo 500 caracteres)",
        ));
    }
    Ok(motivo.to_owned())
}

impl Conversion {
    /// A new REGISTRADA conversion.
    pub fn registrar(id: Uuid, c: RegistrarConversion, ahora: DateTime<Utc>) -> Self {
        // Storage keeps microseconds: so does the aggregate, so a re-read is equal.
        let ahora = ahora.trunc_subsecs(6);
        let solicitud = c.huella();
        Self {
            id,
            afiliado_id: c.afiliado_id,
            campania_id: c.campania_id,
            tipo: c.tipo,
            valor: c.valor,
            canal: c.canal,
            datos_cliente: c.datos_cliente,
            productos: c.productos,
            metadatos: c.metadatos,
            estado: EstadoConversion::Registrada,
            motivo_rechazo: None,
            fecha: c.fecha.map_or(ahora, |f| f.trunc_subsecs(6)),
            referencia_externa: c.referencia_externa,
            solicitud,
            fecha_registro: ahora,
            fecha_actualizacion: ahora,
            version: 1,
        }
    }

    fn revisar(&mut self, nuevo: EstadoConversion, ahora: DateTime<Utc>) -> DomainResult<()> {
        let ahora = ahora.trunc_subsecs(6);
        if self.estado != EstadoConversion::Registrada {
            return Err(DomainError::Conflict(format!(
                "Solo una conversión REGISTRADA puede pasar a {}; su estado es {}",
                nuevo.codigo(),
                self.estado.codigo()
            )));
        }
        self.estado = nuevo;
        self.fecha_actualizacion = ahora;
        self.version += 1;
        Ok(())
    }

    /// REGISTRADA → VALIDADA.
    pub fn validar(&mut self, ahora: DateTime<Utc>) -> DomainResult<()> {
        self.revisar(EstadoConversion::Validada, ahora)
    }

    /// REGISTRADA → RECHAZADA with a reason (1–500 characters).
    pub fn rechazar(&mut self, motivo: &str, ahora: DateTime<Utc>) -> DomainResult<()> {
        let motivo = motivo_valido(motivo)?;
        if self.estado == EstadoConversion::Validada {
            return Err(DomainError::Conflict(
                "La conversión ya está VALIDADA: para anularla use revertirConversion".into(),
            ));
        }
        self.revisar(EstadoConversion::Rechazada, ahora)?;
        self.motivo_rechazo = Some(motivo);
        Ok(())
    }

    /// VALIDADA → RECHAZADA with a reason (1–500 characters): a validated conversion
    /// found invalid later (a chargeback, fraud). Its commission is reversed by `pagos`,
    /// and clawed back from the partner's next payout if it was paid.
    pub fn revertir(&mut self, motivo: &str, ahora: DateTime<Utc>) -> DomainResult<()> {
        let motivo = motivo_valido(motivo)?;
        if self.estado != EstadoConversion::Validada {
            return Err(DomainError::Conflict(format!(
                "Solo una conversión VALIDADA puede revertirse; su estado es {}",
                self.estado.codigo()
            )));
        }
        self.estado = EstadoConversion::Rechazada;
        self.motivo_rechazo = Some(motivo);
        self.fecha_actualizacion = ahora.trunc_subsecs(6);
        self.version += 1;
        Ok(())
    }
}
