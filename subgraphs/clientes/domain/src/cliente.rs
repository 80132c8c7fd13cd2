use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Utc};
use kernel::{
    DomainError, DomainResult,
    values::{Email, Nombre, SoloDigitos, nuevo_id},
};
use uuid::Uuid;

/// An advertiser (the seeds' `ClienteNatural`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cliente {
    /// Identity.
    pub id: Uuid,
    /// Full name.
    pub nombre: Nombre,
    /// Unique e-mail, lower case.
    pub email: Email,
    /// National id number, digits only.
    pub cedula: SoloDigitos,
    /// Date of birth.
    pub fecha_nacimiento: NaiveDate,
    /// When the client was registered.
    pub fecha_registro: DateTime<Utc>,
}

/// The command to register a client, as the caller gave it.
#[derive(Clone, Debug)]
pub struct RegistrarCliente {
    /// Caller-chosen id (the seeds let the caller give it); generated when absent.
    pub id: Option<Uuid>,
    /// Full name.
    pub nombre: String,
    /// E-mail.
    pub email: String,
    /// National id number.
    pub cedula: String,
    /// Date of birth.
    pub fecha_nacimiento: NaiveDate,
}

/// Digits a cédula may have.
const CEDULA_DIGITOS: std::ops::RangeInclusive<usize> = 5..=15;
/// Age a client must have reached to be registered.
const EDAD_MINIMA: i32 = 18;
/// Age no living client exceeds.
const EDAD_MAXIMA: i32 = 120;

impl Cliente {
    /// Validates a registration at time `ahora`.
    pub fn registrar(comando: RegistrarCliente, ahora: DateTime<Utc>) -> DomainResult<Self> {
        let nombre = Nombre::parse("nombre", &comando.nombre)?;
        let email = Email::parse("email", &comando.email)?;
        let cedula = SoloDigitos::parse("cedula", &comando.cedula, CEDULA_DIGITOS)?;
        validar_fecha_nacimiento(comando.fecha_nacimiento, ahora.date_naive())?;
        let id = nuevo_id(comando.id)?;
        Ok(Self {
            id,
            nombre,
            email,
            cedula,
            fecha_nacimiento: comando.fecha_nacimiento,
            // Microseconds: what PostgreSQL keeps, so a read returns what was written.
            fecha_registro: ahora.trunc_subsecs(6),
        })
    }
}

fn validar_fecha_nacimiento(fecha: NaiveDate, hoy: NaiveDate) -> DomainResult<()> {
    if fecha > hoy {
        return Err(DomainError::invalid(
            "fechaNacimiento",
            "La fecha de nacimiento no puede estar en el futuro",
        ));
    }
    let edad = edad_en(fecha, hoy);
    if edad < EDAD_MINIMA {
        return Err(DomainError::invalid(
            "fechaNacimiento",
            format!("El cliente debe tener al menos {EDAD_MINIMA} años"),
        ));
    }
    if edad > EDAD_MAXIMA {
        return Err(DomainError::invalid(
            "fechaNacimiento",
            "La fecha de nacimiento no es plausible",
        ));
    }
    Ok(())
}

fn edad_en(nacimiento: NaiveDate, hoy: NaiveDate) -> i32 {
    let cumplio = (hoy.month(), hoy.day()) >= (nacimiento.month(), nacimiento.day());
    hoy.year() - nacimiento.year() - i32::from(!cumplio)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn ahora() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
    }

    fn comando() -> RegistrarCliente {
        RegistrarCliente {
            id: None,
            nombre: "Juan Pérez".into(),
            email: "Juan.Perez@Example.com".into(),
            cedula: "12345678".into(),
            fecha_nacimiento: NaiveDate::from_ymd_opt(1985, 3, 15).unwrap(),
        }
    }

    #[test]
    fn a_valid_registration_normalises_its_fields() {
        let cliente = Cliente::registrar(comando(), ahora()).unwrap();
        assert_eq!(cliente.email.as_str(), "juan.perez@example.com");
        assert_eq!(cliente.fecha_registro, ahora());
        assert!(!cliente.id.is_nil());
    }

    #[test]
    fn the_caller_may_choose_the_id() {
        let id = Uuid::new_v4();
        let cliente = Cliente::registrar(
            RegistrarCliente {
                id: Some(id),
                ..comando()
            },
            ahora(),
        )
        .unwrap();
        assert_eq!(cliente.id, id);
        let nil = RegistrarCliente {
            id: Some(Uuid::nil()),
            ..comando()
        };
        assert_eq!(
            Cliente::registrar(nil, ahora()).unwrap_err().campo(),
            Some("id")
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (
                RegistrarCliente {
                    email: "no-es-email".into(),
                    ..comando()
                },
                "email",
            ),
            (
                RegistrarCliente {
                    cedula: "12a45".into(),
                    ..comando()
                },
                "cedula",
            ),
            (
                RegistrarCliente {
                    nombre: "  ".into(),
                    ..comando()
                },
                "nombre",
            ),
            (
                RegistrarCliente {
                    fecha_nacimiento: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                    ..comando()
                },
                "fechaNacimiento",
            ),
            (
                RegistrarCliente {
                    fecha_nacimiento: NaiveDate::from_ymd_opt(1890, 1, 1).unwrap(),
                    ..comando()
                },
                "fechaNacimiento",
            ),
        ];
        for (cmd, campo) in cases {
            let error = Cliente::registrar(cmd, ahora()).unwrap_err();
            assert_eq!(error.campo(), Some(campo));
        }
    }

    #[test]
    fn clients_must_be_adults_on_the_day() {
        let hoy = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            edad_en(NaiveDate::from_ymd_opt(2008, 11, 23).unwrap(), hoy),
            18
        );
        assert_eq!(
            edad_en(NaiveDate::from_ymd_opt(2008, 11, 24).unwrap(), hoy),
            17
        );
        let menor = RegistrarCliente {
            fecha_nacimiento: NaiveDate::from_ymd_opt(2008, 11, 24).unwrap(),
            ..comando()
        };
        assert!(Cliente::registrar(menor, ahora()).is_err());
    }
}
