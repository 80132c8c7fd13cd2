//! Deterministic demo clients, registered through the domain.

use chrono::Duration;
use subgraph_kit::{
    DomainResult,
    demo::{DemoRng, email_part},
};

use crate::application::ClienteService;
use crate::domain::RegistrarCliente;

/// How many demo clients are loaded.
pub const DEMO_CLIENTES: u64 = 300;
const SEED: u64 = 0xC11E_17E5;

/// Registers the demo clients if there are none yet; returns how many were added.
pub async fn seed(service: &ClienteService) -> DomainResult<u64> {
    if service.contar().await? > 0 {
        return Ok(0);
    }
    let mut rng = DemoRng::new(SEED);
    for n in 0..DEMO_CLIENTES {
        let (nombre, apellido1, apellido2) = rng.persona();
        let fecha_registro = rng.before_reference(720);
        let edad_dias = rng.between(20 * 365..=70 * 365);
        let nacimiento = fecha_registro.date_naive() - Duration::days(edad_dias);
        let comando = RegistrarCliente {
            id: Some(rng.uuid()),
            nombre: format!("{nombre} {apellido1} {apellido2}"),
            email: format!(
                "{}.{}{n}@ejemplo.com.co",
                email_part(nombre),
                email_part(apellido1)
            ),
            cedula: rng.digits(10),
            fecha_nacimiento: nacimiento,
        };
        service.registrar(comando, fecha_registro).await?;
    }
    Ok(DEMO_CLIENTES)
}
