use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use subgraph_kit::{
    DomainError, DomainResult,
    graphql::{DecimalScalar, DineroGql, DineroInput, InfoPaginacion, OrdenGql, parse_id},
    search::{Busqueda, MAX_RESULTS},
};

use crate::domain::{
    self, ActualizarAfiliado, EstadoAfiliado, FiltroAfiliados, OrdenarAfiliadosPor,
    RegistrarAfiliado, TipoAfiliado, TipoCuenta, TipoDocumento,
};

use subgraph_kit::mirror_enum;

mirror_enum!(
    /// Partner tier.
    TipoAfiliadoGql as "TipoAfiliado" <=> TipoAfiliado {
        /// Base commission rate.
        Basico,
        /// Premium commission rate.
        Premium,
    }
);
mirror_enum!(
    /// Partner lifecycle state.
    EstadoAfiliadoGql as "EstadoAfiliado" <=> EstadoAfiliado {
        /// May earn and be paid.
        Activo,
        /// Temporarily blocked.
        Suspendido,
        /// Soft-deleted.
        Eliminado,
    }
);
mirror_enum!(
    /// Identity document kind.
    TipoDocumentoGql as "TipoDocumento" <=> TipoDocumento {
        /// Citizen id.
        Cedula,
        /// Foreigner's id.
        CedulaExtranjeria,
        /// Company tax id.
        Nit,
        /// Passport.
        Pasaporte,
    }
);
mirror_enum!(
    /// Bank account kind.
    TipoCuentaGql as "TipoCuenta" <=> TipoCuenta {
        /// Savings.
        Ahorros,
        /// Checking.
        Corriente,
    }
);

/// Identity document.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct Documento {
    tipo: TipoDocumentoGql,
    numero: String,
}

/// Bank data; the account number is always masked.
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct DatosBancarios {
    banco: String,
    tipo_cuenta: TipoCuentaGql,
    /// Only the last four digits are visible.
    numero_cuenta_enmascarado: String,
}

/// A partner's commission settings (rates in %, 0–100).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "ConfiguracionComisionesAfiliado")]
pub(crate) struct ConfiguracionComisiones {
    comision_base: DecimalScalar,
    comision_premium: DecimalScalar,
    minimo_pago: DineroGql,
}

/// A partner.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Afiliado")]
pub(crate) struct AfiliadoGql {
    id: ID,
    nombre: String,
    /// Personal data: scope `pii` or `admin` (null otherwise).
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    email: Option<String>,
    /// Personal data: scope `pii` or `admin`.
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    telefono: Option<String>,
    /// Personal data: scope `pii` or `admin`.
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    documento: Option<Documento>,
    tipo: TipoAfiliadoGql,
    estado: EstadoAfiliadoGql,
    /// Bank data: scope `pii` or `admin`.
    #[graphql(requires_scopes = "pii", requires_scopes = "admin")]
    datos_bancarios: Option<DatosBancarios>,
    configuracion_comisiones: ConfiguracionComisiones,
    fecha_registro: DateTime<Utc>,
    fecha_actualizacion: DateTime<Utc>,
}

impl From<domain::Afiliado> for AfiliadoGql {
    fn from(a: domain::Afiliado) -> Self {
        let config = a.configuracion_comisiones;
        Self {
            id: ID(a.id.to_string()),
            nombre: a.nombre.as_str().to_owned(),
            email: Some(a.email.as_str().to_owned()),
            telefono: Some(a.telefono.as_str().to_owned()),
            documento: Some(Documento {
                tipo: a.documento.tipo.into(),
                numero: a.documento.numero,
            }),
            tipo: a.tipo.into(),
            estado: a.estado.into(),
            datos_bancarios: Some(DatosBancarios {
                numero_cuenta_enmascarado: a.datos_bancarios.numero_cuenta_enmascarado(),
                banco: a.datos_bancarios.banco.as_str().to_owned(),
                tipo_cuenta: a.datos_bancarios.tipo_cuenta.into(),
            }),
            configuracion_comisiones: ConfiguracionComisiones {
                comision_base: DecimalScalar(config.comision_base.value()),
                comision_premium: DecimalScalar(config.comision_premium.value()),
                minimo_pago: config.minimo_pago.into(),
            },
            fecha_registro: a.fecha_registro,
            fecha_actualizacion: a.fecha_actualizacion,
        }
    }
}

/// One page of partners.
#[derive(SimpleObject)]
pub(crate) struct AfiliadosPagina {
    pub(crate) items: Vec<AfiliadoGql>,
    pub(crate) paginacion: InfoPaginacion,
}

/// A search hit.
#[derive(SimpleObject)]
pub(crate) struct ResultadoBusquedaAfiliado {
    pub(crate) afiliado: AfiliadoGql,
    /// 1 for an exact name, lower for partial matches.
    pub(crate) relevancia: f64,
}

/// Sort key of the partner list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "OrdenarAfiliadosPor")]
pub(crate) enum OrdenarAfiliadosPorGql {
    /// By name.
    Nombre,
    /// By registration date.
    FechaRegistro,
}

/// Filter and order of `afiliados` (ELIMINADO hidden unless asked for by `estado`).
#[derive(InputObject, Default)]
pub(crate) struct FiltroAfiliadosInput {
    busqueda: Option<String>,
    estado: Option<EstadoAfiliadoGql>,
    tipo: Option<TipoAfiliadoGql>,
    ordenar_por: Option<OrdenarAfiliadosPorGql>,
    orden: Option<OrdenGql>,
}

impl FiltroAfiliadosInput {
    pub(crate) fn to_domain(&self) -> DomainResult<FiltroAfiliados> {
        let busqueda = match self.busqueda.as_deref().map(str::trim) {
            Some(texto) if !texto.is_empty() => Some(
                Busqueda::new(texto, MAX_RESULTS as i64)
                    .map_err(|e| DomainError::invalid("filtro.busqueda", e.to_string()))?,
            ),
            _ => None,
        };
        Ok(FiltroAfiliados {
            id: None,
            busqueda,
            estado: self.estado.map(Into::into),
            tipo: self.tipo.map(Into::into),
            ordenar_por: match self.ordenar_por {
                Some(OrdenarAfiliadosPorGql::Nombre) => OrdenarAfiliadosPor::Nombre,
                _ => OrdenarAfiliadosPor::FechaRegistro,
            },
            orden: self.orden.map(Into::into).unwrap_or_default(),
        })
    }
}

/// Identity document input.
#[derive(InputObject)]
pub(crate) struct DocumentoInput {
    tipo: TipoDocumentoGql,
    numero: String,
}

/// Bank data input; the full account number is stored and never returned.
#[derive(InputObject)]
pub(crate) struct DatosBancariosInput {
    banco: String,
    tipo_cuenta: TipoCuentaGql,
    numero_cuenta: String,
}

/// A partner's commission settings input (rates in %, 0–100).
#[derive(InputObject)]
#[graphql(name = "ConfiguracionComisionesAfiliadoInput")]
pub(crate) struct ConfiguracionComisionesInput {
    comision_base: DecimalScalar,
    comision_premium: DecimalScalar,
    minimo_pago: DineroInput,
}

impl ConfiguracionComisionesInput {
    fn to_domain(&self) -> DomainResult<(Decimal, Decimal, subgraph_kit::Dinero)> {
        Ok((
            self.comision_base.0,
            self.comision_premium.0,
            self.minimo_pago
                .to_domain("configuracionComisiones.minimoPago")?,
        ))
    }
}

/// Input of `registrarAfiliado`.
#[derive(InputObject)]
pub(crate) struct RegistrarAfiliadoInput {
    /// Optional caller-chosen UUID.
    id: Option<ID>,
    nombre: String,
    email: String,
    telefono: String,
    documento: DocumentoInput,
    /// BASICO unless given.
    tipo: Option<TipoAfiliadoGql>,
    datos_bancarios: DatosBancariosInput,
    configuracion_comisiones: ConfiguracionComisionesInput,
}

impl RegistrarAfiliadoInput {
    pub(crate) fn to_domain(&self) -> DomainResult<RegistrarAfiliado> {
        let (comision_base, comision_premium, minimo_pago) =
            self.configuracion_comisiones.to_domain()?;
        Ok(RegistrarAfiliado {
            id: self.id.as_ref().map(|id| parse_id("id", id)).transpose()?,
            nombre: self.nombre.clone(),
            email: self.email.clone(),
            telefono: self.telefono.clone(),
            documento_tipo: self.documento.tipo.into(),
            documento_numero: self.documento.numero.clone(),
            tipo: self.tipo.map_or(TipoAfiliado::Basico, Into::into),
            banco: self.datos_bancarios.banco.clone(),
            tipo_cuenta: self.datos_bancarios.tipo_cuenta.into(),
            numero_cuenta: self.datos_bancarios.numero_cuenta.clone(),
            comision_base,
            comision_premium,
            minimo_pago,
        })
    }
}

/// Input of `actualizarAfiliado`: absent fields keep their value.
#[derive(InputObject)]
pub(crate) struct ActualizarAfiliadoInput {
    pub(crate) id: ID,
    nombre: Option<String>,
    telefono: Option<String>,
    tipo: Option<TipoAfiliadoGql>,
    datos_bancarios: Option<DatosBancariosInput>,
    configuracion_comisiones: Option<ConfiguracionComisionesInput>,
}

impl ActualizarAfiliadoInput {
    pub(crate) fn to_domain(&self) -> DomainResult<ActualizarAfiliado> {
        Ok(ActualizarAfiliado {
            nombre: self.nombre.clone(),
            telefono: self.telefono.clone(),
            tipo: self.tipo.map(Into::into),
            datos_bancarios: self.datos_bancarios.as_ref().map(|d| {
                (
                    d.banco.clone(),
                    d.tipo_cuenta.into(),
                    d.numero_cuenta.clone(),
                )
            }),
            configuracion_comisiones: self
                .configuracion_comisiones
                .as_ref()
                .map(ConfiguracionComisionesInput::to_domain)
                .transpose()?,
        })
    }
}

macro_rules! state_change_inputs {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(InputObject)]
        pub(crate) struct $name {
            /// The partner's id.
            pub(crate) id: ID,
        }
    )*};
}

state_change_inputs!(
    /// Input of `suspenderAfiliado`.
    SuspenderAfiliadoInput,
    /// Input of `reactivarAfiliado`.
    ReactivarAfiliadoInput,
    /// Input of `eliminarAfiliado`.
    EliminarAfiliadoInput,
);

macro_rules! payloads {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub(crate) struct $name {
            /// The partner after the change.
            pub(crate) afiliado: AfiliadoGql,
        }

        impl From<domain::Afiliado> for $name {
            fn from(afiliado: domain::Afiliado) -> Self {
                Self { afiliado: afiliado.into() }
            }
        }
    )*};
}

payloads!(
    /// Result of `registrarAfiliado`.
    RegistrarAfiliadoPayload,
    /// Result of `actualizarAfiliado`.
    ActualizarAfiliadoPayload,
    /// Result of `suspenderAfiliado`.
    SuspenderAfiliadoPayload,
    /// Result of `reactivarAfiliado`.
    ReactivarAfiliadoPayload,
    /// Result of `eliminarAfiliado`.
    EliminarAfiliadoPayload,
);
