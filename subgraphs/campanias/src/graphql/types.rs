use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use subgraph_kit::{
    DomainResult,
    graphql::{
        DecimalScalar, DineroGql, DineroInput, GraphqlResultExt, InfoPaginacion, load_one, parse_id,
    },
};

use super::loader::{HistorialLoader, PorClienteLoader};
use crate::domain::{
    self, Campania, Canal, CrearCampania, EstadoCampania, EventoCampania, EventoRegistrado,
    FiltroCampanias, MotivoSobregiro, TipoCampania,
};

use subgraph_kit::mirror_enum;

mirror_enum!(
    /// Campaign lifecycle: CREADA → ACTIVA → PAUSADA ⇄ ACTIVA → COMPLETADA.
    EstadoCampaniaGql as "EstadoCampania" <=> EstadoCampania {
        /// Created, not yet running.
        Creada,
        /// Running.
        Activa,
        /// Temporarily stopped.
        Pausada,
        /// Finished (final).
        Completada,
    }
);
mirror_enum!(
    /// Kind of campaign.
    TipoCampaniaGql as "TipoCampania" <=> TipoCampania {
        /// Short promotion.
        Promocional,
        /// Seasonal.
        Estacional,
        /// Product launch.
        Lanzamiento,
        /// Customer loyalty.
        Fidelizacion,
        /// Always on.
        Permanente,
    }
);
mirror_enum!(
    /// A channel a campaign runs on.
    CanalGql as "CanalCampania" <=> Canal {
        /// Web sites.
        Web,
        /// E-mail.
        Email,
        /// Social networks.
        Social,
        /// Mobile apps.
        Mobile,
        /// Display advertising.
        Display,
        /// Search engines.
        Busqueda,
    }
);
mirror_enum!(
    /// Why an approved commission was not added to the expense.
    MotivoSobregiroGql as "MotivoSobregiro" <=> MotivoSobregiro {
        /// It would exceed the budget.
        PresupuestoExcedido,
        /// It is in another currency than the budget.
        MonedaDistinta,
    }
);

/// Who a campaign targets.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "SegmentacionCampania")]
pub(crate) struct SegmentacionGql {
    edad_minima: Option<i32>,
    edad_maxima: Option<i32>,
    ubicaciones: Vec<String>,
}

/// A campaign's commission rates (percentages 0–100).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "ConfiguracionComisiones")]
pub(crate) struct ConfiguracionComisionesGql {
    /// Rate per conversion, %.
    por_conversion: DecimalScalar,
    /// Rate per sale, %.
    por_venta: DecimalScalar,
    /// Bonus for reaching the objective, % of the commission's rate (see
    /// `objetivoConversiones`).
    bonus_objetivos: DecimalScalar,
    /// The objective: from a partner's `objetivoConversiones`-th conversion in the
    /// campaign on, its commissions earn `bonusObjetivos` % more (null: no objective, no
    /// bonus).
    objetivo_conversiones: Option<u32>,
}

/// One event of a campaign's history (its event store).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "EventoCampania")]
pub(crate) struct EventoCampaniaGql {
    /// Event id (also the id published on the event bus).
    id: ID,
    /// Versioned type (`CampaniaCreada.v1`).
    tipo: String,
    /// Position in the campaign's stream, from 1.
    version: i64,
    /// When it happened.
    ocurrido_en: DateTime<Utc>,
    /// Event payload.
    datos: Json<serde_json::Value>,
}

impl From<&EventoRegistrado> for EventoCampaniaGql {
    fn from(r: &EventoRegistrado) -> Self {
        let (tipo, datos) = r.evento.tipo_y_datos();
        Self {
            id: ID(r.id.to_string()),
            tipo,
            version: r.version,
            ocurrido_en: r.ocurrido_en,
            datos: Json(datos),
        }
    }
}

/// An approved commission that was recorded but not added to the expense.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Sobregiro")]
pub(crate) struct SobregiroGql {
    comision_id: ID,
    afiliado_id: ID,
    /// The refused amount.
    monto: DineroGql,
    /// Budget available at the time.
    disponible: DineroGql,
    motivo: MotivoSobregiroGql,
    ocurrido_en: DateTime<Utc>,
}

/// An advertiser (owned by `clientes`), extended with its campaigns.
pub(crate) struct ClienteGql {
    pub(crate) id: ID,
}

#[Object(name = "Cliente")]
impl ClienteGql {
    /// The advertiser's id.
    async fn id(&self) -> &ID {
        &self.id
    }

    /// Every campaign of the advertiser, newest first.
    async fn campanias(&self, ctx: &Context<'_>) -> Result<Vec<CampaniaGql>> {
        Ok(self
            .cargar(ctx)
            .await?
            .into_iter()
            .map(CampaniaGql)
            .collect())
    }

    /// Its ACTIVA campaigns, newest first.
    async fn campanias_activas(&self, ctx: &Context<'_>) -> Result<Vec<CampaniaGql>> {
        Ok(self
            .cargar(ctx)
            .await?
            .into_iter()
            .filter(|c| c.estado == EstadoCampania::Activa)
            .map(CampaniaGql)
            .collect())
    }
}

impl ClienteGql {
    async fn cargar(&self, ctx: &Context<'_>) -> Result<Vec<Campania>> {
        let id = parse_id("id", &self.id).gql()?;
        let loader = ctx.data::<PorClienteLoader>()?;
        Ok(load_one(loader, id).await.gql()?.unwrap_or_default())
    }
}

/// A campaign, as projected from its event store.
pub(crate) struct CampaniaGql(pub(crate) Campania);

impl From<Campania> for CampaniaGql {
    fn from(c: Campania) -> Self {
        Self(c)
    }
}

#[Object(name = "Campania")]
impl CampaniaGql {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn nombre(&self) -> &str {
        &self.0.nombre
    }

    async fn descripcion(&self) -> &str {
        &self.0.descripcion
    }

    /// The advertiser that runs it (resolved by `clientes`).
    async fn cliente(&self) -> ClienteGql {
        ClienteGql {
            id: ID(self.0.cliente_id.to_string()),
        }
    }

    async fn fecha_inicio(&self) -> DateTime<Utc> {
        self.0.fecha_inicio
    }

    async fn fecha_fin(&self) -> DateTime<Utc> {
        self.0.fecha_fin
    }

    async fn presupuesto(&self) -> DineroGql {
        self.0.presupuesto.into()
    }

    /// Approved commissions so far; never above `presupuesto`.
    async fn gasto_actual(&self) -> DineroGql {
        self.0.gasto_actual.into()
    }

    /// `presupuesto − gastoActual`.
    async fn presupuesto_disponible(&self) -> DineroGql {
        self.0.disponible().into()
    }

    async fn estado(&self) -> EstadoCampaniaGql {
        self.0.estado.into()
    }

    async fn tipo(&self) -> TipoCampaniaGql {
        self.0.tipo.into()
    }

    async fn canales(&self) -> Vec<CanalGql> {
        self.0.canales.iter().copied().map(Into::into).collect()
    }

    async fn segmentacion(&self) -> SegmentacionGql {
        let s = &self.0.segmentacion;
        SegmentacionGql {
            edad_minima: s.edad_minima.map(i32::from),
            edad_maxima: s.edad_maxima.map(i32::from),
            ubicaciones: s.ubicaciones.clone(),
        }
    }

    async fn configuracion_comisiones(&self) -> ConfiguracionComisionesGql {
        let c = &self.0.configuracion_comisiones;
        ConfiguracionComisionesGql {
            por_conversion: DecimalScalar(c.por_conversion),
            por_venta: DecimalScalar(c.por_venta),
            bonus_objetivos: DecimalScalar(c.bonus_objetivos),
            objetivo_conversiones: c.objetivo_conversiones,
        }
    }

    /// Its events, oldest first (batched across campaigns).
    async fn historial(&self, ctx: &Context<'_>) -> Result<Vec<EventoCampaniaGql>> {
        Ok(self.eventos(ctx).await?.iter().map(Into::into).collect())
    }

    /// Approved commissions recorded but not applied (over budget or other currency).
    async fn sobregiros(&self, ctx: &Context<'_>) -> Result<Vec<SobregiroGql>> {
        Ok(self
            .eventos(ctx)
            .await?
            .iter()
            .filter_map(|r| match &r.evento {
                EventoCampania::SobregiroRegistrado {
                    comision_id,
                    afiliado_id,
                    monto,
                    disponible,
                    motivo,
                } => Some(SobregiroGql {
                    comision_id: ID(comision_id.to_string()),
                    afiliado_id: ID(afiliado_id.to_string()),
                    monto: (*monto).into(),
                    disponible: (*disponible).into(),
                    motivo: (*motivo).into(),
                    ocurrido_en: r.ocurrido_en,
                }),
                _ => None,
            })
            .collect())
    }

    async fn fecha_creacion(&self) -> DateTime<Utc> {
        self.0.fecha_creacion
    }

    async fn fecha_actualizacion(&self) -> DateTime<Utc> {
        self.0.fecha_actualizacion
    }

    /// Number of events in its stream: pass it as `versionEsperada` to change it safely.
    async fn version(&self) -> i64 {
        self.0.version
    }
}

impl CampaniaGql {
    /// Its events; a partner user sees none about other partners' commissions.
    async fn eventos(&self, ctx: &Context<'_>) -> Result<Vec<EventoRegistrado>> {
        let alcance = subgraph_kit::graphql::autorizacion::alcance(ctx)?;
        let loader = ctx.data::<HistorialLoader>()?;
        let mut eventos = load_one(loader, self.0.id).await.gql()?.unwrap_or_default();
        eventos.retain(|r| r.evento.afiliado_id().is_none_or(|id| alcance.permite(id)));
        Ok(eventos)
    }
}

/// One page of campaigns.
#[derive(SimpleObject)]
pub(crate) struct CampaniasPagina {
    pub(crate) items: Vec<CampaniaGql>,
    pub(crate) paginacion: InfoPaginacion,
}

/// A search hit.
#[derive(SimpleObject)]
pub(crate) struct ResultadoBusquedaCampania {
    pub(crate) campania: CampaniaGql,
    /// 1 for an exact name, lower for partial matches.
    pub(crate) relevancia: f64,
}

/// Filter of `campanias`.
#[derive(InputObject, Default)]
pub(crate) struct FiltroCampaniasInput {
    estado: Option<EstadoCampaniaGql>,
    cliente_id: Option<ID>,
}

impl FiltroCampaniasInput {
    pub(crate) fn to_domain(&self) -> DomainResult<FiltroCampanias> {
        Ok(FiltroCampanias {
            estado: self.estado.map(Into::into),
            cliente_id: self
                .cliente_id
                .as_ref()
                .map(|id| parse_id("filtro.clienteId", id))
                .transpose()?,
        })
    }
}

/// Targeting input.
#[derive(InputObject, Default)]
#[graphql(name = "SegmentacionCampaniaInput")]
pub(crate) struct SegmentacionInput {
    edad_minima: Option<i64>,
    edad_maxima: Option<i64>,
    #[graphql(default)]
    ubicaciones: Vec<String>,
}

/// A campaign's commission rates input (percentages 0–100).
#[derive(InputObject)]
pub(crate) struct ConfiguracionComisionesInput {
    por_conversion: DecimalScalar,
    por_venta: DecimalScalar,
    /// Bonus for reaching the objective, % of the commission's rate.
    bonus_objetivos: DecimalScalar,
    /// The objective, conversions of one partner in the campaign (1–1,000,000; none:
    /// no bonus).
    objetivo_conversiones: Option<i64>,
}

/// Input of `crearCampania`.
#[derive(InputObject)]
pub(crate) struct CrearCampaniaInput {
    /// Optional caller-chosen UUID.
    id: Option<ID>,
    /// The advertiser (a `Cliente` id).
    cliente_id: ID,
    nombre: String,
    #[graphql(default)]
    descripcion: String,
    tipo: TipoCampaniaGql,
    canales: Vec<CanalGql>,
    segmentacion: Option<SegmentacionInput>,
    configuracion_comisiones: ConfiguracionComisionesInput,
    fecha_inicio: DateTime<Utc>,
    /// Must be after `fechaInicio`.
    fecha_fin: DateTime<Utc>,
    /// Budget, not negative, at the currency's scale.
    presupuesto: DineroInput,
}

impl CrearCampaniaInput {
    pub(crate) fn to_domain(&self) -> DomainResult<CrearCampania> {
        let segmentacion = self.segmentacion.as_ref();
        Ok(CrearCampania {
            id: self.id.as_ref().map(|id| parse_id("id", id)).transpose()?,
            cliente_id: parse_id("clienteId", &self.cliente_id)?,
            nombre: self.nombre.clone(),
            descripcion: self.descripcion.clone(),
            tipo: self.tipo.into(),
            canales: self.canales.iter().copied().map(Into::into).collect(),
            edad_minima: segmentacion.and_then(|s| s.edad_minima),
            edad_maxima: segmentacion.and_then(|s| s.edad_maxima),
            ubicaciones: segmentacion
                .map(|s| s.ubicaciones.clone())
                .unwrap_or_default(),
            por_conversion: self.configuracion_comisiones.por_conversion.0,
            por_venta: self.configuracion_comisiones.por_venta.0,
            bonus_objetivos: self.configuracion_comisiones.bonus_objetivos.0,
            objetivo_conversiones: self.configuracion_comisiones.objetivo_conversiones,
            fecha_inicio: self.fecha_inicio,
            fecha_fin: self.fecha_fin,
            presupuesto: self.presupuesto.to_domain("presupuesto")?,
        })
    }
}

macro_rules! transition_inputs {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(InputObject)]
        pub(crate) struct $name {
            /// The campaign's id.
            pub(crate) id: ID,
            /// Fail with `CONFLICT` unless the campaign is still at this version.
            pub(crate) version_esperada: Option<i64>,
        }
    )*};
}

transition_inputs!(
    /// Input of `activarCampania`.
    ActivarCampaniaInput,
    /// Input of `pausarCampania`.
    PausarCampaniaInput,
    /// Input of `completarCampania`.
    CompletarCampaniaInput,
);

/// Input of `actualizarPresupuesto`.
#[derive(InputObject)]
pub(crate) struct ActualizarPresupuestoInput {
    /// The campaign's id.
    pub(crate) id: ID,
    /// New budget: same currency, not below `gastoActual`.
    pub(crate) presupuesto: DineroInput,
    /// Fail with `CONFLICT` unless the campaign is still at this version.
    pub(crate) version_esperada: Option<i64>,
}

macro_rules! payloads {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub(crate) struct $name {
            /// The campaign after the change.
            pub(crate) campania: CampaniaGql,
        }

        impl From<domain::Campania> for $name {
            fn from(campania: domain::Campania) -> Self {
                Self { campania: CampaniaGql(campania) }
            }
        }
    )*};
}

payloads!(
    /// Result of `crearCampania`.
    CrearCampaniaPayload,
    /// Result of `activarCampania`.
    ActivarCampaniaPayload,
    /// Result of `pausarCampania`.
    PausarCampaniaPayload,
    /// Result of `completarCampania`.
    CompletarCampaniaPayload,
    /// Result of `actualizarPresupuesto`.
    ActualizarPresupuestoPayload,
);
