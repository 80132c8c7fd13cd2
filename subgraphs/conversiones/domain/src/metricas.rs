use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use kernel::{Dinero, DomainError, DomainResult, Moneda, error::extracto};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use super::{Canal, TipoEvento};

/// A relative period ending now: `"30d"` (days, 1–3650) or `"24h"` (hours, 1–8760).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Periodo(Duration);

impl Periodo {
    /// The default: the last 30 days.
    pub const DEFAULT: &'static str = "30d";

    /// Parses a period for the input field `campo`.
    pub fn parse(campo: &str, raw: &str) -> DomainResult<Self> {
        let texto = raw.trim().to_lowercase();
        let invalido = || {
            DomainError::invalid(
                campo,
                format!(
                    "Periodo inválido: '{}'; use días ('30d', 1 a 3650) u horas ('24h', 1 a 8760)",
                    extracto(raw.trim())
                ),
            )
        };
        // The unit is the last character, not the last byte: a byte index inside a
        // multi-byte character ("€") panics.
        let mut caracteres = texto.chars();
        let unidad = caracteres.next_back();
        let n: i64 = caracteres.as_str().parse().map_err(|_| invalido())?;
        match unidad {
            Some('d') if (1..=3650).contains(&n) => Ok(Self(Duration::days(n))),
            Some('h') if (1..=8760).contains(&n) => Ok(Self(Duration::hours(n))),
            _ => Err(invalido()),
        }
    }

    /// The window `(ahora − período, ahora]`.
    pub fn ventana(self, ahora: DateTime<Utc>) -> Ventana {
        Ventana {
            desde: ahora - self.0,
            hasta: ahora,
        }
    }
}

/// A closed time window `[desde, hasta]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ventana {
    /// Start.
    pub desde: DateTime<Utc>,
    /// End.
    pub hasta: DateTime<Utc>,
}

/// One aggregated row as the database returns it: a count (and a sum of minor units for
/// conversions) per entity, channel and kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilaMetrica {
    /// The partner or campaign grouped by (none for global metrics).
    pub entidad: Option<Uuid>,
    /// Channel.
    pub canal: Canal,
    /// A tracking event kind, or `None` for conversions.
    pub evento: Option<TipoEvento>,
    /// Currency of the conversions summed.
    pub moneda: Option<Moneda>,
    /// How many.
    pub cantidad: i64,
    /// Sum of the conversions' values in minor units.
    pub suma_minor: i64,
}

/// Metrics of one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricasCanal {
    /// Channel.
    pub canal: Canal,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impresiones: u64,
    /// Conversions not rejected.
    pub conversiones: u64,
    /// conversiones / clicks × 100, 2 decimals (0 without clicks).
    pub tasa_conversion: Decimal,
    /// Value of the conversions, one amount per currency.
    pub valor_total: Vec<Dinero>,
}

/// Metrics of a period: totals and per channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metricas {
    /// Totals over every channel.
    pub total: MetricasCanal,
    /// Per channel, in channel order, only channels with activity.
    pub por_canal: Vec<MetricasCanal>,
}

#[derive(Default)]
struct Acumulado {
    clicks: u64,
    impresiones: u64,
    conversiones: u64,
    valor: BTreeMap<Moneda, i64>,
}

impl Acumulado {
    fn sumar(&mut self, fila: &FilaMetrica) -> DomainResult<()> {
        let n = u64::try_from(fila.cantidad).map_err(DomainError::internal)?;
        match (fila.evento, fila.moneda) {
            (Some(TipoEvento::Click), _) => self.clicks += n,
            (Some(TipoEvento::Impresion), _) => self.impresiones += n,
            (Some(TipoEvento::Conversion), _) => {}
            (None, Some(moneda)) => {
                self.conversiones += n;
                let suma = self.valor.entry(moneda).or_default();
                *suma = suma
                    .checked_add(fila.suma_minor)
                    .ok_or_else(|| DomainError::internal("metric sum overflow"))?;
            }
            (None, None) => return Err(DomainError::internal("conversion row without currency")),
        }
        Ok(())
    }

    fn cerrar(&self, canal: Canal) -> DomainResult<MetricasCanal> {
        let mut tasa = if self.clicks == 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(self.conversiones) * Decimal::ONE_HUNDRED / Decimal::from(self.clicks))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
        };
        tasa.rescale(2);
        let valor_total = self
            .valor
            .iter()
            .map(|(moneda, minor)| {
                Dinero::desde_unidades_menores(*minor, *moneda).map_err(DomainError::internal)
            })
            .collect::<DomainResult<_>>()?;
        Ok(MetricasCanal {
            canal,
            clicks: self.clicks,
            impresiones: self.impresiones,
            conversiones: self.conversiones,
            tasa_conversion: tasa,
            valor_total,
        })
    }
}

impl Metricas {
    /// Folds aggregated rows (already grouped in SQL) into totals and per-channel metrics.
    /// `canal_total` names the channel of the totals when the query was for one channel.
    pub fn desde_filas<'a>(
        filas: impl IntoIterator<Item = &'a FilaMetrica>,
        canal_total: Canal,
    ) -> DomainResult<Self> {
        let mut total = Acumulado::default();
        let mut por_canal: BTreeMap<Canal, Acumulado> = BTreeMap::new();
        for fila in filas {
            total.sumar(fila)?;
            por_canal.entry(fila.canal).or_default().sumar(fila)?;
        }
        Ok(Self {
            total: total.cerrar(canal_total)?,
            por_canal: por_canal
                .iter()
                .map(|(canal, a)| a.cerrar(*canal))
                .collect::<DomainResult<_>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_days_and_hours() {
        assert_eq!(
            Periodo::parse("periodo", "30d"),
            Ok(Periodo(Duration::days(30)))
        );
        assert_eq!(
            Periodo::parse("periodo", " 24H "),
            Ok(Periodo(Duration::hours(24)))
        );
    }

    #[test]
    fn any_text_is_a_field_error_never_a_panic() {
        let largo = "€".repeat(10_000);
        for malo in [
            "€", "30€", "€d", "3€d", "d", "", " ", "0d", "3651d", "8761h", "-1d", "1.5d", "٣d",
            "30 d", "30dd", "ñ", "👍🏽", &largo,
        ] {
            let error = Periodo::parse("periodo", malo).expect_err(malo);
            assert_eq!(error.campo(), Some("periodo"), "{malo}");
            assert!(error.to_string().len() < 200, "{malo}: {error}");
        }
    }
}
