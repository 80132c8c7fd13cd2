use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use subgraph_kit::{
    DomainError, DomainResult,
    error::extracto,
    graphql::{DecimalScalar, DineroGql, DineroInput, InfoPaginacion},
};
use uuid::Uuid;

use super::entidades::{AfiliadoRef, CampaniaRef};
use crate::domain::{
    self, Canal, Conversion, DatosCliente, EstadoConversion, EventoTracking, FiltroConversiones,
    Fuente, Metadatos, Metricas, MetricasCanal, Producto, RegistrarConversion, RegistrarEvento,
    TipoConversion, TipoEvento,
};

use subgraph_kit::mirror_enum;

mirror_enum!(
    /// Kind of tracking event.
    TipoEventoGql as "TipoEvento" <=> TipoEvento {
        /// A click on a partner link.
        Click,
        /// An ad impression.
        Impresion,
        /// A conversion ping.
        Conversion,
    }
);
mirror_enum!(
    /// Where a tracking event came from.
    FuenteGql as "FuenteEvento" <=> Fuente {
        /// JavaScript tag on a web page.
        WebTag,
        /// Mobile SDK.
        MobileSdk,
        /// Server-to-server API.
        Api,
    }
);
mirror_enum!(
    /// Kind of conversion.
    TipoConversionGql as "TipoConversion" <=> TipoConversion {
        /// A sale.
        Venta,
        /// A sign-up.
        Registro,
        /// A qualified lead.
        Lead,
    }
);
mirror_enum!(
    /// Review state of a conversion.
    EstadoConversionGql as "EstadoConversion" <=> EstadoConversion {
        /// Recorded, not reviewed.
        Registrada,
        /// Accepted; earns a commission.
        Validada,
        /// Refused.
        Rechazada,
    }
);

/// A partner, campaign or conversion id from a client: not empty, a UUID, not nil.
pub(crate) fn parse_uuid(campo: &str, id: &ID) -> DomainResult<Uuid> {
    let texto = id.as_str().trim();
    if texto.is_empty() {
        return Err(DomainError::invalid(campo, "El id es obligatorio"));
    }
    let uuid = Uuid::parse_str(texto).map_err(|_| {
        DomainError::invalid(campo, format!("'{}' no es un UUID válido", extracto(texto)))
    })?;
    if uuid.is_nil() {
        return Err(DomainError::invalid(
            campo,
            "El id no puede ser el UUID nulo",
        ));
    }
    Ok(uuid)
}

/// A metadata pair (`utm_source` → `google`).
#[derive(InputObject, Clone, Debug)]
pub(crate) struct MetadatoInput {
    /// Key: a-z, 0-9 and `_` (upper case is lowered).
    pub clave: String,
    /// Value, at most 500 characters.
    pub valor: String,
}

/// A metadata pair.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct Metadato {
    /// Key.
    pub clave: String,
    /// Value.
    pub valor: String,
}

fn metadatos(input: Option<Vec<MetadatoInput>>) -> DomainResult<Metadatos> {
    Metadatos::parse(
        "metadatos",
        input
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.clave, m.valor))
            .collect(),
    )
}

fn metadatos_gql(m: &Metadatos) -> Vec<Metadato> {
    m.pares()
        .map(|(clave, valor)| Metadato {
            clave: clave.to_owned(),
            valor: valor.to_owned(),
        })
        .collect()
}

/// A tracking event sent to the collector.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct RegistrarEventoInput {
    /// CLICK, IMPRESION or CONVERSION.
    pub tipo: TipoEventoGql,
    /// The partner (UUID).
    pub afiliado_id: ID,
    /// The campaign (UUID).
    pub campania_id: ID,
    /// WEB_TAG, MOBILE_SDK or API.
    pub fuente: FuenteGql,
    /// Channel (web, mobile, email, social, search, display, api); defaults from `fuente`.
    pub canal: Option<String>,
    /// Value of a CONVERSION ping.
    pub valor: Option<DineroInput>,
    /// When it happened (default now; from 2000, not in the future).
    pub timestamp: Option<DateTime<Utc>>,
    /// Extra data (user agent, session…), at most 20 pairs.
    pub metadatos: Option<Vec<MetadatoInput>>,
}

impl RegistrarEventoInput {
    /// Validates the input into the domain command.
    pub(crate) fn into_domain(self) -> DomainResult<RegistrarEvento> {
        Ok(RegistrarEvento {
            tipo: self.tipo.into(),
            afiliado_id: parse_uuid("afiliadoId", &self.afiliado_id)?,
            campania_id: parse_uuid("campaniaId", &self.campania_id)?,
            fuente: self.fuente.into(),
            canal: self
                .canal
                .as_deref()
                .map(|c| Canal::parse("canal", c))
                .transpose()?,
            valor: self.valor.map(|v| v.to_domain("valor")).transpose()?,
            metadatos: metadatos(self.metadatos)?,
            timestamp: self.timestamp,
        })
    }
}

/// A recorded tracking event.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "EventoTracking")]
pub(crate) struct EventoTrackingGql {
    /// Id.
    pub id: ID,
    /// Kind.
    pub tipo: TipoEventoGql,
    /// The partner.
    pub afiliado: AfiliadoRef,
    /// The campaign.
    pub campania: CampaniaRef,
    /// Source.
    pub fuente: FuenteGql,
    /// Channel.
    pub canal: String,
    /// Value of a CONVERSION ping.
    pub valor: Option<DineroGql>,
    /// Extra data.
    pub metadatos: Vec<Metadato>,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// When the collector received it.
    pub recibido_en: DateTime<Utc>,
}

impl From<EventoTracking> for EventoTrackingGql {
    fn from(e: EventoTracking) -> Self {
        Self {
            id: ID(e.id.to_string()),
            tipo: e.tipo.into(),
            afiliado: AfiliadoRef(e.afiliado_id),
            campania: CampaniaRef(e.campania_id),
            fuente: e.fuente.into(),
            canal: e.canal.codigo().to_owned(),
            valor: e.valor.map(Into::into),
            metadatos: metadatos_gql(&e.metadatos),
            timestamp: e.ocurrido_en,
            recibido_en: e.recibido_en,
        }
    }
}

/// Result of `registrarEvento`.
#[derive(SimpleObject)]
pub(crate) struct RegistrarEventoPayload {
    /// The recorded event.
    pub evento: EventoTrackingGql,
}

/// What the partner knows of the buyer.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct DatosClienteInput {
    /// Buyer's e-mail.
    pub email: Option<String>,
    /// City or region.
    pub ubicacion: Option<String>,
    /// Device.
    pub dispositivo: Option<String>,
}

/// The buyer data of a conversion.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "DatosCliente")]
pub(crate) struct DatosClienteGql {
    /// Buyer's e-mail.
    pub email: Option<String>,
    /// City or region.
    pub ubicacion: Option<String>,
    /// Device.
    pub dispositivo: Option<String>,
}

/// A product line of a sale (price in the conversion's currency).
#[derive(InputObject, Clone, Debug)]
pub(crate) struct ProductoInput {
    /// Partner's product id.
    pub id: String,
    /// Name.
    pub nombre: String,
    /// Category.
    pub categoria: Option<String>,
    /// Unit price, a decimal string.
    pub precio: DecimalScalar,
    /// Units (default 1).
    #[graphql(default = 1)]
    pub cantidad: i64,
}

/// A product line of a sale.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Producto")]
pub(crate) struct ProductoGql {
    /// Partner's product id.
    pub id: String,
    /// Name.
    pub nombre: String,
    /// Category.
    pub categoria: Option<String>,
    /// Unit price.
    pub precio: DecimalScalar,
    /// Units.
    pub cantidad: u32,
}

/// A conversion reported by a partner.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct RegistrarConversionInput {
    /// The partner (UUID).
    pub afiliado_id: ID,
    /// The campaign (UUID).
    pub campania_id: ID,
    /// VENTA, REGISTRO or LEAD.
    pub tipo: TipoConversionGql,
    /// Value (exact decimal string, ≥ 0, currency scale).
    pub valor: DineroInput,
    /// Channel (web, mobile, email, social, search, display, api).
    pub canal: String,
    /// Buyer data.
    pub datos_cliente: Option<DatosClienteInput>,
    /// Product lines (at most 100).
    pub productos: Option<Vec<ProductoInput>>,
    /// utm_* and other metadata (at most 20 pairs).
    pub metadatos: Option<Vec<MetadatoInput>>,
    /// When it happened (default now; from 2000, not in the future).
    pub fecha: Option<DateTime<Utc>>,
    /// The partner's own reference: sending it again returns the same conversion.
    pub referencia_externa: Option<String>,
}

impl RegistrarConversionInput {
    /// Validates the input into the domain command.
    pub(crate) fn into_domain(self) -> DomainResult<RegistrarConversion> {
        let afiliado_id = parse_uuid("afiliadoId", &self.afiliado_id)?;
        let campania_id = parse_uuid("campaniaId", &self.campania_id)?;
        let valor = self.valor.to_domain("valor")?;
        let canal = Canal::parse("canal", &self.canal)?;
        let datos = self.datos_cliente.unwrap_or_default();
        let datos_cliente = DatosCliente::parse(datos.email, datos.ubicacion, datos.dispositivo)?;
        let productos = self.productos.unwrap_or_default();
        if productos.len() > Producto::MAX {
            return Err(DomainError::invalid(
                "productos",
                format!("Se admiten como máximo {} productos", Producto::MAX),
            ));
        }
        let productos = productos
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                Producto::parse(
                    i,
                    p.id,
                    p.nombre,
                    p.categoria,
                    p.precio.0,
                    p.cantidad,
                    valor.moneda(),
                )
            })
            .collect::<DomainResult<_>>()?;
        let referencia_externa = match self.referencia_externa.map(|r| r.trim().to_owned()) {
            Some(r) if r.is_empty() => {
                return Err(DomainError::invalid(
                    "referenciaExterna",
                    "La referencia externa no puede estar vacía",
                ));
            }
            Some(r)
                if r.chars().count() > RegistrarConversion::MAX_REFERENCIA
                    || r.chars().any(char::is_control) =>
            {
                return Err(DomainError::invalid(
                    "referenciaExterna",
                    format!(
                        "La referencia externa admite como máximo {} caracteres imprimibles",
                        RegistrarConversion::MAX_REFERENCIA
                    ),
                ));
            }
            other => other,
        };
        Ok(RegistrarConversion {
            afiliado_id,
            campania_id,
            tipo: self.tipo.into(),
            valor,
            canal,
            datos_cliente,
            productos,
            metadatos: metadatos(self.metadatos)?,
            fecha: self.fecha,
            referencia_externa,
        })
    }
}

/// A conversion: a sale, sign-up or lead a partner brought to a campaign.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Conversion")]
pub(crate) struct ConversionGql {
    /// Id.
    pub id: ID,
    /// The partner.
    pub afiliado: AfiliadoRef,
    /// The campaign.
    pub campania: CampaniaRef,
    /// Kind.
    pub tipo: TipoConversionGql,
    /// Value (exact).
    pub valor: DineroGql,
    /// Channel.
    pub canal: String,
    /// Buyer data (the end customer's personal data: scope `pii` or `admin`).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    pub datos_cliente: Option<DatosClienteGql>,
    /// Product lines.
    pub productos: Vec<ProductoGql>,
    /// utm_* and other metadata.
    pub metadatos: Vec<Metadato>,
    /// Review state.
    pub estado: EstadoConversionGql,
    /// Why it was rejected.
    pub motivo_rechazo: Option<String>,
    /// When it happened.
    pub fecha: DateTime<Utc>,
    /// The partner's own reference.
    pub referencia_externa: Option<String>,
    /// When it was recorded.
    pub fecha_registro: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
}

impl From<Conversion> for ConversionGql {
    fn from(c: Conversion) -> Self {
        Self {
            id: ID(c.id.to_string()),
            afiliado: AfiliadoRef(c.afiliado_id),
            campania: CampaniaRef(c.campania_id),
            tipo: c.tipo.into(),
            valor: c.valor.into(),
            canal: c.canal.codigo().to_owned(),
            datos_cliente: Some(DatosClienteGql {
                email: c.datos_cliente.email,
                ubicacion: c.datos_cliente.ubicacion,
                dispositivo: c.datos_cliente.dispositivo,
            }),
            productos: c
                .productos
                .into_iter()
                .map(|p| ProductoGql {
                    id: p.id,
                    nombre: p.nombre,
                    categoria: p.categoria,
                    precio: DecimalScalar(p.precio),
                    cantidad: p.cantidad,
                })
                .collect(),
            metadatos: metadatos_gql(&c.metadatos),
            estado: c.estado.into(),
            motivo_rechazo: c.motivo_rechazo,
            fecha: c.fecha,
            referencia_externa: c.referencia_externa,
            fecha_registro: c.fecha_registro,
            fecha_actualizacion: c.fecha_actualizacion,
        }
    }
}

macro_rules! payload {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub(crate) struct $name {
            /// The conversion.
            pub(crate) conversion: ConversionGql,
        }

        impl From<Conversion> for $name {
            fn from(c: Conversion) -> Self {
                Self { conversion: c.into() }
            }
        }
    };
}

payload!(
    /// Result of `registrarConversion`.
    RegistrarConversionPayload
);
payload!(
    /// Result of `validarConversion`.
    ValidarConversionPayload
);
payload!(
    /// Result of `rechazarConversion`.
    RechazarConversionPayload
);
payload!(
    /// Result of `revertirConversion`.
    RevertirConversionPayload
);

/// Whose collector key to issue.
#[derive(InputObject)]
pub(crate) struct EmitirClaveApiInput {
    /// The partner (UUID).
    pub afiliado_id: ID,
}

/// A collector key just issued: the key is in this answer and nowhere else, ever.
#[derive(SimpleObject)]
pub(crate) struct EmitirClaveApiPayload {
    /// The key: the partner's tag or SDK sends it in the `x-api-key` header.
    pub clave: String,
    /// Its visible prefix (what the platform keeps in clear).
    pub prefijo: String,
    /// The partner.
    pub afiliado_id: ID,
    /// When it was issued; any previous key of the partner stopped working then.
    pub emitida_en: DateTime<Utc>,
}

/// Which conversion to validate.
#[derive(InputObject)]
pub(crate) struct ValidarConversionInput {
    /// Conversion id.
    pub id: ID,
}

/// Which conversion to reject, and why.
#[derive(InputObject)]
pub(crate) struct RechazarConversionInput {
    /// Conversion id.
    pub id: ID,
    /// Reason (1–500 characters).
    pub motivo: String,
}

/// Which validated conversion to reverse, and why.
#[derive(InputObject)]
pub(crate) struct RevertirConversionInput {
    /// Conversion id (a VALIDADA conversion).
    pub id: ID,
    /// Reason (1–500 characters): a chargeback, fraud…
    pub motivo: String,
}

/// Filter of the conversion list.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FiltroConversionesInput {
    /// Only this partner's.
    pub afiliado_id: Option<ID>,
    /// Only this campaign's.
    pub campania_id: Option<ID>,
    /// Only this channel.
    pub canal: Option<String>,
    /// Only this state.
    pub estado: Option<EstadoConversionGql>,
    /// From this instant (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Up to this instant (inclusive).
    pub hasta: Option<DateTime<Utc>>,
}

fn rango(desde: Option<DateTime<Utc>>, hasta: Option<DateTime<Utc>>) -> DomainResult<()> {
    if let (Some(d), Some(h)) = (desde, hasta)
        && d > h
    {
        return Err(DomainError::invalid(
            "filtro.hasta",
            "'hasta' no puede ser anterior a 'desde'",
        ));
    }
    Ok(())
}

impl FiltroConversionesInput {
    /// Validates the filter.
    pub(crate) fn into_domain(self) -> DomainResult<FiltroConversiones> {
        rango(self.desde, self.hasta)?;
        Ok(FiltroConversiones {
            afiliado_id: self
                .afiliado_id
                .map(|id| parse_uuid("filtro.afiliadoId", &id))
                .transpose()?,
            campania_id: self
                .campania_id
                .map(|id| parse_uuid("filtro.campaniaId", &id))
                .transpose()?,
            canal: self
                .canal
                .map(|c| Canal::parse("filtro.canal", &c))
                .transpose()?,
            estado: self.estado.map(Into::into),
            desde: self.desde,
            hasta: self.hasta,
        })
    }
}

/// Filter of a partner's or campaign's conversions.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FiltroConversionesEntidadInput {
    /// Only this channel.
    pub canal: Option<String>,
    /// Only this state.
    pub estado: Option<EstadoConversionGql>,
    /// From this instant (inclusive).
    pub desde: Option<DateTime<Utc>>,
    /// Up to this instant (inclusive).
    pub hasta: Option<DateTime<Utc>>,
}

impl FiltroConversionesEntidadInput {
    /// Validates the filter for `dimension`, at most `limite` (1–100) per entity.
    pub(crate) fn into_domain(
        self,
        dimension: domain::Dimension,
        limite: i64,
    ) -> DomainResult<domain::FiltroPorEntidad> {
        rango(self.desde, self.hasta)?;
        let limite = u64::try_from(limite)
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| DomainError::invalid("limite", "El límite debe estar entre 1 y 100"))?;
        Ok(domain::FiltroPorEntidad {
            dimension,
            canal: self
                .canal
                .map(|c| Canal::parse("filtro.canal", &c))
                .transpose()?,
            estado: self.estado.map(Into::into),
            desde: self.desde,
            hasta: self.hasta,
            limite,
        })
    }
}

/// One page of conversions.
#[derive(SimpleObject)]
pub(crate) struct ConversionesPagina {
    /// The conversions of this page, latest first.
    pub items: Vec<ConversionGql>,
    /// Where this page sits.
    pub paginacion: InfoPaginacion,
}

/// Tracking and conversion metrics of one channel.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "MetricasCanal")]
pub(crate) struct MetricasCanalGql {
    /// Channel.
    pub canal: String,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impresiones: u64,
    /// Conversions not rejected.
    pub conversiones: u64,
    /// conversiones / clicks × 100 (percent, 2 decimals, half-even; 0 without clicks).
    pub tasa_conversion: DecimalScalar,
    /// Value of those conversions: one exact amount per currency (no exchange rates).
    pub valor_total: Vec<DineroGql>,
}

/// Tracking and conversion metrics of a period.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "MetricasConversiones")]
pub(crate) struct MetricasGql {
    /// Start of the period.
    pub desde: DateTime<Utc>,
    /// End of the period.
    pub hasta: DateTime<Utc>,
    /// Clicks.
    pub clicks: u64,
    /// Impressions.
    pub impresiones: u64,
    /// Conversions not rejected.
    pub conversiones: u64,
    /// conversiones / clicks × 100 (percent, 2 decimals, half-even; 0 without clicks).
    pub tasa_conversion: DecimalScalar,
    /// Value of those conversions: one exact amount per currency (no exchange rates).
    pub valor_total: Vec<DineroGql>,
    /// The same per channel (channels with activity only).
    pub por_canal: Vec<MetricasCanalGql>,
}

fn canal_gql(m: MetricasCanal) -> MetricasCanalGql {
    MetricasCanalGql {
        canal: m.canal.codigo().to_owned(),
        clicks: m.clicks,
        impresiones: m.impresiones,
        conversiones: m.conversiones,
        tasa_conversion: DecimalScalar(m.tasa_conversion),
        valor_total: m.valor_total.into_iter().map(Into::into).collect(),
    }
}

impl MetricasGql {
    /// Adapts domain metrics of `ventana`.
    pub(crate) fn new(m: Metricas, ventana: domain::Ventana) -> Self {
        let total = canal_gql(m.total);
        Self {
            desde: ventana.desde,
            hasta: ventana.hasta,
            clicks: total.clicks,
            impresiones: total.impresiones,
            conversiones: total.conversiones,
            tasa_conversion: total.tasa_conversion,
            valor_total: total.valor_total,
            por_canal: m.por_canal.into_iter().map(canal_gql).collect(),
        }
    }
}

/// A conversion found by `buscarConversiones`.
#[derive(SimpleObject)]
pub(crate) struct ResultadoBusquedaConversion {
    /// 0–1: exact reference 1.0, prefix 0.8, contained 0.4.
    pub relevancia: f64,
    /// The conversion.
    pub conversion: ConversionGql,
}
