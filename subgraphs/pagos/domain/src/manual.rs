//! Commissions created by hand (the seeds' `POST /comisiones`: type, percentage,
//! discounts, VAT) and the calculation of a commission on request (`/calcular` with
//! `forzar_recalculo`).

use chrono::{DateTime, SubsecRound, Utc};
use kernel::{Dinero, DomainError, DomainResult};
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use super::{
    Comision, EstadoComision, TarifaAfiliado, TarifaCampania, TipoConversion,
    eventos::{ComisionCalculada, ComisionCreada, ComisionRecalculada, envelope},
    revision::{CambioComision, EntradaAuditoriaComision},
    valores::enum_codigos,
};

enum_codigos!(
    /// How a commission's amount is reached (the seeds' `tipo_comision`).
    TipoComision {
        /// A percentage of the base (the seeds' `porcentual`).
        Porcentual => "PORCENTUAL",
        /// A fixed amount.
        Fija => "FIJA",
    }
);

enum_codigos!(
    /// Where a commission comes from.
    OrigenComision {
        /// A validated conversion (`ConversionValidada`), rates from the projections.
        Conversion => "CONVERSION",
        /// Created by hand (`crearComision`) with its own calculation.
        Manual => "MANUAL",
    }
);

/// VAT rate assumed when a calculation leaves VAT out without naming a rate: Colombia's
/// general rate, %.
pub const TASA_IVA_POR_DEFECTO: Decimal = Decimal::from_parts(19, 0, 0, false, 0);

/// How a commission created by hand is calculated (the seeds' `tipo_comision`,
/// `porcentaje` and `configuracion`). The base is the conversion's value, VAT included:
/// less the discounts when `aplicar_descuentos`, and without VAT (`base / (1 + tasa_iva /
/// 100)`, rounded half-even to the currency) when not `incluir_iva`; a PORCENTUAL
/// commission is `porcentaje` % of that base, a FIJA one `monto_fijo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalculoManual {
    /// PORCENTUAL or FIJA.
    pub tipo: TipoComision,
    /// The rate of a PORCENTUAL commission, % (0 < p ≤ 100).
    pub porcentaje: Option<Decimal>,
    /// The amount of a FIJA commission.
    pub monto_fijo: Option<Dinero>,
    /// Discounts granted on the sale (taken off the base when `aplicar_descuentos`).
    pub descuentos: Option<Dinero>,
    /// Whether the discounts are taken off the base.
    pub aplicar_descuentos: bool,
    /// Whether the base keeps its VAT.
    pub incluir_iva: bool,
    /// The VAT rate taken out when `incluir_iva` is false, %.
    pub tasa_iva: Decimal,
}

/// What a calculation gives: the base it applied to, the rate (none for FIJA), the
/// objective bonus in it and the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resultado {
    /// The base after discounts and VAT.
    pub base: Dinero,
    /// The rate, %.
    pub porcentaje: Option<Decimal>,
    /// The campaign's objective bonus the rate includes, %.
    pub bonus_objetivos: Option<Decimal>,
    /// The earned amount.
    pub monto: Dinero,
}

fn escala(campo: &str, valor: Decimal, max: u32, minimo_exclusivo: bool) -> DomainResult<Decimal> {
    let valor = valor.normalize();
    let fuera = if minimo_exclusivo {
        valor <= Decimal::ZERO
    } else {
        valor < Decimal::ZERO
    };
    if fuera || valor > Decimal::ONE_HUNDRED {
        return Err(DomainError::invalid(
            campo,
            if minimo_exclusivo {
                "Debe ser mayor que 0 y como máximo 100"
            } else {
                "Debe estar entre 0 y 100"
            },
        ));
    }
    if valor.scale() > max {
        return Err(DomainError::invalid(
            campo,
            format!("Admite como máximo {max} decimales"),
        ));
    }
    Ok(valor)
}

impl CalculoManual {
    /// The base of the calculation for a conversion value `monto_base`.
    pub fn base(&self, monto_base: &Dinero) -> DomainResult<Dinero> {
        let moneda = monto_base.moneda();
        let mut base = monto_base.valor();
        if self.aplicar_descuentos
            && let Some(descuentos) = self.descuentos
        {
            base = (base - descuentos.valor()).max(Decimal::ZERO);
        }
        if !self.incluir_iva {
            let divisor = Decimal::ONE + self.tasa_iva / Decimal::ONE_HUNDRED;
            base = base
                .checked_div(divisor)
                .ok_or_else(|| DomainError::internal("VAT divisor overflow"))?
                .round_dp_with_strategy(moneda.escala(), RoundingStrategy::MidpointNearestEven);
        }
        Dinero::new(base, moneda).map_err(DomainError::internal)
    }

    /// The calculation for a conversion value `monto_base`.
    pub fn calcular(&self, monto_base: &Dinero) -> DomainResult<Resultado> {
        let base = self.base(monto_base)?;
        let (porcentaje, monto) = match self.tipo {
            TipoComision::Porcentual => {
                let porcentaje = self.porcentaje.unwrap_or_default();
                let monto = base.porcentaje(porcentaje).map_err(DomainError::internal)?;
                (Some(porcentaje), monto)
            }
            TipoComision::Fija => (None, self.monto_fijo.unwrap_or(Dinero::cero(base.moneda()))),
        };
        Ok(Resultado {
            base,
            porcentaje,
            bonus_objetivos: None,
            monto,
        })
    }

    /// The calculation as text, for audit lines and canonical requests.
    pub fn describir(&self) -> String {
        let dinero = |d: Option<Dinero>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
        format!(
            "tipo={};porcentaje={};montoFijo={};descuentos={};aplicarDescuentos={};incluirIva={};tasaIva={}",
            self.tipo.codigo(),
            self.porcentaje
                .map_or_else(|| "-".to_owned(), |p| p.normalize().to_string()),
            dinero(self.monto_fijo),
            dinero(self.descuentos),
            self.aplicar_descuentos,
            self.incluir_iva,
            self.tasa_iva.normalize(),
        )
    }
}

/// A validated request to create a commission by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrearComisionManual {
    /// The conversion it pays (at most one commission per conversion).
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Kind of the conversion.
    pub tipo_conversion: TipoConversion,
    /// The conversion's value, VAT included.
    pub monto_base: Dinero,
    /// How it is calculated.
    pub calculo: CalculoManual,
}

/// What a client asks for, before validation (amounts already read as money).
#[derive(Clone, Debug)]
pub struct DatosComisionManual {
    /// The conversion.
    pub conversion_id: Uuid,
    /// The partner.
    pub afiliado_id: Uuid,
    /// The campaign.
    pub campania_id: Uuid,
    /// Kind of the conversion.
    pub tipo_conversion: TipoConversion,
    /// The conversion's value.
    pub monto_base: Dinero,
    /// PORCENTUAL or FIJA.
    pub tipo: TipoComision,
    /// Rate, for PORCENTUAL.
    pub porcentaje: Option<Decimal>,
    /// Amount, for FIJA.
    pub monto_fijo: Option<Dinero>,
    /// Discounts on the sale.
    pub descuentos: Option<Dinero>,
    /// Whether discounts are taken off.
    pub aplicar_descuentos: bool,
    /// Whether the base keeps its VAT.
    pub incluir_iva: bool,
    /// VAT rate, % (default [`TASA_IVA_POR_DEFECTO`]).
    pub tasa_iva: Option<Decimal>,
}

fn misma_moneda(campo: &str, monto: Option<Dinero>, base: &Dinero) -> DomainResult<()> {
    match monto {
        Some(m) if m.moneda() != base.moneda() => Err(DomainError::invalid(
            format!("{campo}.moneda"),
            format!("Debe estar en la moneda del monto base ({})", base.moneda()),
        )),
        Some(m) if m.valor() > base.valor() => Err(DomainError::invalid(
            campo,
            "No puede superar el monto base",
        )),
        _ => Ok(()),
    }
}

impl CrearComisionManual {
    /// Validates a request; `campo`s are the input's.
    pub fn new(d: DatosComisionManual) -> DomainResult<Self> {
        let porcentaje = match (d.tipo, d.porcentaje, d.monto_fijo) {
            (TipoComision::Porcentual, None, _) => {
                return Err(DomainError::invalid(
                    "porcentaje",
                    "El porcentaje es obligatorio en una comisión PORCENTUAL",
                ));
            }
            (TipoComision::Porcentual, Some(_), Some(_)) => {
                return Err(DomainError::invalid(
                    "montoFijo",
                    "Una comisión PORCENTUAL no lleva monto fijo",
                ));
            }
            (TipoComision::Porcentual, Some(p), None) => Some(escala("porcentaje", p, 4, true)?),
            (TipoComision::Fija, Some(_), _) => {
                return Err(DomainError::invalid(
                    "porcentaje",
                    "Una comisión FIJA no lleva porcentaje",
                ));
            }
            (TipoComision::Fija, None, None) => {
                return Err(DomainError::invalid(
                    "montoFijo",
                    "El monto fijo es obligatorio en una comisión FIJA",
                ));
            }
            (TipoComision::Fija, None, Some(_)) => None,
        };
        misma_moneda("montoFijo", d.monto_fijo, &d.monto_base)?;
        misma_moneda("descuentos", d.descuentos, &d.monto_base)?;
        match (d.aplicar_descuentos, d.descuentos) {
            (true, None) => {
                return Err(DomainError::invalid(
                    "descuentos",
                    "Indique los descuentos a aplicar (configuracion.aplicarDescuentos es true)",
                ));
            }
            (false, Some(_)) => {
                return Err(DomainError::invalid(
                    "configuracion.aplicarDescuentos",
                    "Hay descuentos: indique si se aplican (aplicarDescuentos: true)",
                ));
            }
            _ => {}
        }
        let tasa_iva = match d.tasa_iva {
            Some(t) => escala("configuracion.tasaIva", t, 2, false)?,
            None => TASA_IVA_POR_DEFECTO,
        };
        Ok(Self {
            conversion_id: d.conversion_id,
            afiliado_id: d.afiliado_id,
            campania_id: d.campania_id,
            tipo_conversion: d.tipo_conversion,
            monto_base: d.monto_base,
            calculo: CalculoManual {
                tipo: d.tipo,
                porcentaje,
                monto_fijo: d.monto_fijo,
                descuentos: d.descuentos,
                aplicar_descuentos: d.aplicar_descuentos,
                incluir_iva: d.incluir_iva,
                tasa_iva,
            },
        })
    }

    /// The request as canonical text: the same conversion asked again with the same
    /// text is a replay (its commission is returned), with another a conflict.
    pub fn canonica(&self) -> String {
        canonica(
            self.conversion_id,
            self.afiliado_id,
            self.campania_id,
            self.tipo_conversion,
            &self.monto_base,
            &self.calculo,
        )
    }
}

fn canonica(
    conversion_id: Uuid,
    afiliado_id: Uuid,
    campania_id: Uuid,
    tipo_conversion: TipoConversion,
    monto_base: &Dinero,
    calculo: &CalculoManual,
) -> String {
    format!(
        "conversion={conversion_id};afiliado={afiliado_id};campania={campania_id};tipoConversion={};montoBase={monto_base};{}",
        tipo_conversion.codigo(),
        calculo.describir()
    )
}

fn detalle_calculo(r: &Resultado) -> String {
    let bonus = r
        .bonus_objetivos
        .map(|b| format!(" (bonus objetivos {b}%)"))
        .unwrap_or_default();
    match r.porcentaje {
        Some(p) => format!("porcentaje {p}%{bonus}, base {}, monto {}", r.base, r.monto),
        None => format!("monto fijo {}, base {}", r.monto, r.base),
    }
}

impl Comision {
    /// Where it comes from.
    pub fn origen(&self) -> OrigenComision {
        if self.calculo_manual.is_some() {
            OrigenComision::Manual
        } else {
            OrigenComision::Conversion
        }
    }

    /// PORCENTUAL (every commission from a conversion), or its manual calculation's type.
    pub fn tipo_comision(&self) -> TipoComision {
        self.calculo_manual
            .as_ref()
            .map_or(TipoComision::Porcentual, |c| c.tipo)
    }

    /// The base its rate applies to: after discounts and VAT for a manual one, the
    /// conversion's value otherwise.
    pub fn base_calculo(&self) -> DomainResult<Dinero> {
        match &self.calculo_manual {
            Some(calculo) => calculo.base(&self.monto_base),
            None => Ok(self.monto_base),
        }
    }

    /// The canonical request of a commission created by hand.
    pub fn solicitud_manual(&self) -> Option<String> {
        self.calculo_manual.as_ref().map(|calculo| {
            canonica(
                self.conversion_id,
                self.afiliado_id,
                self.campania_id,
                self.tipo_conversion,
                &self.monto_base,
                calculo,
            )
        })
    }

    /// A commission created by hand by `actor`, calculated at once (CALCULADA), with
    /// `ComisionCreada`, `ComisionCalculada` and their audit lines. `cliente_id` is the
    /// campaign's advertiser.
    pub fn crear_manual(
        s: &CrearComisionManual,
        cliente_id: Option<Uuid>,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<CambioComision> {
        let ahora = ahora.trunc_subsecs(6);
        let resultado = s.calculo.calcular(&s.monto_base)?;
        let comision = Self {
            id: Uuid::now_v7(),
            conversion_id: s.conversion_id,
            afiliado_id: s.afiliado_id,
            campania_id: s.campania_id,
            cliente_id,
            tipo_conversion: s.tipo_conversion,
            monto_base: s.monto_base,
            porcentaje: resultado.porcentaje,
            monto: Some(resultado.monto),
            estado: EstadoComision::Calculada,
            motivo_rechazo: None,
            pago_id: None,
            bonus_objetivos: None,
            calculo_manual: Some(s.calculo.clone()),
            fecha_conversion: ahora,
            fecha_creacion: ahora,
            fecha_actualizacion: ahora,
            version: 1,
        };
        Ok(CambioComision {
            eventos: vec![
                envelope(&ComisionCreada::de(&comision, &s.calculo), ahora)?,
                envelope(&ComisionCalculada::from(&comision), ahora)?,
            ],
            auditoria: vec![
                EntradaAuditoriaComision::de(
                    &comision,
                    "ComisionCreada",
                    actor,
                    Some(format!("manual: {}", s.calculo.describir())),
                ),
                EntradaAuditoriaComision::de(
                    &comision,
                    "ComisionCalculada",
                    actor,
                    Some(detalle_calculo(&resultado)),
                ),
            ],
            version_anterior: 0,
            comision,
        })
    }

    /// The calculation this commission would get now: its own for a manual one, the
    /// rates (`tarifas`) for one from a conversion (`CONFLICT` while they are unknown),
    /// with the campaign's objective bonus when it is its partner's `posicion`-th
    /// conversion in the campaign and that reaches the objective.
    pub(crate) fn resultado(
        &self,
        tarifas: Option<(&TarifaAfiliado, &TarifaCampania)>,
        posicion: u64,
    ) -> DomainResult<Resultado> {
        if let Some(calculo) = &self.calculo_manual {
            return calculo.calcular(&self.monto_base);
        }
        let Some((afiliado, campania)) = tarifas else {
            return Err(DomainError::Conflict(format!(
                "La comisión {} espera la tarifa de su afiliado o de su campaña: aún no se conocen",
                self.id
            )));
        };
        let mut porcentaje = super::tasa_aplicable(afiliado, campania, self.tipo_conversion);
        let bonus_objetivos = campania.bonus(posicion);
        if let Some(bonus) = bonus_objetivos {
            porcentaje = super::con_bonus(porcentaje, bonus);
        }
        let monto = self
            .monto_base
            .porcentaje(porcentaje)
            .map_err(DomainError::internal)?;
        Ok(Resultado {
            base: self.monto_base,
            porcentaje: Some(porcentaje.normalize()),
            bonus_objetivos,
            monto,
        })
    }

    /// Calculates on request (the seeds' `/calcular`): a PENDIENTE commission now
    /// (`ComisionCalculada`); a CALCULADA one only when `forzar` (`ComisionRecalculada`,
    /// with the amounts before and after), else nothing (`None`). Approved, refused or
    /// paid commissions are final: `CONFLICT`.
    pub fn calcular_a_pedido(
        mut self,
        tarifas: Option<(&TarifaAfiliado, &TarifaCampania)>,
        posicion: u64,
        forzar: bool,
        actor: &str,
        ahora: DateTime<Utc>,
    ) -> DomainResult<Option<CambioComision>> {
        let recalcular = match self.estado {
            EstadoComision::Pendiente => false,
            EstadoComision::Calculada if forzar => true,
            EstadoComision::Calculada => return Ok(None),
            otro => {
                return Err(DomainError::Conflict(format!(
                    "No se puede calcular la comisión {}: está {}",
                    self.id,
                    otro.codigo()
                )));
            }
        };
        let version_anterior = self.version;
        let anterior = (self.porcentaje, self.monto_o_cero());
        let resultado = self.resultado(tarifas, posicion)?;
        self.porcentaje = resultado.porcentaje;
        self.monto = Some(resultado.monto);
        self.bonus_objetivos = resultado.bonus_objetivos;
        if let (None, Some((_, campania))) = (self.cliente_id, tarifas) {
            self.cliente_id = Some(campania.cliente_id);
        }
        self.estado = EstadoComision::Calculada;
        self.fecha_actualizacion = ahora.trunc_subsecs(6);
        self.version += 1;
        let (evento, nombre, detalle) = if recalcular {
            let evento = ComisionRecalculada {
                porcentaje_anterior: anterior.0.map(|p| p.to_string()),
                monto_anterior: anterior.1,
                ..ComisionRecalculada::from(&self)
            };
            let antes = match anterior.0 {
                Some(p) => format!("{p}%, {}", anterior.1),
                None => anterior.1.to_string(),
            };
            (
                envelope(&evento, self.fecha_actualizacion)?,
                "ComisionRecalculada",
                format!("{antes} → {}", detalle_calculo(&resultado)),
            )
        } else {
            (
                envelope(&ComisionCalculada::from(&self), self.fecha_actualizacion)?,
                "ComisionCalculada",
                detalle_calculo(&resultado),
            )
        };
        Ok(Some(CambioComision {
            eventos: vec![evento],
            auditoria: vec![EntradaAuditoriaComision::de(
                &self,
                nombre,
                actor,
                Some(detalle),
            )],
            version_anterior,
            comision: self,
        }))
    }

    /// The audit line of an automatic calculation (by a consumer).
    pub fn auditoria_calculo(&self) -> EntradaAuditoriaComision {
        let detalle = Resultado {
            base: self.monto_base,
            porcentaje: self.porcentaje,
            bonus_objetivos: self.bonus_objetivos,
            monto: self.monto_o_cero(),
        };
        EntradaAuditoriaComision::de(
            self,
            "ComisionCalculada",
            super::ACTOR_SISTEMA,
            Some(detalle_calculo(&detalle)),
        )
    }
}

#[cfg(test)]
mod tests {
    use kernel::Moneda;
    use rust_decimal_macros::dec;

    use super::*;

    fn usd(v: Decimal) -> Dinero {
        Dinero::new(v, Moneda::Usd).unwrap()
    }

    fn datos() -> DatosComisionManual {
        DatosComisionManual {
            conversion_id: Uuid::now_v7(),
            afiliado_id: Uuid::now_v7(),
            campania_id: Uuid::now_v7(),
            tipo_conversion: TipoConversion::Venta,
            monto_base: Dinero::new(dec!(250000), Moneda::Cop).unwrap(),
            tipo: TipoComision::Porcentual,
            porcentaje: Some(dec!(15)),
            monto_fijo: None,
            descuentos: None,
            aplicar_descuentos: false,
            incluir_iva: true,
            tasa_iva: None,
        }
    }

    #[test]
    fn the_seeds_example_earns_fifteen_percent_of_the_base() {
        // The seeds' request: 250000 COP, porcentual 15 %, VAT kept → 37500 COP.
        let s = CrearComisionManual::new(datos()).unwrap();
        let r = s.calculo.calcular(&s.monto_base).unwrap();
        assert_eq!(r.monto.valor(), dec!(37500));
        assert_eq!(r.porcentaje, Some(dec!(15)));
    }

    #[test]
    fn discounts_and_vat_shape_the_base() {
        let d = DatosComisionManual {
            monto_base: usd(dec!(238)),
            descuentos: Some(usd(dec!(0.01))),
            aplicar_descuentos: true,
            incluir_iva: false,
            ..datos()
        };
        let s = CrearComisionManual::new(d).unwrap();
        let r = s.calculo.calcular(&s.monto_base).unwrap();
        // (238 − 0.01) / 1.19 = 199.991596… → 199.99; 15 % → 29.9985 → 30.00.
        assert_eq!(r.base.valor(), dec!(199.99));
        assert_eq!(r.monto.valor(), dec!(30.00));
        let fija = DatosComisionManual {
            monto_base: usd(dec!(100)),
            tipo: TipoComision::Fija,
            porcentaje: None,
            monto_fijo: Some(usd(dec!(7.5))),
            ..datos()
        };
        let s = CrearComisionManual::new(fija).unwrap();
        let r = s.calculo.calcular(&s.monto_base).unwrap();
        assert_eq!((r.porcentaje, r.monto.valor()), (None, dec!(7.50)));
    }

    #[test]
    fn inconsistent_requests_name_their_field() {
        let campo = |d: DatosComisionManual| {
            CrearComisionManual::new(d)
                .unwrap_err()
                .campo()
                .map(str::to_owned)
        };
        let cop = |v| Some(Dinero::new(v, Moneda::Cop).unwrap());
        for (d, esperado) in [
            (
                DatosComisionManual {
                    porcentaje: None,
                    ..datos()
                },
                "porcentaje",
            ),
            (
                DatosComisionManual {
                    porcentaje: Some(dec!(0)),
                    ..datos()
                },
                "porcentaje",
            ),
            (
                DatosComisionManual {
                    porcentaje: Some(dec!(100.5)),
                    ..datos()
                },
                "porcentaje",
            ),
            (
                DatosComisionManual {
                    porcentaje: Some(dec!(1.23456)),
                    ..datos()
                },
                "porcentaje",
            ),
            (
                DatosComisionManual {
                    monto_fijo: cop(dec!(1)),
                    ..datos()
                },
                "montoFijo",
            ),
            (
                DatosComisionManual {
                    tipo: TipoComision::Fija,
                    ..datos()
                },
                "porcentaje",
            ),
            (
                DatosComisionManual {
                    tipo: TipoComision::Fija,
                    porcentaje: None,
                    ..datos()
                },
                "montoFijo",
            ),
            (
                DatosComisionManual {
                    tipo: TipoComision::Fija,
                    porcentaje: None,
                    monto_fijo: cop(dec!(250001)),
                    ..datos()
                },
                "montoFijo",
            ),
            (
                DatosComisionManual {
                    descuentos: Some(usd(dec!(1))),
                    aplicar_descuentos: true,
                    ..datos()
                },
                "descuentos.moneda",
            ),
            (
                DatosComisionManual {
                    aplicar_descuentos: true,
                    ..datos()
                },
                "descuentos",
            ),
            (
                DatosComisionManual {
                    descuentos: cop(dec!(5)),
                    ..datos()
                },
                "configuracion.aplicarDescuentos",
            ),
            (
                DatosComisionManual {
                    tasa_iva: Some(dec!(101)),
                    ..datos()
                },
                "configuracion.tasaIva",
            ),
        ] {
            assert_eq!(campo(d).as_deref(), Some(esperado));
        }
    }

    #[test]
    fn a_manual_commission_is_created_calculated_and_recalculates_alike() {
        let s = CrearComisionManual::new(datos()).unwrap();
        let cambio = Comision::crear_manual(&s, None, "ana", Utc::now()).unwrap();
        let c = cambio.comision.clone();
        assert_eq!(c.estado, EstadoComision::Calculada);
        assert_eq!(c.origen(), OrigenComision::Manual);
        assert_eq!(c.solicitud_manual(), Some(s.canonica()));
        let tipos: Vec<_> = cambio.eventos.iter().map(|e| e.tipo.as_str()).collect();
        assert_eq!(tipos, ["ComisionCreada.v1", "ComisionCalculada.v1"]);
        // Not forced: nothing to do. Forced: the same calculation, recorded.
        assert!(
            c.clone()
                .calcular_a_pedido(None, 1, false, "ana", Utc::now())
                .unwrap()
                .is_none()
        );
        let forzada = c
            .clone()
            .calcular_a_pedido(None, 1, true, "ana", Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(forzada.comision.monto, c.monto);
        assert_eq!(forzada.comision.version, c.version + 1);
        assert_eq!(forzada.eventos[0].tipo, "ComisionRecalculada.v1");
        let mut aprobada = forzada.comision;
        aprobada.aprobar(Utc::now()).unwrap();
        let error = aprobada
            .calcular_a_pedido(None, 1, true, "ana", Utc::now())
            .unwrap_err();
        assert_eq!(error.code(), kernel::ErrorCode::Conflict);
    }
}
