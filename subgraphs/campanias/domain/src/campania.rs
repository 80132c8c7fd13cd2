use chrono::{DateTime, SubsecRound, Utc};
use kernel::{
    Dinero, DomainError, DomainResult,
    values::{Nombre, nuevo_id},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Canal, ComandoCampania, ConfiguracionComisiones, CrearCampania, EstadoCampania, EventoCampania,
    EventoRegistrado, MotivoSobregiro, Segmentacion, TipoCampania,
};

/// Longest description accepted, in characters.
pub const MAX_DESCRIPCION: usize = 2_000;

/// A campaign: the state its events add up to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campania {
    /// Identity.
    pub id: Uuid,
    /// The advertiser that runs it.
    pub cliente_id: Uuid,
    /// Name.
    pub nombre: String,
    /// Description (may be empty).
    pub descripcion: String,
    /// Kind.
    pub tipo: TipoCampania,
    /// Channels, without duplicates, in the order given.
    pub canales: Vec<Canal>,
    /// Targeting.
    pub segmentacion: Segmentacion,
    /// Commission rates.
    pub configuracion_comisiones: ConfiguracionComisiones,
    /// Start.
    pub fecha_inicio: DateTime<Utc>,
    /// End, after the start.
    pub fecha_fin: DateTime<Utc>,
    /// Budget.
    pub presupuesto: Dinero,
    /// Approved commissions so far; never above the budget, same currency.
    pub gasto_actual: Dinero,
    /// Lifecycle state.
    pub estado: EstadoCampania,
    /// When it was created.
    pub fecha_creacion: DateTime<Utc>,
    /// When it last changed.
    pub fecha_actualizacion: DateTime<Utc>,
    /// Number of events in its stream.
    pub version: i64,
}

fn transicion(accion: &str, estado: EstadoCampania) -> DomainError {
    let detalle = match estado {
        EstadoCampania::Completada => "está COMPLETADA y no admite más cambios".to_owned(),
        otro => format!("está en estado {}", otro.codigo()),
    };
    DomainError::Conflict(format!("No se puede {accion} la campaña: {detalle}"))
}

impl Campania {
    /// Validates a creation; returns the new campaign's id and its first event.
    pub fn crear(c: CrearCampania) -> DomainResult<(Uuid, EventoCampania)> {
        let id = nuevo_id(c.id)?;
        if c.cliente_id.is_nil() {
            return Err(DomainError::invalid(
                "clienteId",
                "El cliente no puede ser el UUID nulo",
            ));
        }
        let nombre = Nombre::parse("nombre", &c.nombre)?;
        let descripcion = c.descripcion.trim().to_owned();
        if descripcion.chars().count() > MAX_DESCRIPCION {
            return Err(DomainError::invalid(
                "descripcion",
                format!("La descripción admite como máximo {MAX_DESCRIPCION} caracteres"),
            ));
        }
        let (fecha_inicio, fecha_fin) = (
            c.fecha_inicio.trunc_subsecs(6),
            c.fecha_fin.trunc_subsecs(6),
        );
        if fecha_fin <= fecha_inicio {
            return Err(DomainError::invalid(
                "fechaFin",
                "La fecha de fin debe ser posterior a la fecha de inicio",
            ));
        }
        let mut canales = Vec::new();
        for canal in c.canales {
            if !canales.contains(&canal) {
                canales.push(canal);
            }
        }
        if canales.is_empty() {
            return Err(DomainError::invalid(
                "canales",
                "La campaña necesita al menos un canal",
            ));
        }
        let segmentacion = Segmentacion::new(c.edad_minima, c.edad_maxima, &c.ubicaciones)?;
        let configuracion_comisiones = ConfiguracionComisiones::new(
            c.por_conversion,
            c.por_venta,
            c.bonus_objetivos,
            c.objetivo_conversiones,
        )?;
        Ok((
            id,
            EventoCampania::Creada {
                cliente_id: c.cliente_id,
                nombre: nombre.as_str().to_owned(),
                descripcion,
                tipo: c.tipo,
                canales,
                segmentacion,
                configuracion_comisiones,
                fecha_inicio,
                fecha_fin,
                presupuesto: c.presupuesto,
            },
        ))
    }

    /// Rebuilds a campaign from a snapshot (if any) and the events after it, in order.
    pub fn reproducir(
        snapshot: Option<Campania>,
        eventos: &[EventoRegistrado],
    ) -> DomainResult<Campania> {
        let mut eventos = eventos.iter();
        let mut campania = match snapshot {
            Some(campania) => campania,
            None => {
                let primero = eventos
                    .next()
                    .ok_or_else(|| DomainError::internal("empty event stream"))?;
                Campania::desde_creacion(primero)?
            }
        };
        for evento in eventos {
            campania.aplicar(evento)?;
        }
        Ok(campania)
    }

    /// The state after the first event of a stream (`CampaniaCreada`).
    fn desde_creacion(registro: &EventoRegistrado) -> DomainResult<Campania> {
        let EventoCampania::Creada {
            cliente_id,
            nombre,
            descripcion,
            tipo,
            canales,
            segmentacion,
            configuracion_comisiones,
            fecha_inicio,
            fecha_fin,
            presupuesto,
        } = &registro.evento
        else {
            return Err(DomainError::internal(format!(
                "stream of campania {} does not start with CampaniaCreada",
                registro.campania_id
            )));
        };
        if registro.version != 1 {
            return Err(DomainError::internal("CampaniaCreada must be version 1"));
        }
        Ok(Campania {
            id: registro.campania_id,
            cliente_id: *cliente_id,
            nombre: nombre.clone(),
            descripcion: descripcion.clone(),
            tipo: *tipo,
            canales: canales.clone(),
            segmentacion: segmentacion.clone(),
            configuracion_comisiones: *configuracion_comisiones,
            fecha_inicio: *fecha_inicio,
            fecha_fin: *fecha_fin,
            presupuesto: *presupuesto,
            gasto_actual: Dinero::cero(presupuesto.moneda()),
            estado: EstadoCampania::Creada,
            fecha_creacion: registro.ocurrido_en,
            fecha_actualizacion: registro.ocurrido_en,
            version: 1,
        })
    }

    /// Applies the next stored event. Events are facts: only a broken stream fails.
    pub fn aplicar(&mut self, registro: &EventoRegistrado) -> DomainResult<()> {
        if registro.version != self.version + 1 || registro.campania_id != self.id {
            return Err(DomainError::internal(format!(
                "event {} of campania {} out of sequence (state at version {})",
                registro.version, registro.campania_id, self.version
            )));
        }
        match &registro.evento {
            EventoCampania::Creada { .. } => {
                return Err(DomainError::internal("CampaniaCreada after version 1"));
            }
            EventoCampania::Activada {} | EventoCampania::Reanudada {} => {
                self.estado = EstadoCampania::Activa;
            }
            EventoCampania::Pausada {} => self.estado = EstadoCampania::Pausada,
            EventoCampania::Completada {} => self.estado = EstadoCampania::Completada,
            EventoCampania::PresupuestoActualizado { nuevo, .. } => self.presupuesto = *nuevo,
            EventoCampania::GastoRegistrado { gasto_actual, .. }
            | EventoCampania::GastoRevertido { gasto_actual, .. } => {
                self.gasto_actual = *gasto_actual;
            }
            EventoCampania::SobregiroRegistrado { .. } => {}
        }
        self.version = registro.version;
        self.fecha_actualizacion = registro.ocurrido_en;
        Ok(())
    }

    /// Decides the events a command produces, or why it is refused. No events means
    /// nothing changes (the command asks for the current state).
    pub fn decidir(&self, comando: &ComandoCampania) -> DomainResult<Vec<EventoCampania>> {
        match comando {
            ComandoCampania::Activar => self.activar(),
            ComandoCampania::Pausar => self.pausar(),
            ComandoCampania::Completar => self.completar(),
            ComandoCampania::ActualizarPresupuesto(nuevo) => self.actualizar_presupuesto(*nuevo),
            ComandoCampania::RegistrarGasto {
                comision_id,
                afiliado_id,
                monto,
            } => self
                .registrar_gasto(*comision_id, *afiliado_id, *monto)
                .map(|e| vec![e]),
            ComandoCampania::RevertirGasto {
                comision_id,
                gasto,
                motivo,
            } => self.revertir_gasto(*comision_id, gasto.as_deref(), motivo),
        }
    }

    fn activar(&self) -> DomainResult<Vec<EventoCampania>> {
        match self.estado {
            EstadoCampania::Creada => Ok(vec![EventoCampania::Activada {}]),
            EstadoCampania::Pausada => Ok(vec![EventoCampania::Reanudada {}]),
            EstadoCampania::Activa => Err(DomainError::Conflict(
                "La campaña ya está activa".to_owned(),
            )),
            EstadoCampania::Completada => Err(transicion("activar", self.estado)),
        }
    }

    fn pausar(&self) -> DomainResult<Vec<EventoCampania>> {
        match self.estado {
            EstadoCampania::Activa => Ok(vec![EventoCampania::Pausada {}]),
            EstadoCampania::Pausada => Err(DomainError::Conflict(
                "La campaña ya está pausada".to_owned(),
            )),
            otro => Err(transicion("pausar", otro)),
        }
    }

    fn completar(&self) -> DomainResult<Vec<EventoCampania>> {
        match self.estado {
            EstadoCampania::Activa => Ok(vec![EventoCampania::Completada {}]),
            EstadoCampania::Completada => Err(DomainError::Conflict(
                "La campaña ya está COMPLETADA".to_owned(),
            )),
            otro => Err(DomainError::Conflict(format!(
                "Solo se puede completar una campaña ACTIVA (estado actual: {})",
                otro.codigo()
            ))),
        }
    }

    fn actualizar_presupuesto(&self, nuevo: Dinero) -> DomainResult<Vec<EventoCampania>> {
        if self.estado == EstadoCampania::Completada {
            return Err(transicion("cambiar el presupuesto de", self.estado));
        }
        if nuevo.moneda() != self.presupuesto.moneda() {
            return Err(DomainError::invalid(
                "presupuesto.moneda",
                format!(
                    "El presupuesto debe estar en {}, la moneda de la campaña",
                    self.presupuesto.moneda()
                ),
            ));
        }
        if nuevo.valor() < self.gasto_actual.valor() {
            return Err(DomainError::invalid(
                "presupuesto",
                format!(
                    "El presupuesto no puede ser menor que el gasto actual ({})",
                    self.gasto_actual
                ),
            ));
        }
        if nuevo == self.presupuesto {
            return Ok(Vec::new());
        }
        Ok(vec![EventoCampania::PresupuestoActualizado {
            anterior: self.presupuesto,
            nuevo,
        }])
    }

    /// Budget still available (presupuesto − gastoActual).
    pub fn disponible(&self) -> Dinero {
        Dinero::new(
            self.presupuesto.valor() - self.gasto_actual.valor(),
            self.presupuesto.moneda(),
        )
        .unwrap_or_else(|_| Dinero::cero(self.presupuesto.moneda()))
    }

    /// An approved commission: added to the expense when it fits the budget in its
    /// currency, otherwise recorded as an overrun and not applied. Any state accepts it:
    /// the commission was earned while the campaign ran.
    fn registrar_gasto(
        &self,
        comision_id: Uuid,
        afiliado_id: Uuid,
        monto: Dinero,
    ) -> DomainResult<EventoCampania> {
        let sobregiro = |motivo| EventoCampania::SobregiroRegistrado {
            comision_id,
            afiliado_id,
            monto,
            disponible: self.disponible(),
            motivo,
        };
        if monto.moneda() != self.presupuesto.moneda() {
            return Ok(sobregiro(MotivoSobregiro::MonedaDistinta));
        }
        let gasto_actual = self
            .gasto_actual
            .sumar(&monto)
            .map_err(|e| DomainError::invalid("monto", e.to_string()))?;
        if gasto_actual.valor() > self.presupuesto.valor() {
            return Ok(sobregiro(MotivoSobregiro::PresupuestoExcedido));
        }
        Ok(EventoCampania::GastoRegistrado {
            comision_id,
            afiliado_id,
            monto,
            gasto_actual,
        })
    }
}

/// Longest reversal reason kept, in characters.
pub const MAX_MOTIVO_REVERSION: usize = 500;

impl Campania {
    /// A reversed commission: its expense is taken back, by exactly the registered
    /// amount, only when this campaign's stream holds it as `GastoRegistrado`. A refused
    /// expense (`SobregiroRegistrado`) or one never registered changed nothing, so its
    /// reversal decides nothing; so does one for another campaign's expense.
    fn revertir_gasto(
        &self,
        comision_id: Uuid,
        gasto: Option<&EventoRegistrado>,
        motivo: &str,
    ) -> DomainResult<Vec<EventoCampania>> {
        let Some(registro) = gasto.filter(|r| r.campania_id == self.id) else {
            return Ok(Vec::new());
        };
        let EventoCampania::GastoRegistrado {
            comision_id: registrada,
            afiliado_id,
            monto,
            ..
        } = &registro.evento
        else {
            return Ok(Vec::new());
        };
        if *registrada != comision_id {
            return Ok(Vec::new());
        }
        // The expense includes the amount (same currency, added once), so the
        // difference is never negative unless the stream is broken.
        let valor = self
            .gasto_actual
            .valor()
            .checked_sub(monto.valor())
            .filter(|v| !v.is_sign_negative())
            .ok_or_else(|| {
                DomainError::internal(format!(
                    "expense {} of campania {} is below the reverted {monto}",
                    self.gasto_actual, self.id
                ))
            })?;
        let gasto_actual = Dinero::new(valor, self.gasto_actual.moneda())
            .map_err(|e| DomainError::internal(e.to_string()))?;
        Ok(vec![EventoCampania::GastoRevertido {
            comision_id,
            afiliado_id: *afiliado_id,
            monto: *monto,
            gasto_actual,
            motivo: motivo.trim().chars().take(MAX_MOTIVO_REVERSION).collect(),
        }])
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use kernel::{ErrorCode, Moneda};
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::*;

    fn usd(valor: Decimal) -> Dinero {
        Dinero::new(valor, Moneda::Usd).unwrap()
    }

    fn comando() -> CrearCampania {
        let inicio = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        CrearCampania {
            id: None,
            cliente_id: Uuid::new_v4(),
            nombre: "  Black   Friday ".into(),
            descripcion: "Promoción".into(),
            tipo: TipoCampania::Promocional,
            canales: vec![Canal::Web, Canal::Email, Canal::Web],
            edad_minima: Some(18),
            edad_maxima: Some(65),
            ubicaciones: vec!["Bogotá".into()],
            por_conversion: dec!(15),
            por_venta: dec!(8),
            bonus_objetivos: dec!(25),
            objetivo_conversiones: Some(10),
            fecha_inicio: inicio,
            fecha_fin: inicio + Duration::days(3),
            presupuesto: usd(dec!(1000)),
        }
    }

    struct Stream {
        campania: Campania,
        eventos: Vec<EventoRegistrado>,
    }

    impl Stream {
        fn nuevo() -> Self {
            let (id, evento) = Campania::crear(comando()).unwrap();
            let registro = EventoRegistrado {
                id: Uuid::new_v4(),
                campania_id: id,
                version: 1,
                ocurrido_en: Utc::now(),
                evento,
            };
            let campania = Campania::reproducir(None, std::slice::from_ref(&registro)).unwrap();
            Self {
                campania,
                eventos: vec![registro],
            }
        }

        fn ejecutar(&mut self, comando: ComandoCampania) -> DomainResult<()> {
            for evento in self.campania.decidir(&comando)? {
                let registro = EventoRegistrado {
                    id: Uuid::new_v4(),
                    campania_id: self.campania.id,
                    version: self.campania.version + 1,
                    ocurrido_en: Utc::now(),
                    evento,
                };
                self.campania.aplicar(&registro)?;
                self.eventos.push(registro);
            }
            Ok(())
        }
    }

    #[test]
    fn creation_validates_and_normalises() {
        let s = Stream::nuevo();
        assert_eq!(s.campania.nombre, "Black Friday");
        assert_eq!(s.campania.canales, [Canal::Web, Canal::Email]);
        assert_eq!(s.campania.estado, EstadoCampania::Creada);
        assert_eq!(s.campania.gasto_actual, Dinero::cero(Moneda::Usd));
        let mut c = comando();
        c.fecha_fin = c.fecha_inicio;
        assert_eq!(Campania::crear(c).unwrap_err().campo(), Some("fechaFin"));
        let mut c = comando();
        c.canales.clear();
        assert_eq!(Campania::crear(c).unwrap_err().campo(), Some("canales"));
        let mut c = comando();
        c.cliente_id = Uuid::nil();
        assert_eq!(Campania::crear(c).unwrap_err().campo(), Some("clienteId"));
    }

    #[test]
    fn every_allowed_transition() {
        let mut s = Stream::nuevo();
        s.ejecutar(ComandoCampania::Activar).unwrap();
        assert_eq!(s.campania.estado, EstadoCampania::Activa);
        s.ejecutar(ComandoCampania::Pausar).unwrap();
        assert_eq!(s.campania.estado, EstadoCampania::Pausada);
        s.ejecutar(ComandoCampania::Activar).unwrap();
        assert_eq!(s.campania.estado, EstadoCampania::Activa);
        assert!(matches!(
            s.eventos.last().unwrap().evento,
            EventoCampania::Reanudada {}
        ));
        s.ejecutar(ComandoCampania::Completar).unwrap();
        assert_eq!(s.campania.estado, EstadoCampania::Completada);
        assert_eq!(s.campania.version, 5);
        assert_eq!(Campania::reproducir(None, &s.eventos).unwrap(), s.campania);
    }

    #[test]
    fn forbidden_transitions_are_conflicts() {
        let mut s = Stream::nuevo();
        for c in [ComandoCampania::Pausar, ComandoCampania::Completar] {
            assert_eq!(s.ejecutar(c).unwrap_err().code(), ErrorCode::Conflict);
        }
        s.ejecutar(ComandoCampania::Activar).unwrap();
        assert_eq!(
            s.ejecutar(ComandoCampania::Activar)
                .unwrap_err()
                .to_string(),
            "La campaña ya está activa"
        );
        s.ejecutar(ComandoCampania::Pausar).unwrap();
        assert_eq!(
            s.ejecutar(ComandoCampania::Completar).unwrap_err().code(),
            ErrorCode::Conflict
        );
        s.ejecutar(ComandoCampania::Activar).unwrap();
        s.ejecutar(ComandoCampania::Completar).unwrap();
        for c in [
            ComandoCampania::Activar,
            ComandoCampania::Pausar,
            ComandoCampania::Completar,
            ComandoCampania::ActualizarPresupuesto(usd(dec!(5000))),
        ] {
            let error = s.ejecutar(c).unwrap_err();
            assert_eq!(error.code(), ErrorCode::Conflict, "{error}");
        }
        assert_eq!(s.campania.estado, EstadoCampania::Completada);
    }

    #[test]
    fn expenses_never_exceed_the_budget() {
        let mut s = Stream::nuevo();
        let gasto = |valor| ComandoCampania::RegistrarGasto {
            comision_id: Uuid::new_v4(),
            afiliado_id: Uuid::new_v4(),
            monto: usd(valor),
        };
        s.ejecutar(gasto(dec!(999.99))).unwrap();
        assert_eq!(s.campania.gasto_actual, usd(dec!(999.99)));
        s.ejecutar(gasto(dec!(0.02))).unwrap();
        assert_eq!(s.campania.gasto_actual, usd(dec!(999.99)));
        assert!(matches!(
            s.eventos.last().unwrap().evento,
            EventoCampania::SobregiroRegistrado {
                motivo: MotivoSobregiro::PresupuestoExcedido,
                ..
            }
        ));
        s.ejecutar(ComandoCampania::RegistrarGasto {
            comision_id: Uuid::new_v4(),
            afiliado_id: Uuid::new_v4(),
            monto: Dinero::new(dec!(1), Moneda::Cop).unwrap(),
        })
        .unwrap();
        assert!(matches!(
            s.eventos.last().unwrap().evento,
            EventoCampania::SobregiroRegistrado {
                motivo: MotivoSobregiro::MonedaDistinta,
                ..
            }
        ));
        s.ejecutar(gasto(dec!(0.01))).unwrap();
        assert_eq!(s.campania.gasto_actual, usd(dec!(1000)));
        assert_eq!(s.campania.disponible(), Dinero::cero(Moneda::Usd));
    }

    #[test]
    fn only_a_registered_expense_is_reverted_by_exactly_its_amount() {
        let mut s = Stream::nuevo();
        let registrar = |s: &mut Stream, valor| {
            let comision_id = Uuid::new_v4();
            s.ejecutar(ComandoCampania::RegistrarGasto {
                comision_id,
                afiliado_id: Uuid::new_v4(),
                monto: usd(valor),
            })
            .unwrap();
            (comision_id, s.eventos.last().unwrap().clone())
        };
        let (registrada, gasto) = registrar(&mut s, dec!(250.55));
        let (_, otro) = registrar(&mut s, dec!(100.10));
        let (rechazada, sobregiro) = registrar(&mut s, dec!(999));
        assert!(matches!(
            sobregiro.evento,
            EventoCampania::SobregiroRegistrado { .. }
        ));
        assert_eq!(s.campania.gasto_actual, usd(dec!(350.65)));
        let revertir =
            |comision_id, gasto: Option<&EventoRegistrado>| ComandoCampania::RevertirGasto {
                comision_id,
                gasto: gasto.cloned().map(Box::new),
                motivo: "  Contracargo ".into(),
            };
        // Refused, never registered, or another commission's expense: nothing to revert.
        for comando in [
            revertir(rechazada, Some(&sobregiro)),
            revertir(Uuid::new_v4(), None),
            revertir(Uuid::new_v4(), Some(&otro)),
        ] {
            assert_eq!(s.campania.decidir(&comando).unwrap(), Vec::new());
        }
        let mut ajena = gasto.clone();
        ajena.campania_id = Uuid::new_v4();
        assert_eq!(
            s.campania
                .decidir(&revertir(registrada, Some(&ajena)))
                .unwrap(),
            Vec::new()
        );
        s.ejecutar(revertir(registrada, Some(&gasto))).unwrap();
        assert_eq!(s.campania.gasto_actual, usd(dec!(100.10)));
        let EventoCampania::GastoRevertido { monto, motivo, .. } =
            &s.eventos.last().unwrap().evento
        else {
            panic!("expected GastoRevertido, got {:?}", s.eventos.last());
        };
        assert_eq!(
            (*monto, motivo.as_str()),
            (usd(dec!(250.55)), "Contracargo")
        );
        assert_eq!(Campania::reproducir(None, &s.eventos).unwrap(), s.campania);
    }

    #[test]
    fn budget_cannot_drop_below_expense_or_change_currency() {
        let mut s = Stream::nuevo();
        s.ejecutar(ComandoCampania::RegistrarGasto {
            comision_id: Uuid::new_v4(),
            afiliado_id: Uuid::new_v4(),
            monto: usd(dec!(400)),
        })
        .unwrap();
        let error = s
            .ejecutar(ComandoCampania::ActualizarPresupuesto(usd(dec!(399.99))))
            .unwrap_err();
        assert_eq!(error.campo(), Some("presupuesto"));
        let error = s
            .ejecutar(ComandoCampania::ActualizarPresupuesto(
                Dinero::new(dec!(5000), Moneda::Eur).unwrap(),
            ))
            .unwrap_err();
        assert_eq!(error.campo(), Some("presupuesto.moneda"));
        let version = s.campania.version;
        s.ejecutar(ComandoCampania::ActualizarPresupuesto(usd(dec!(1000))))
            .unwrap();
        assert_eq!(s.campania.version, version, "same budget: no event");
        s.ejecutar(ComandoCampania::ActualizarPresupuesto(usd(dec!(400))))
            .unwrap();
        assert_eq!(s.campania.presupuesto, usd(dec!(400)));
        assert_eq!(Campania::reproducir(None, &s.eventos).unwrap(), s.campania);
    }

    #[test]
    fn replay_from_a_snapshot_equals_full_replay() {
        let mut s = Stream::nuevo();
        s.ejecutar(ComandoCampania::Activar).unwrap();
        for _ in 0..5 {
            s.ejecutar(ComandoCampania::Pausar).unwrap();
            s.ejecutar(ComandoCampania::Activar).unwrap();
        }
        let snapshot = Campania::reproducir(None, &s.eventos[..4]).unwrap();
        let json = serde_json::to_string(&snapshot).unwrap();
        let snapshot: Campania = serde_json::from_str(&json).unwrap();
        assert_eq!(
            Campania::reproducir(Some(snapshot), &s.eventos[4..]).unwrap(),
            s.campania
        );
        assert!(Campania::reproducir(None, &s.eventos[1..]).is_err());
    }
}
