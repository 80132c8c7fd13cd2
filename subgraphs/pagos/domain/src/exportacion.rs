//! Commission exports (`exportarComisiones`), as the seeds' `/comisiones/reportes` gave
//! them: JSON or CSV.

use kernel::{DomainError, DomainResult};
use serde::Serialize;

use super::Comision;

/// Format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatoExportacion {
    /// A JSON array of objects.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// One exported commission (flat, camelCase, amounts as decimal text).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fila {
    id: String,
    conversion_id: String,
    afiliado_id: String,
    campania_id: String,
    tipo_conversion: &'static str,
    monto_base: String,
    moneda: &'static str,
    porcentaje: String,
    monto: String,
    estado: &'static str,
    motivo_rechazo: String,
    pago_id: String,
    fecha_conversion: String,
    fecha_creacion: String,
}

impl From<&Comision> for Fila {
    fn from(c: &Comision) -> Self {
        Self {
            id: c.id.to_string(),
            conversion_id: c.conversion_id.to_string(),
            afiliado_id: c.afiliado_id.to_string(),
            campania_id: c.campania_id.to_string(),
            tipo_conversion: c.tipo_conversion.codigo(),
            monto_base: c.monto_base.valor().to_string(),
            moneda: c.monto_base.moneda().codigo(),
            porcentaje: c.porcentaje.map(|p| p.to_string()).unwrap_or_default(),
            monto: c.monto.map(|m| m.valor().to_string()).unwrap_or_default(),
            estado: c.estado.codigo(),
            motivo_rechazo: c.motivo_rechazo.clone().unwrap_or_default(),
            pago_id: c.pago_id.map(|p| p.to_string()).unwrap_or_default(),
            fecha_conversion: c.fecha_conversion.to_rfc3339(),
            fecha_creacion: c.fecha_creacion.to_rfc3339(),
        }
    }
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, tab or CR as a formula:
/// such free text is prefixed with `'` (OWASP's CSV-injection advice).
fn neutralizar(texto: String) -> String {
    match texto.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{texto}"),
        _ => texto,
    }
}

/// The commissions in `formato`.
pub fn exportar(comisiones: &[Comision], formato: FormatoExportacion) -> DomainResult<String> {
    let filas = comisiones.iter().map(Fila::from);
    match formato {
        FormatoExportacion::Json => {
            serde_json::to_string(&filas.collect::<Vec<_>>()).map_err(DomainError::internal)
        }
        FormatoExportacion::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            let mut vacio = true;
            for mut fila in filas {
                fila.motivo_rechazo = neutralizar(fila.motivo_rechazo);
                writer.serialize(fila).map_err(DomainError::internal)?;
                vacio = false;
            }
            if vacio {
                // serde writes the header with the first row; an empty export keeps it.
                writer
                    .write_record([
                        "id",
                        "conversionId",
                        "afiliadoId",
                        "campaniaId",
                        "tipoConversion",
                        "montoBase",
                        "moneda",
                        "porcentaje",
                        "monto",
                        "estado",
                        "motivoRechazo",
                        "pagoId",
                        "fechaConversion",
                        "fechaCreacion",
                    ])
                    .map_err(DomainError::internal)?;
            }
            let bytes = writer.into_inner().map_err(DomainError::internal)?;
            String::from_utf8(bytes).map_err(DomainError::internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kernel::{Dinero, Moneda};
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::*;
    use crate::{ConversionValidada, TipoConversion};

    fn comision(motivo: &str) -> Comision {
        let mut c = Comision::nueva(
            &ConversionValidada {
                conversion_id: Uuid::now_v7(),
                afiliado_id: Uuid::now_v7(),
                campania_id: Uuid::now_v7(),
                tipo: TipoConversion::Venta,
                valor: Dinero::new(dec!(1250.5), Moneda::Usd).unwrap(),
                fecha: Utc::now(),
            },
            Utc::now(),
        );
        c.rechazar(motivo, Utc::now()).unwrap();
        c
    }

    #[test]
    fn csv_quotes_separators_quotes_and_newlines_and_defuses_formulas() {
        let csv = exportar(
            &[
                comision("dijo \"no\", y\nluego sí"),
                comision("=HYPERLINK(\"x\")"),
            ],
            FormatoExportacion::Csv,
        )
        .unwrap();
        let mut lines = csv.split("\r\n");
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("id,conversionId,afiliadoId")
        );
        assert!(csv.contains("\"dijo \"\"no\"\", y\nluego sí\""), "{csv}");
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        assert!(csv.contains(",1250.50,USD,"), "{csv}");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let motivos: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[10].to_owned())
            .collect();
        assert_eq!(motivos, ["dijo \"no\", y\nluego sí", "'=HYPERLINK(\"x\")"]);
    }

    #[test]
    fn empty_exports_keep_their_header_and_json_is_an_array() {
        assert!(
            exportar(&[], FormatoExportacion::Csv)
                .unwrap()
                .starts_with("id,conversionId")
        );
        let json: serde_json::Value =
            serde_json::from_str(&exportar(&[comision("x")], FormatoExportacion::Json).unwrap())
                .unwrap();
        assert_eq!(json[0]["montoBase"], "1250.50");
        assert_eq!(json[0]["estado"], "RECHAZADA");
    }
}
