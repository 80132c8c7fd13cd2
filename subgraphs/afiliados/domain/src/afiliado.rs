use chrono::{DateTime, SubsecRound, Utc};
use kernel::{
    DomainError, DomainResult,
    values::{Email, Nombre, nuevo_id},
};
use uuid::Uuid;

use super::{
    ActualizarAfiliado, ConfiguracionComisiones, DatosBancarios, Documento, RegistrarAfiliado,
    Telefono,
};

/// Partner tier: decides which commission rate applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipoAfiliado {
    /// Base rate.
    Basico,
    /// Premium rate.
    Premium,
}

impl TipoAfiliado {
    /// Storage code.
    pub fn codigo(self) -> &'static str {
        match self {
            TipoAfiliado::Basico => "BASICO",
            TipoAfiliado::Premium => "PREMIUM",
        }
    }

    /// Parses a storage code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [TipoAfiliado::Basico, TipoAfiliado::Premium]
            .into_iter()
            .find(|t| t.codigo() == codigo)
    }
}

/// Lifecycle state of a partner. ELIMINADO is a soft delete and final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstadoAfiliado {
    /// May earn and be paid.
    Activo,
    /// Temporarily blocked.
    Suspendido,
    /// Soft-deleted; kept for history.
    Eliminado,
}

impl EstadoAfiliado {
    /// Storage code.
    pub fn codigo(self) -> &'static str {
        match self {
            EstadoAfiliado::Activo => "ACTIVO",
            EstadoAfiliado::Suspendido => "SUSPENDIDO",
            EstadoAfiliado::Eliminado => "ELIMINADO",
        }
    }

    /// Parses a storage code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [
            EstadoAfiliado::Activo,
            EstadoAfiliado::Suspendido,
            EstadoAfiliado::Eliminado,
        ]
        .into_iter()
        .find(|t| t.codigo() == codigo)
    }
}

/// A partner who promotes campaigns and earns commissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Afiliado {
    /// Identity.
    pub id: Uuid,
    /// Full name.
    pub nombre: Nombre,
    /// Unique e-mail, lower case.
    pub email: Email,
    /// Phone number.
    pub telefono: Telefono,
    /// Identity document.
    pub documento: Documento,
    /// Tier.
    pub tipo: TipoAfiliado,
    /// Lifecycle state.
    pub estado: EstadoAfiliado,
    /// Where payouts go.
    pub datos_bancarios: DatosBancarios,
    /// Commission settings.
    pub configuracion_comisiones: ConfiguracionComisiones,
    /// When the partner registered.
    pub fecha_registro: DateTime<Utc>,
    /// Last change.
    pub fecha_actualizacion: DateTime<Utc>,
    /// Optimistic-concurrency version, +1 on every change.
    pub version: i64,
}

impl Afiliado {
    /// Validates a registration at time `ahora`; new partners are ACTIVO.
    pub fn registrar(c: RegistrarAfiliado, ahora: DateTime<Utc>) -> DomainResult<Self> {
        let ahora = ahora.trunc_subsecs(6);
        let id = nuevo_id(c.id)?;
        Ok(Self {
            id,
            nombre: Nombre::parse("nombre", &c.nombre)?,
            email: Email::parse("email", &c.email)?,
            telefono: Telefono::parse(&c.telefono)?,
            documento: Documento::new(c.documento_tipo, &c.documento_numero)?,
            tipo: c.tipo,
            estado: EstadoAfiliado::Activo,
            datos_bancarios: DatosBancarios::new(&c.banco, c.tipo_cuenta, &c.numero_cuenta)?,
            configuracion_comisiones: ConfiguracionComisiones::new(
                c.comision_base,
                c.comision_premium,
                c.minimo_pago,
            )?,
            fecha_registro: ahora,
            fecha_actualizacion: ahora,
            version: 1,
        })
    }

    fn exigir_no_eliminado(&self) -> DomainResult<()> {
        if self.estado == EstadoAfiliado::Eliminado {
            return Err(DomainError::Conflict(format!(
                "El afiliado {} está eliminado y no admite cambios",
                self.id
            )));
        }
        Ok(())
    }

    fn tocar(&mut self, ahora: DateTime<Utc>) {
        self.fecha_actualizacion = ahora.trunc_subsecs(6);
        self.version += 1;
    }

    /// Applies the given changes; an ELIMINADO partner cannot change.
    pub fn actualizar(&mut self, c: ActualizarAfiliado, ahora: DateTime<Utc>) -> DomainResult<()> {
        self.exigir_no_eliminado()?;
        let mut next = self.clone();
        if let Some(nombre) = c.nombre {
            next.nombre = Nombre::parse("nombre", &nombre)?;
        }
        if let Some(telefono) = c.telefono {
            next.telefono = Telefono::parse(&telefono)?;
        }
        if let Some(tipo) = c.tipo {
            next.tipo = tipo;
        }
        if let Some((banco, tipo_cuenta, numero)) = c.datos_bancarios {
            next.datos_bancarios = DatosBancarios::new(&banco, tipo_cuenta, &numero)?;
        }
        if let Some((base, premium, minimo)) = c.configuracion_comisiones {
            next.configuracion_comisiones = ConfiguracionComisiones::new(base, premium, minimo)?;
        }
        next.tocar(ahora);
        *self = next;
        Ok(())
    }

    /// ACTIVO → SUSPENDIDO.
    pub fn suspender(&mut self, ahora: DateTime<Utc>) -> DomainResult<()> {
        self.exigir_no_eliminado()?;
        if self.estado == EstadoAfiliado::Suspendido {
            return Err(DomainError::Conflict(
                "El afiliado ya está suspendido".into(),
            ));
        }
        self.estado = EstadoAfiliado::Suspendido;
        self.tocar(ahora);
        Ok(())
    }

    /// SUSPENDIDO → ACTIVO.
    pub fn reactivar(&mut self, ahora: DateTime<Utc>) -> DomainResult<()> {
        self.exigir_no_eliminado()?;
        if self.estado == EstadoAfiliado::Activo {
            return Err(DomainError::Conflict("El afiliado ya está activo".into()));
        }
        self.estado = EstadoAfiliado::Activo;
        self.tocar(ahora);
        Ok(())
    }

    /// Soft delete: ACTIVO or SUSPENDIDO → ELIMINADO, final.
    pub fn eliminar(&mut self, ahora: DateTime<Utc>) -> DomainResult<()> {
        self.exigir_no_eliminado()?;
        self.estado = EstadoAfiliado::Eliminado;
        self.tocar(ahora);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use kernel::{Dinero, Moneda};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::{TipoCuenta, TipoDocumento};

    fn ahora() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    pub(crate) fn comando() -> RegistrarAfiliado {
        RegistrarAfiliado {
            id: None,
            nombre: "María González".into(),
            email: "maria.gonzalez@email.com".into(),
            telefono: "+57 300 123 4567".into(),
            documento_tipo: TipoDocumento::Cedula,
            documento_numero: "1234567890".into(),
            tipo: TipoAfiliado::Premium,
            banco: "Banco Nacional".into(),
            tipo_cuenta: TipoCuenta::Ahorros,
            numero_cuenta: "1234567890".into(),
            comision_base: dec!(15),
            comision_premium: dec!(20),
            minimo_pago: Dinero::new(dec!(50000), Moneda::Cop).unwrap(),
        }
    }

    #[test]
    fn new_partners_are_active_at_version_one() {
        let a = Afiliado::registrar(comando(), ahora()).unwrap();
        assert_eq!(a.estado, EstadoAfiliado::Activo);
        assert_eq!(a.version, 1);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad_email = RegistrarAfiliado {
            email: "x".into(),
            ..comando()
        };
        assert_eq!(
            Afiliado::registrar(bad_email, ahora()).unwrap_err().campo(),
            Some("email")
        );
        let bad_rate = RegistrarAfiliado {
            comision_base: dec!(120),
            ..comando()
        };
        assert!(Afiliado::registrar(bad_rate, ahora()).is_err());
    }

    #[test]
    fn lifecycle_transitions() {
        let mut a = Afiliado::registrar(comando(), ahora()).unwrap();
        assert!(a.reactivar(ahora()).is_err());
        a.suspender(ahora()).unwrap();
        assert_eq!(a.estado, EstadoAfiliado::Suspendido);
        assert_eq!(
            a.suspender(ahora()).unwrap_err().code().as_str(),
            "CONFLICT"
        );
        a.reactivar(ahora()).unwrap();
        a.eliminar(ahora()).unwrap();
        assert_eq!(a.estado, EstadoAfiliado::Eliminado);
        assert_eq!(a.version, 4);
        assert!(a.reactivar(ahora()).is_err());
        assert!(a.eliminar(ahora()).is_err());
        assert!(
            a.actualizar(ActualizarAfiliado::default(), ahora())
                .is_err()
        );
    }

    #[test]
    fn a_failed_update_changes_nothing() {
        let mut a = Afiliado::registrar(comando(), ahora()).unwrap();
        let before = a.clone();
        let update = ActualizarAfiliado {
            nombre: Some("Nuevo Nombre".into()),
            telefono: Some("abc".into()),
            ..Default::default()
        };
        assert!(a.actualizar(update, ahora()).is_err());
        assert_eq!(a, before);
    }
}
