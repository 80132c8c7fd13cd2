//! Payout reports (`reportePagos`) in two versions, switchable at runtime: v1 totals,
//! v2 adds the average ticket and breakdowns by state and by campaign.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kernel::{Dinero, DomainError, DomainResult, Moneda};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use super::{EstadoPago, valores::enum_codigos};

enum_codigos!(
    /// Shape of `reportePagos`.
    VersionReporte {
        /// Totals only.
        V1 => "v1",
        /// Totals, average ticket, by state and by campaign.
        V2 => "v2",
    }
);

/// Which payouts a report covers (by creation time).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FiltroReporte {
    /// From (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Up to (inclusive).
    pub hasta: Option<DateTime<Utc>>,
    /// Only this partner's.
    pub afiliado_id: Option<Uuid>,
    /// Only this state.
    pub estado: Option<EstadoPago>,
}

impl FiltroReporte {
    /// Refuses an inverted period.
    pub fn validar(self) -> DomainResult<Self> {
        if let (Some(desde), Some(hasta)) = (self.desde, self.hasta)
            && desde > hasta
        {
            return Err(DomainError::invalid(
                "filtro.hasta",
                "La fecha 'hasta' debe ser posterior a 'desde'",
            ));
        }
        Ok(self)
    }
}

/// Payouts of one state and currency (aggregated in SQL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilaEstado {
    /// State.
    pub estado: EstadoPago,
    /// Currency.
    pub moneda: Moneda,
    /// How many.
    pub cantidad: u64,
    /// Their total in minor units.
    pub suma_minor: i64,
}

/// Payouts touching one campaign in one currency: commissions of the campaign they pay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilaCampania {
    /// Campaign.
    pub campania_id: Uuid,
    /// Currency.
    pub moneda: Moneda,
    /// Distinct payouts.
    pub pagos: u64,
    /// Total of its commissions in them, minor units.
    pub suma_minor: i64,
}

/// Count and per-currency totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totales {
    /// How many payouts.
    pub cantidad: u64,
    /// Sum per currency (never mixed), in currency order.
    pub montos: Vec<Dinero>,
}

/// One state's line of a v2 report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotalEstado {
    /// State.
    pub estado: EstadoPago,
    /// Its totals.
    pub totales: Totales,
}

/// One campaign's line of a v2 report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotalCampania {
    /// Campaign.
    pub campania_id: Uuid,
    /// Distinct payouts paying its commissions.
    pub pagos: u64,
    /// Their commissions of this campaign, per currency.
    pub montos: Vec<Dinero>,
}

/// A payout report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportePagos {
    /// Version it was built in.
    pub version: VersionReporte,
    /// The filter it covers.
    pub filtro: FiltroReporte,
    /// Totals.
    pub totales: Totales,
    /// v2: average payout per currency, rounded half-even to the currency's scale.
    pub ticket_promedio: Vec<Dinero>,
    /// v2: by state (every state, zero included).
    pub por_estado: Vec<TotalEstado>,
    /// v2: by campaign, largest payout count first.
    pub por_campania: Vec<TotalCampania>,
}

fn dinero(minor: i64, moneda: Moneda) -> DomainResult<Dinero> {
    Dinero::desde_unidades_menores(minor, moneda).map_err(DomainError::internal)
}

/// Count and minor-unit sum per currency.
type PorMoneda = BTreeMap<Moneda, (u64, i64)>;

/// Adds rows into per-currency sums and a count.
fn acumular<'a>(
    filas: impl Iterator<Item = (&'a Moneda, u64, i64)>,
) -> DomainResult<(u64, PorMoneda)> {
    let mut cantidad = 0u64;
    let mut por_moneda: BTreeMap<Moneda, (u64, i64)> = BTreeMap::new();
    for (moneda, n, suma) in filas {
        cantidad += n;
        let entry = por_moneda.entry(*moneda).or_default();
        entry.0 += n;
        entry.1 = entry
            .1
            .checked_add(suma)
            .ok_or_else(|| DomainError::internal("report sum overflow"))?;
    }
    Ok((cantidad, por_moneda))
}

fn totales(por_moneda: &PorMoneda, cantidad: u64) -> DomainResult<Totales> {
    Ok(Totales {
        cantidad,
        montos: por_moneda
            .iter()
            .map(|(m, (_, suma))| dinero(*suma, *m))
            .collect::<DomainResult<_>>()?,
    })
}

impl ReportePagos {
    /// Builds the report of `version` from SQL aggregates (`por_campania` is only read
    /// for v2).
    pub fn construir(
        version: VersionReporte,
        filtro: FiltroReporte,
        filas: &[FilaEstado],
        por_campania: &[FilaCampania],
    ) -> DomainResult<Self> {
        let (cantidad, por_moneda) =
            acumular(filas.iter().map(|f| (&f.moneda, f.cantidad, f.suma_minor)))?;
        let mut reporte = Self {
            version,
            filtro,
            totales: totales(&por_moneda, cantidad)?,
            ticket_promedio: Vec::new(),
            por_estado: Vec::new(),
            por_campania: Vec::new(),
        };
        if version == VersionReporte::V1 {
            return Ok(reporte);
        }
        reporte.ticket_promedio = por_moneda
            .iter()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(m, (n, suma))| {
                let promedio = (Decimal::new(*suma, m.escala()) / Decimal::from(*n))
                    .round_dp_with_strategy(m.escala(), RoundingStrategy::MidpointNearestEven);
                Dinero::new(promedio, *m).map_err(DomainError::internal)
            })
            .collect::<DomainResult<_>>()?;
        reporte.por_estado = EstadoPago::ALL
            .iter()
            .map(|estado| {
                let (n, m) = acumular(
                    filas
                        .iter()
                        .filter(|f| f.estado == *estado)
                        .map(|f| (&f.moneda, f.cantidad, f.suma_minor)),
                )?;
                Ok(TotalEstado {
                    estado: *estado,
                    totales: totales(&m, n)?,
                })
            })
            .collect::<DomainResult<_>>()?;
        let mut campanias: BTreeMap<Uuid, (u64, Vec<Dinero>)> = BTreeMap::new();
        for fila in por_campania {
            let entry = campanias.entry(fila.campania_id).or_default();
            entry.0 += fila.pagos;
            entry.1.push(dinero(fila.suma_minor, fila.moneda)?);
        }
        let mut lineas: Vec<TotalCampania> = campanias
            .into_iter()
            .map(|(campania_id, (pagos, mut montos))| {
                montos.sort_by_key(|d| d.moneda());
                TotalCampania {
                    campania_id,
                    pagos,
                    montos,
                }
            })
            .collect();
        lineas.sort_by(|a, b| {
            b.pagos
                .cmp(&a.pagos)
                .then(a.campania_id.cmp(&b.campania_id))
        });
        reporte.por_campania = lineas;
        Ok(reporte)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn fila(estado: EstadoPago, moneda: Moneda, cantidad: u64, suma_minor: i64) -> FilaEstado {
        FilaEstado {
            estado,
            moneda,
            cantidad,
            suma_minor,
        }
    }

    #[test]
    fn v1_has_totals_per_currency_only() {
        let filas = [
            fila(EstadoPago::Exitoso, Moneda::Usd, 2, 10_001),
            fila(EstadoPago::Fallido, Moneda::Usd, 1, 99),
            fila(EstadoPago::Exitoso, Moneda::Cop, 3, 50_000),
        ];
        let r = ReportePagos::construir(VersionReporte::V1, FiltroReporte::default(), &filas, &[])
            .unwrap();
        assert_eq!(r.totales.cantidad, 6);
        let montos: Vec<String> = r.totales.montos.iter().map(ToString::to_string).collect();
        assert_eq!(montos, ["101.00 USD", "50000 COP"]);
        assert!(r.ticket_promedio.is_empty() && r.por_estado.is_empty());
    }

    #[test]
    fn v2_adds_average_ticket_and_breakdowns() {
        let filas = [
            fila(EstadoPago::Exitoso, Moneda::Usd, 3, 10_000),
            fila(EstadoPago::Pendiente, Moneda::Cop, 2, 5),
        ];
        let campania = Uuid::now_v7();
        let por_campania = [FilaCampania {
            campania_id: campania,
            moneda: Moneda::Usd,
            pagos: 3,
            suma_minor: 10_000,
        }];
        let r = ReportePagos::construir(
            VersionReporte::V2,
            FiltroReporte::default(),
            &filas,
            &por_campania,
        )
        .unwrap();
        // 100.00 / 3 = 33.333… → 33.33; 5 COP / 2 = 2.5 → 2 (half-even).
        let tickets: Vec<_> = r.ticket_promedio.iter().map(|d| d.valor()).collect();
        assert_eq!(tickets, [dec!(33.33), dec!(2)]);
        assert_eq!(r.por_estado.len(), 4);
        assert_eq!(r.por_estado[2].estado, EstadoPago::Exitoso);
        assert_eq!(r.por_estado[2].totales.cantidad, 3);
        assert_eq!(r.por_estado[3].totales.cantidad, 0);
        assert_eq!(r.por_campania[0].campania_id, campania);
    }
}
