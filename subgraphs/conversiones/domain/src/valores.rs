use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use kernel::{Dinero, DomainError, DomainResult, Moneda, error::extracto, values::Email};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Marketing channel a click or conversion came through (a closed catalogue, lower case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Canal {
    /// Web site.
    Web,
    /// Mobile app.
    Mobile,
    /// E-mail campaign.
    Email,
    /// Social network.
    Social,
    /// Search engine.
    Search,
    /// Display advertising.
    Display,
    /// Server-to-server API.
    Api,
}

impl Canal {
    /// Every channel.
    pub const ALL: [Canal; 7] = [
        Canal::Web,
        Canal::Mobile,
        Canal::Email,
        Canal::Social,
        Canal::Search,
        Canal::Display,
        Canal::Api,
    ];

    /// Stored and displayed code.
    pub fn codigo(self) -> &'static str {
        match self {
            Canal::Web => "web",
            Canal::Mobile => "mobile",
            Canal::Email => "email",
            Canal::Social => "social",
            Canal::Search => "search",
            Canal::Display => "display",
            Canal::Api => "api",
        }
    }

    /// The channel of a stored code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.codigo() == codigo)
    }

    /// Validates a client-given channel for the input field `campo` (case-insensitive).
    pub fn parse(campo: &str, raw: &str) -> DomainResult<Self> {
        let limpio = raw.trim().to_lowercase();
        Self::desde_codigo(&limpio).ok_or_else(|| {
            let validos: Vec<_> = Self::ALL.iter().map(|c| c.codigo()).collect();
            DomainError::invalid(
                campo,
                format!(
                    "Canal desconocido: '{}'; use uno de: {}",
                    extracto(raw.trim()),
                    validos.join(", ")
                ),
            )
        })
    }
}

/// Earliest business date accepted.
pub(crate) fn fecha_minima() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// How far in the future a client clock may be.
pub(crate) const TOLERANCIA_FUTURO: Duration = Duration::minutes(5);

/// Validates a client-given instant: from 2000 on, at most 5 minutes after `ahora`.
pub fn validar_fecha(
    campo: &str,
    fecha: Option<DateTime<Utc>>,
    ahora: DateTime<Utc>,
) -> DomainResult<DateTime<Utc>> {
    let Some(fecha) = fecha else {
        return Ok(ahora.trunc_subsecs(6));
    };
    if fecha < fecha_minima() {
        return Err(DomainError::invalid(
            campo,
            "La fecha no puede ser anterior al año 2000",
        ));
    }
    if fecha > ahora + TOLERANCIA_FUTURO {
        return Err(DomainError::invalid(
            campo,
            "La fecha no puede estar en el futuro",
        ));
    }
    Ok(fecha.trunc_subsecs(6))
}

/// Free-form key/value data (utm_*, user agent…): at most 20 entries, keys `[a-z0-9_]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadatos(BTreeMap<String, String>);

impl Metadatos {
    /// Most entries accepted.
    pub const MAX_ENTRADAS: usize = 20;
    const MAX_CLAVE: usize = 50;
    const MAX_VALOR: usize = 500;

    /// Validates pairs for the input field `campo`; a repeated key keeps the last value.
    pub fn parse(campo: &str, pares: Vec<(String, String)>) -> DomainResult<Self> {
        if pares.len() > Self::MAX_ENTRADAS {
            return Err(DomainError::invalid(
                campo,
                format!("Se admiten como máximo {} metadatos", Self::MAX_ENTRADAS),
            ));
        }
        let mut mapa = BTreeMap::new();
        for (clave, valor) in pares {
            let clave = clave.trim().to_lowercase();
            let valida = !clave.is_empty()
                && clave.len() <= Self::MAX_CLAVE
                && clave
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valida {
                return Err(DomainError::invalid(
                    campo,
                    format!(
                        "Clave de metadato inválida: '{}' (use a-z, 0-9 y _)",
                        extracto(&clave)
                    ),
                ));
            }
            if valor.chars().count() > Self::MAX_VALOR || valor.chars().any(char::is_control) {
                return Err(DomainError::invalid(
                    campo,
                    format!(
                        "El metadato '{clave}' admite como máximo {} caracteres imprimibles",
                        Self::MAX_VALOR
                    ),
                ));
            }
            mapa.insert(clave, valor.trim().to_owned());
        }
        Ok(Self(mapa))
    }

    /// The pairs, ordered by key.
    pub fn pares(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn texto_opcional(campo: &str, valor: Option<String>, max: usize) -> DomainResult<Option<String>> {
    match valor.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
            Err(DomainError::invalid(
                campo,
                format!("Admite como máximo {max} caracteres imprimibles"),
            ))
        }
        other => Ok(other),
    }
}

/// What the partner knows of the buyer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatosCliente {
    /// Buyer's e-mail (validated, lower case).
    pub email: Option<String>,
    /// City or region.
    pub ubicacion: Option<String>,
    /// Device (desktop, mobile…).
    pub dispositivo: Option<String>,
}

impl DatosCliente {
    /// Validates the buyer data (field paths under `datosCliente`).
    pub fn parse(
        email: Option<String>,
        ubicacion: Option<String>,
        dispositivo: Option<String>,
    ) -> DomainResult<Self> {
        let parse = || -> DomainResult<Self> {
            let email = match email.filter(|e| !e.trim().is_empty()) {
                Some(e) => Some(Email::parse("email", &e)?.as_str().to_owned()),
                None => None,
            };
            Ok(Self {
                email,
                ubicacion: texto_opcional("ubicacion", ubicacion, 200)?,
                dispositivo: texto_opcional("dispositivo", dispositivo, 100)?,
            })
        };
        parse().map_err(|e| e.en("datosCliente"))
    }
}

/// A product line of a sale; its price is in the conversion's currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Producto {
    /// Partner's product id.
    pub id: String,
    /// Name.
    pub nombre: String,
    /// Category.
    pub categoria: Option<String>,
    /// Unit price (exact, the conversion's currency scale).
    pub precio: Decimal,
    /// Units, at least 1.
    pub cantidad: u32,
}

impl Producto {
    /// Most product lines per conversion.
    pub const MAX: usize = 100;
    /// Most units of one line.
    pub const MAX_CANTIDAD: u32 = 1_000_000;

    /// Validates line `indice` in `moneda`.
    pub fn parse(
        indice: usize,
        id: String,
        nombre: String,
        categoria: Option<String>,
        precio: Decimal,
        cantidad: i64,
        moneda: Moneda,
    ) -> DomainResult<Self> {
        let campo = |c: &str| format!("productos.{indice}.{c}");
        let id = id.trim().to_owned();
        if id.is_empty() || id.chars().count() > 100 {
            return Err(DomainError::invalid(
                campo("id"),
                "El id del producto es obligatorio (máximo 100 caracteres)",
            ));
        }
        let nombre = nombre.trim().to_owned();
        if nombre.is_empty() || nombre.chars().count() > 200 {
            return Err(DomainError::invalid(
                campo("nombre"),
                "El nombre del producto es obligatorio (máximo 200 caracteres)",
            ));
        }
        // The same validation as every other amount a client gives (the conversion's
        // `valor` included): the currency's scale and the one maximum.
        let precio = Dinero::importe(precio, moneda)
            .map_err(|e| DomainError::invalid(campo("precio"), e.to_string()))?
            .valor();
        let cantidad = u32::try_from(cantidad)
            .ok()
            .filter(|c| (1..=Self::MAX_CANTIDAD).contains(c))
            .ok_or_else(|| {
                DomainError::invalid(
                    campo("cantidad"),
                    format!("La cantidad debe estar entre 1 y {}", Self::MAX_CANTIDAD),
                )
            })?;
        Ok(Self {
            id,
            nombre,
            categoria: texto_opcional(&campo("categoria"), categoria, 100)?,
            precio,
            cantidad,
        })
    }
}
