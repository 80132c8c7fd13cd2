use sea_orm::ActiveValue::Set;
use subgraph_kit::{
    Dinero, DomainError, DomainResult, Moneda, search,
    values::{Email, Nombre, Porcentaje, SoloDigitos},
};

use super::entities::afiliado;
use crate::domain::{
    Afiliado, ConfiguracionComisiones, DatosBancarios, Documento, EstadoAfiliado, Telefono,
    TipoAfiliado, TipoCuenta, TipoDocumento,
};

fn corrupt(column: &str, value: &str) -> DomainError {
    DomainError::internal(format!("afiliados.{column} holds unknown value '{value}'"))
}

/// Row → domain; an unknown stored code is an internal error, never a guess.
pub(crate) fn to_domain(row: afiliado::Model) -> DomainResult<Afiliado> {
    let moneda: Moneda = row
        .minimo_pago_moneda
        .parse()
        .map_err(|_| corrupt("minimo_pago_moneda", &row.minimo_pago_moneda))?;
    let minimo_pago = Dinero::desde_unidades_menores(row.minimo_pago_minor, moneda)
        .map_err(DomainError::internal)?;
    Ok(Afiliado {
        id: row.id,
        nombre: Nombre::from_trusted(row.nombre),
        email: Email::from_trusted(row.email),
        telefono: Telefono::from_trusted(row.telefono),
        documento: Documento {
            tipo: TipoDocumento::desde_codigo(&row.documento_tipo)
                .ok_or_else(|| corrupt("documento_tipo", &row.documento_tipo))?,
            numero: row.documento_numero,
        },
        tipo: TipoAfiliado::desde_codigo(&row.tipo).ok_or_else(|| corrupt("tipo", &row.tipo))?,
        estado: EstadoAfiliado::desde_codigo(&row.estado)
            .ok_or_else(|| corrupt("estado", &row.estado))?,
        datos_bancarios: DatosBancarios {
            banco: Nombre::from_trusted(row.banco),
            tipo_cuenta: TipoCuenta::desde_codigo(&row.tipo_cuenta)
                .ok_or_else(|| corrupt("tipo_cuenta", &row.tipo_cuenta))?,
            numero_cuenta: SoloDigitos::from_trusted(row.numero_cuenta),
        },
        configuracion_comisiones: ConfiguracionComisiones {
            comision_base: Porcentaje::desde_diezmilesimas(row.comision_base_e4),
            comision_premium: Porcentaje::desde_diezmilesimas(row.comision_premium_e4),
            minimo_pago,
        },
        fecha_registro: row.fecha_registro,
        fecha_actualizacion: row.fecha_actualizacion,
        version: row.version,
    })
}

/// Domain → row, every column set.
pub(crate) fn to_active(a: &Afiliado) -> DomainResult<afiliado::ActiveModel> {
    let config = &a.configuracion_comisiones;
    Ok(afiliado::ActiveModel {
        id: Set(a.id),
        nombre: Set(a.nombre.as_str().to_owned()),
        nombre_busqueda: Set(search::normalize(a.nombre.as_str())),
        email: Set(a.email.as_str().to_owned()),
        telefono: Set(a.telefono.as_str().to_owned()),
        documento_tipo: Set(a.documento.tipo.codigo().to_owned()),
        documento_numero: Set(a.documento.numero.clone()),
        tipo: Set(a.tipo.codigo().to_owned()),
        estado: Set(a.estado.codigo().to_owned()),
        banco: Set(a.datos_bancarios.banco.as_str().to_owned()),
        tipo_cuenta: Set(a.datos_bancarios.tipo_cuenta.codigo().to_owned()),
        numero_cuenta: Set(a.datos_bancarios.numero_cuenta.as_str().to_owned()),
        comision_base_e4: Set(config.comision_base.diezmilesimas()),
        comision_premium_e4: Set(config.comision_premium.diezmilesimas()),
        minimo_pago_minor: Set(config.minimo_pago.unidades_menores().map_err(|e| {
            DomainError::invalid("configuracionComisiones.minimoPago", e.to_string())
        })?),
        minimo_pago_moneda: Set(config.minimo_pago.moneda().codigo().to_owned()),
        fecha_registro: Set(a.fecha_registro),
        fecha_actualizacion: Set(a.fecha_actualizacion),
        version: Set(a.version),
    })
}
