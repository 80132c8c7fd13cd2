use kernel::{
    Dinero, DomainError, DomainResult,
    error::extracto,
    values::{Nombre, Porcentaje, SoloDigitos},
};

/// Kind of identity document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipoDocumento {
    /// Colombian citizen id.
    Cedula,
    /// Foreigner's id.
    CedulaExtranjeria,
    /// Tax id of a company.
    Nit,
    /// Passport (letters and digits).
    Pasaporte,
}

impl TipoDocumento {
    /// Storage code.
    pub fn codigo(self) -> &'static str {
        match self {
            TipoDocumento::Cedula => "CEDULA",
            TipoDocumento::CedulaExtranjeria => "CEDULA_EXTRANJERIA",
            TipoDocumento::Nit => "NIT",
            TipoDocumento::Pasaporte => "PASAPORTE",
        }
    }

    /// Parses a storage code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [
            TipoDocumento::Cedula,
            TipoDocumento::CedulaExtranjeria,
            TipoDocumento::Nit,
            TipoDocumento::Pasaporte,
        ]
        .into_iter()
        .find(|t| t.codigo() == codigo)
    }
}

/// An identity document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documento {
    /// Its kind.
    pub tipo: TipoDocumento,
    /// Digits, or letters and digits for passports.
    pub numero: String,
}

impl Documento {
    /// Validates the number for its kind.
    pub fn new(tipo: TipoDocumento, numero: &str) -> DomainResult<Self> {
        let numero = match tipo {
            TipoDocumento::Pasaporte => {
                let n = numero.trim().to_uppercase();
                if !(5..=15).contains(&n.len()) || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(DomainError::invalid(
                        "documento.numero",
                        "El pasaporte debe tener entre 5 y 15 letras o dígitos",
                    ));
                }
                n
            }
            _ => SoloDigitos::parse("numero", numero, 5..=15)
                .map_err(|e| e.en("documento"))?
                .as_str()
                .to_owned(),
        };
        Ok(Self { tipo, numero })
    }
}

/// A phone number: digits with optional `+`, spaces and dashes, 7 to 15 digits, 20 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Telefono(String);

impl Telefono {
    /// Longest number accepted, separators included (the storage column's size).
    pub const MAX_LEN: usize = 20;

    /// Validates a phone number.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let trimmed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        let allowed = trimmed
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0));
        if !allowed || !(7..=15).contains(&digits) || trimmed.len() > Self::MAX_LEN {
            return Err(DomainError::invalid(
                "telefono",
                format!("Teléfono inválido: '{}'", extracto(&trimmed)),
            ));
        }
        Ok(Self(trimmed))
    }

    /// Rebuilds a number already validated (from storage).
    pub fn from_trusted(value: String) -> Self {
        Self(value)
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Kind of bank account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipoCuenta {
    /// Savings account.
    Ahorros,
    /// Checking account.
    Corriente,
}

impl TipoCuenta {
    /// Storage code.
    pub fn codigo(self) -> &'static str {
        match self {
            TipoCuenta::Ahorros => "AHORROS",
            TipoCuenta::Corriente => "CORRIENTE",
        }
    }

    /// Parses a storage code.
    pub fn desde_codigo(codigo: &str) -> Option<Self> {
        [TipoCuenta::Ahorros, TipoCuenta::Corriente]
            .into_iter()
            .find(|t| t.codigo() == codigo)
    }
}

/// Where a partner is paid. The full account number never leaves the domain unmasked.
#[derive(Clone, PartialEq, Eq)]
pub struct DatosBancarios {
    /// Bank name.
    pub banco: Nombre,
    /// Account kind.
    pub tipo_cuenta: TipoCuenta,
    /// Full account number (digits).
    pub numero_cuenta: SoloDigitos,
}

impl std::fmt::Debug for DatosBancarios {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatosBancarios")
            .field("banco", &self.banco)
            .field("tipo_cuenta", &self.tipo_cuenta)
            .field("numero_cuenta", &self.numero_cuenta_enmascarado())
            .finish()
    }
}

impl DatosBancarios {
    /// Longest bank name accepted (the storage column's size).
    pub const MAX_BANCO: usize = 100;

    /// Validates bank data.
    pub fn new(banco: &str, tipo_cuenta: TipoCuenta, numero_cuenta: &str) -> DomainResult<Self> {
        let banco = Nombre::parse("datosBancarios.banco", banco)?;
        if banco.as_str().chars().count() > Self::MAX_BANCO {
            return Err(DomainError::invalid(
                "datosBancarios.banco",
                format!("El banco admite como máximo {} caracteres", Self::MAX_BANCO),
            ));
        }
        if !numero_cuenta.trim().chars().all(|c| c.is_ascii_digit()) {
            // The number is not repeated in the message: it would end up in logs.
            return Err(DomainError::invalid(
                "datosBancarios.numeroCuenta",
                "El número de cuenta debe contener solo dígitos",
            ));
        }
        Ok(Self {
            banco,
            tipo_cuenta,
            numero_cuenta: SoloDigitos::parse("numeroCuenta", numero_cuenta, 6..=34)
                .map_err(|e| e.en("datosBancarios"))?,
        })
    }

    /// The account number with only its last four digits visible.
    pub fn numero_cuenta_enmascarado(&self) -> String {
        self.numero_cuenta.enmascarado()
    }
}

/// A partner's commission settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguracionComisiones {
    /// Rate for BASICO partners, 0–100 %.
    pub comision_base: Porcentaje,
    /// Rate for PREMIUM partners, 0–100 %, not below the base rate.
    pub comision_premium: Porcentaje,
    /// Smallest payout the partner accepts.
    pub minimo_pago: Dinero,
}

impl ConfiguracionComisiones {
    /// Validates the settings.
    pub fn new(
        comision_base: rust_decimal::Decimal,
        comision_premium: rust_decimal::Decimal,
        minimo_pago: Dinero,
    ) -> DomainResult<Self> {
        let base = Porcentaje::parse("configuracionComisiones.comisionBase", comision_base)?;
        let premium =
            Porcentaje::parse("configuracionComisiones.comisionPremium", comision_premium)?;
        if premium < base {
            return Err(DomainError::invalid(
                "configuracionComisiones.comisionPremium",
                "La comisión premium no puede ser menor que la comisión base",
            ));
        }
        Ok(Self {
            comision_base: base,
            comision_premium: premium,
            minimo_pago,
        })
    }
}

#[cfg(test)]
mod tests {
    use kernel::Moneda;
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn documents_are_validated_by_kind() {
        assert!(Documento::new(TipoDocumento::Cedula, "1234567890").is_ok());
        assert_eq!(
            Documento::new(TipoDocumento::Cedula, "12AB567")
                .unwrap_err()
                .campo(),
            Some("documento.numero")
        );
        assert_eq!(
            Documento::new(TipoDocumento::Pasaporte, "ab12345")
                .unwrap()
                .numero,
            "AB12345"
        );
        assert!(Documento::new(TipoDocumento::Pasaporte, "AB-123").is_err());
    }

    #[test]
    fn phones_allow_common_formats_only() {
        assert!(Telefono::parse("+57 - 300 - 123 - 4567").is_err());
        assert!(Telefono::parse("+57 300 123 4567").is_ok());
        assert!(Telefono::parse("300-123-4567").is_ok());
        assert!(Telefono::parse("12345").is_err());
        assert!(Telefono::parse("300 12+3 4567").is_err());
        assert!(Telefono::parse("llámame").is_err());
    }

    #[test]
    fn account_numbers_are_masked() {
        let datos =
            DatosBancarios::new("Banco Nacional", TipoCuenta::Ahorros, "1234567890").unwrap();
        assert_eq!(datos.numero_cuenta_enmascarado(), "******7890");
        assert!(!format!("{datos:?}").contains("1234567890"));
        let error = DatosBancarios::new("B", TipoCuenta::Ahorros, "ES1234567").unwrap_err();
        assert!(!error.to_string().contains("ES1234567"));
        assert!(DatosBancarios::new(&"B".repeat(101), TipoCuenta::Ahorros, "1234567").is_err());
        assert_eq!(
            DatosBancarios::new("B", TipoCuenta::Ahorros, "12-34")
                .unwrap_err()
                .campo(),
            Some("datosBancarios.numeroCuenta")
        );
    }

    #[test]
    fn commission_rates_are_percentages_and_premium_is_not_below_base() {
        let minimo = Dinero::new(dec!(50000), Moneda::Cop).unwrap();
        assert!(ConfiguracionComisiones::new(dec!(15), dec!(20), minimo).is_ok());
        assert_eq!(
            ConfiguracionComisiones::new(dec!(120), dec!(130), minimo)
                .unwrap_err()
                .campo(),
            Some("configuracionComisiones.comisionBase")
        );
        assert_eq!(
            ConfiguracionComisiones::new(dec!(20), dec!(15), minimo)
                .unwrap_err()
                .campo(),
            Some("configuracionComisiones.comisionPremium")
        );
    }
}
