//! Deterministic demo partners, registered through the domain.

use chrono::Duration;
use rust_decimal::Decimal;
use subgraph_kit::{
    Dinero, DomainError, DomainResult, Moneda,
    demo::{DemoRng, email_part},
};

use crate::application::AfiliadoService;
use crate::domain::{RegistrarAfiliado, TipoAfiliado, TipoCuenta, TipoDocumento};

/// How many demo partners are loaded.
pub const DEMO_AFILIADOS: u64 = 200;
const SEED: u64 = 0xAF11_1AD0;
const BANCOS: &[&str] = &[
    "Bancolombia",
    "Banco de Bogotá",
    "Davivienda",
    "BBVA Colombia",
    "Banco de Occidente",
    "Banco Popular",
    "Scotiabank Colpatria",
    "Banco Caja Social",
];

/// Registers the demo partners if there are none yet; some end SUSPENDIDO or ELIMINADO.
pub async fn seed(service: &AfiliadoService) -> DomainResult<u64> {
    if service.contar().await? > 0 {
        return Ok(0);
    }
    let mut rng = DemoRng::new(SEED);
    for n in 0..DEMO_AFILIADOS {
        let (nombre, apellido1, apellido2) = rng.persona();
        let premium = rng.between(0..=3) == 0;
        let base = rng.between(5..=15);
        let moneda = rng.pick(&[Moneda::Cop, Moneda::Cop, Moneda::Usd]);
        let minimo = match moneda {
            Moneda::Cop => Decimal::from(rng.between(5..=20) * 10_000),
            _ => Decimal::from(rng.between(2..=10) * 10),
        };
        let registro = rng.before_reference(540);
        let comando = RegistrarAfiliado {
            id: Some(rng.uuid()),
            nombre: format!("{nombre} {apellido1} {apellido2}"),
            email: format!(
                "{}.{}.af{n}@correo.com.co",
                email_part(nombre),
                email_part(apellido1)
            ),
            telefono: format!("+57 3{} {} {}", rng.digits(2), rng.digits(3), rng.digits(4)),
            documento_tipo: TipoDocumento::Cedula,
            documento_numero: rng.digits(10),
            tipo: if premium {
                TipoAfiliado::Premium
            } else {
                TipoAfiliado::Basico
            },
            banco: rng.pick(BANCOS).to_owned(),
            tipo_cuenta: rng.pick(&[TipoCuenta::Ahorros, TipoCuenta::Corriente]),
            numero_cuenta: rng.digits(11),
            comision_base: Decimal::from(base),
            comision_premium: Decimal::from(base + rng.between(2..=8)),
            minimo_pago: Dinero::new(minimo, moneda).map_err(DomainError::internal)?,
        };
        let afiliado = service.registrar(comando, registro).await?;
        match n % 20 {
            7 => {
                service
                    .suspender(afiliado.id, registro + Duration::days(30))
                    .await?;
            }
            13 => {
                service
                    .eliminar(afiliado.id, registro + Duration::days(60))
                    .await?;
            }
            _ => {}
        }
    }
    Ok(DEMO_AFILIADOS)
}
