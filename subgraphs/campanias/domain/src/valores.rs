use std::collections::BTreeSet;

use kernel::{DomainError, DomainResult, values::Porcentaje};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A coded enum that is also (de)serialised by its SCREAMING_SNAKE_CASE name.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        kernel::coded_enum!(
            $(#[$meta])*
            #[derive(Serialize, Deserialize)]
            #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
            $name { $($body)* }
        );
    };
}

coded_enum!(
    /// Lifecycle state: CREADA → ACTIVA → PAUSADA ⇄ ACTIVA → COMPLETADA (final).
    EstadoCampania {
        /// Created, not yet running.
        Creada => "CREADA",
        /// Running: partners may earn on it.
        Activa => "ACTIVA",
        /// Temporarily stopped.
        Pausada => "PAUSADA",
        /// Finished; no further changes.
        Completada => "COMPLETADA",
    }
);

coded_enum!(
    /// Kind of campaign.
    TipoCampania {
        /// Short promotion (Black Friday).
        Promocional => "PROMOCIONAL",
        /// Seasonal (summer, Christmas).
        Estacional => "ESTACIONAL",
        /// Product launch.
        Lanzamiento => "LANZAMIENTO",
        /// Customer loyalty.
        Fidelizacion => "FIDELIZACION",
        /// Always on.
        Permanente => "PERMANENTE",
    }
);

coded_enum!(
    /// A channel a campaign runs on.
    Canal {
        /// Web sites.
        Web => "WEB",
        /// E-mail.
        Email => "EMAIL",
        /// Social networks.
        Social => "SOCIAL",
        /// Mobile apps.
        Mobile => "MOBILE",
        /// Display advertising.
        Display => "DISPLAY",
        /// Search engines.
        Busqueda => "BUSQUEDA",
    }
);

/// Who a campaign targets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segmentacion {
    /// Youngest age targeted.
    pub edad_minima: Option<u8>,
    /// Oldest age targeted.
    pub edad_maxima: Option<u8>,
    /// Places targeted (cities, regions), trimmed, without duplicates.
    pub ubicaciones: Vec<String>,
}

/// Oldest age accepted in a segmentation.
const EDAD_MAXIMA: i64 = 120;
/// Most places in a segmentation.
const MAX_UBICACIONES: usize = 50;

impl Segmentacion {
    /// Validates ages (0–120, minimum ≤ maximum) and places.
    pub fn new(
        edad_minima: Option<i64>,
        edad_maxima: Option<i64>,
        ubicaciones: &[String],
    ) -> DomainResult<Self> {
        let edad = |campo: &str, edad: Option<i64>| -> DomainResult<Option<u8>> {
            match edad {
                None => Ok(None),
                Some(e) => match u8::try_from(e) {
                    Ok(e) if i64::from(e) <= EDAD_MAXIMA => Ok(Some(e)),
                    _ => Err(DomainError::invalid(
                        campo,
                        format!("La edad debe estar entre 0 y {EDAD_MAXIMA} (recibido {e})"),
                    )),
                },
            }
        };
        let edad_minima = edad("segmentacion.edadMinima", edad_minima)?;
        let edad_maxima = edad("segmentacion.edadMaxima", edad_maxima)?;
        if let (Some(min), Some(max)) = (edad_minima, edad_maxima)
            && min > max
        {
            return Err(DomainError::invalid(
                "segmentacion.edadMaxima",
                "La edad máxima no puede ser menor que la edad mínima",
            ));
        }
        if ubicaciones.len() > MAX_UBICACIONES {
            return Err(DomainError::invalid(
                "segmentacion.ubicaciones",
                format!("Se admiten como máximo {MAX_UBICACIONES} ubicaciones"),
            ));
        }
        let mut vistas = BTreeSet::new();
        let mut limpias = Vec::new();
        for ubicacion in ubicaciones {
            let limpia = ubicacion.split_whitespace().collect::<Vec<_>>().join(" ");
            if limpia.is_empty() || limpia.chars().count() > 100 {
                return Err(DomainError::invalid(
                    "segmentacion.ubicaciones",
                    "Cada ubicación debe tener entre 1 y 100 caracteres",
                ));
            }
            if vistas.insert(kernel::search::normalize(&limpia)) {
                limpias.push(limpia);
            }
        }
        Ok(Self {
            edad_minima,
            edad_maxima,
            ubicaciones: limpias,
        })
    }
}

/// Largest conversion objective a campaign may set.
pub const MAX_OBJETIVO_CONVERSIONES: i64 = 1_000_000;

/// Commission rates a campaign pays (percentages 0–100), and its objective: from a
/// partner's `objetivo_conversiones`-th conversion in the campaign on, the partner's
/// commissions earn `bonus_objetivos` % more (applied by `pagos`; see the README's
/// commission rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfiguracionComisiones {
    /// Rate per conversion, %.
    pub por_conversion: Decimal,
    /// Rate per sale, %.
    pub por_venta: Decimal,
    /// Bonus for reaching the objective, % of the commission's rate.
    pub bonus_objetivos: Decimal,
    /// The objective: conversions of one partner in the campaign (none: no bonus).
    /// Absent from campaigns created before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objetivo_conversiones: Option<u32>,
}

impl ConfiguracionComisiones {
    /// Validates the three rates (0–100, at most 4 decimals) and the objective (1 to
    /// [`MAX_OBJETIVO_CONVERSIONES`] conversions).
    pub fn new(
        por_conversion: Decimal,
        por_venta: Decimal,
        bonus_objetivos: Decimal,
        objetivo_conversiones: Option<i64>,
    ) -> DomainResult<Self> {
        let p = |campo: &str, v: Decimal| {
            Porcentaje::parse(&format!("configuracionComisiones.{campo}"), v).map(|p| p.value())
        };
        let objetivo_conversiones = objetivo_conversiones
            .map(|n| {
                if (1..=MAX_OBJETIVO_CONVERSIONES).contains(&n) {
                    u32::try_from(n).map_err(DomainError::internal)
                } else {
                    Err(DomainError::invalid(
                        "configuracionComisiones.objetivoConversiones",
                        format!(
                            "El objetivo debe estar entre 1 y {MAX_OBJETIVO_CONVERSIONES} conversiones"
                        ),
                    ))
                }
            })
            .transpose()?;
        Ok(Self {
            por_conversion: p("porConversion", por_conversion)?,
            por_venta: p("porVenta", por_venta)?,
            bonus_objetivos: p("bonusObjetivos", bonus_objetivos)?,
            objetivo_conversiones,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for e in EstadoCampania::ALL {
            assert_eq!(EstadoCampania::desde_codigo(e.codigo()), Some(*e));
        }
        assert_eq!(Canal::desde_codigo("FAX"), None);
    }

    #[test]
    fn segmentation_is_validated_and_deduplicated() {
        let s = Segmentacion::new(
            Some(18),
            Some(65),
            &["Bogotá".into(), " bogota ".into(), "Cali".into()],
        )
        .unwrap();
        assert_eq!(s.ubicaciones, ["Bogotá", "Cali"]);
        assert_eq!(
            Segmentacion::new(Some(40), Some(20), &[])
                .unwrap_err()
                .campo(),
            Some("segmentacion.edadMaxima")
        );
        assert!(Segmentacion::new(Some(-1), None, &[]).is_err());
        assert!(Segmentacion::new(None, None, &["  ".into()]).is_err());
    }

    #[test]
    fn rates_are_percentages() {
        assert_eq!(
            ConfiguracionComisiones::new(Decimal::from(101), Decimal::ONE, Decimal::ONE, None)
                .unwrap_err()
                .campo(),
            Some("configuracionComisiones.porConversion")
        );
        for objetivo in [0, -1, MAX_OBJETIVO_CONVERSIONES + 1] {
            assert_eq!(
                ConfiguracionComisiones::new(
                    Decimal::ONE,
                    Decimal::ONE,
                    Decimal::ONE,
                    Some(objetivo)
                )
                .unwrap_err()
                .campo(),
                Some("configuracionComisiones.objetivoConversiones")
            );
        }
        // A campaign stored before the objective existed reads as having none.
        let antigua: ConfiguracionComisiones =
            serde_json::from_str(r#"{"porConversion":"15","porVenta":"8","bonusObjetivos":"25"}"#)
                .unwrap();
        assert_eq!(antigua.objetivo_conversiones, None);
    }
}
