//! Deterministic demo campaigns in every state, created through the domain (so the event
//! store is real) for the first demo clientes; expenses arrive through the
//! `ComisionAprobada` handler exactly as the event-bus runtime delivers them.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use subgraph_kit::{
    Dinero, DomainError, DomainResult, Moneda, db,
    demo::{DemoRng, reference_instant},
    events::EventEnvelope,
    messaging::{EventHandler, inbox},
};
use uuid::Uuid;

use crate::{
    application::CampaniaService,
    application::consumers::{COMISION_APROBADA, GastoPorComision},
    domain::{Campania, Canal, ComandoCampania, CrearCampania, TipoCampania},
};

/// How many demo campaigns are loaded.
pub const DEMO_CAMPANIAS: u64 = 60;
const SEED: u64 = 0xCA3B_A1A5;
/// The seed `clientes` uses for its demo data (subgraphs/clientes/src/demo.rs).
const CLIENTES_SEED: u64 = 0xC11E_17E5;
/// How many demo clientes run campaigns.
const CLIENTES_CON_CAMPANIAS: usize = 30;
/// Seed of the demo campaign ids; the `conversiones` demo draws the same ids (its
/// `CAMPANIAS_SEED`) so its conversions point at real demo campaigns.
pub const CAMPANIA_IDS_SEED: u64 = 0xCA4A_1A50;

/// The demo campaign ids, in creation order.
pub fn campania_ids() -> Vec<Uuid> {
    let mut rng = DemoRng::new(CAMPANIA_IDS_SEED);
    (0..DEMO_CAMPANIAS).map(|_| rng.uuid()).collect()
}

const CAMPANIAS: &[(&str, TipoCampania)] = &[
    ("Black Friday", TipoCampania::Promocional),
    ("Cyber Monday", TipoCampania::Promocional),
    ("Temporada de Verano", TipoCampania::Estacional),
    ("Navidad en Familia", TipoCampania::Estacional),
    ("Lanzamiento App Móvil", TipoCampania::Lanzamiento),
    ("Nueva Colección", TipoCampania::Lanzamiento),
    ("Clientes Fieles", TipoCampania::Fidelizacion),
    ("Programa de Referidos", TipoCampania::Fidelizacion),
    ("Siempre Contigo", TipoCampania::Permanente),
    ("Regreso a Clases", TipoCampania::Estacional),
];
const CIUDADES: &[&str] = &[
    "Bogotá",
    "Medellín",
    "Cali",
    "Barranquilla",
    "Cartagena",
    "Bucaramanga",
];

/// Ids and names of the first `n` demo clientes, drawn in the same order `clientes`
/// draws them, so every campaign's `clienteId` names a real demo client.
pub fn clientes_demo(n: usize) -> Vec<(Uuid, String)> {
    let mut rng = DemoRng::new(CLIENTES_SEED);
    (0..n)
        .map(|_| {
            let (nombre, apellido1, apellido2) = rng.persona();
            rng.before_reference(720);
            rng.between(20 * 365..=70 * 365);
            let id = rng.uuid();
            rng.digits(10);
            (id, format!("{nombre} {apellido1} {apellido2}"))
        })
        .collect()
}

fn dinero(valor: i64, moneda: Moneda) -> DomainResult<Dinero> {
    Dinero::new(Decimal::from(valor), moneda).map_err(DomainError::internal)
}

/// Delivers one `ComisionAprobada` the way the runtime does: inbox and effect in one
/// transaction.
async fn aprobar_comision(
    db: &DatabaseConnection,
    rng: &mut DemoRng,
    campania: &Campania,
    monto: Dinero,
    ocurrido_en: DateTime<Utc>,
) -> DomainResult<()> {
    let event = EventEnvelope {
        id: rng.uuid(),
        tipo: COMISION_APROBADA.to_owned(),
        agregado_id: rng.uuid().to_string(),
        ocurrido_en,
        datos: json!({
            "comisionId": rng.uuid(),
            "campaniaId": campania.id,
            "afiliadoId": rng.uuid(),
            "monto": { "valor": monto.valor().to_string(), "moneda": monto.moneda().codigo() },
        }),
    };
    let handler = GastoPorComision::default();
    let txn = db.begin().await.map_err(db::internal)?;
    if inbox::record(&txn, handler.consumer(), event.id)
        .await
        .map_err(db::internal)?
    {
        handler.handle(&txn, &event).await?;
    }
    txn.commit().await.map_err(db::internal)
}

/// Creates the demo campaigns if there are none yet; returns how many were added.
pub async fn seed(db: &DatabaseConnection) -> DomainResult<u64> {
    let service: CampaniaService = (*crate::service(db.clone())).clone();
    if service.contar().await? > 0 {
        return Ok(0);
    }
    let clientes = clientes_demo(CLIENTES_CON_CAMPANIAS);
    let ids = campania_ids();
    let mut rng = DemoRng::new(SEED);
    for n in 0..DEMO_CAMPANIAS as usize {
        let (cliente_id, cliente) = &clientes[n % clientes.len()];
        let (nombre, tipo) = rng.pick(CAMPANIAS);
        let moneda = rng.pick(&[Moneda::Cop, Moneda::Cop, Moneda::Usd, Moneda::Eur]);
        let presupuesto = match moneda {
            Moneda::Cop => rng.between(5..=50) * 1_000_000,
            _ => rng.between(5..=100) * 100,
        };
        let inicio = reference_instant() - Duration::days(rng.between(0..=240));
        let fin = inicio + Duration::days(rng.between(15..=120));
        let creada = inicio - Duration::days(rng.between(1..=20));
        let mut canales = vec![rng.pick(&[Canal::Web, Canal::Social, Canal::Mobile])];
        canales.push(rng.pick(&[Canal::Email, Canal::Display, Canal::Busqueda]));
        let edad_minima = rng.between(18..=30);
        let comando = CrearCampania {
            id: Some(ids[n]),
            cliente_id: *cliente_id,
            nombre: format!("{nombre} {}", inicio.format("%Y")),
            descripcion: format!("Campaña de {cliente} para {}", rng.pick(CIUDADES)),
            tipo,
            canales,
            edad_minima: Some(edad_minima),
            edad_maxima: Some(edad_minima + rng.between(10..=40)),
            ubicaciones: vec![rng.pick(CIUDADES).to_owned(), rng.pick(CIUDADES).to_owned()],
            por_conversion: Decimal::from(rng.between(5..=20)),
            por_venta: Decimal::from(rng.between(2..=12)),
            bonus_objetivos: Decimal::from(rng.between(0..=25)),
            // Every other campaign sets an objective, 3 to 10 conversions per partner
            // (derived from `n`, not drawn: the rest of the demo stays as it was).
            objetivo_conversiones: (n % 2 == 0).then_some(3 + (n as i64 / 2) % 8),
            fecha_inicio: inicio,
            fecha_fin: fin,
            presupuesto: dinero(presupuesto, moneda)?,
        };
        let mut campania = service.crear(comando, creada).await?;
        let id = campania.id;
        let paso = |dias: i64| creada + Duration::days(dias);
        let estado = n % 6;
        if estado == 0 {
            continue; // CREADA
        }
        campania = service
            .ejecutar(id, ComandoCampania::Activar, None, paso(1))
            .await?;
        // Expenses: a few commissions of 1–5 % of the budget each.
        for _ in 0..rng.between(1..=6) {
            let monto = presupuesto * rng.between(1..=5) / 100;
            aprobar_comision(db, &mut rng, &campania, dinero(monto, moneda)?, paso(3)).await?;
        }
        if n % 10 == 7 {
            // One commission larger than what is left: recorded as an overrun.
            aprobar_comision(
                db,
                &mut rng,
                &campania,
                dinero(presupuesto, moneda)?,
                paso(4),
            )
            .await?;
        }
        match estado {
            2 => {
                service
                    .ejecutar(id, ComandoCampania::Pausar, None, paso(5))
                    .await?;
            }
            3 => {
                service
                    .ejecutar(id, ComandoCampania::Completar, None, paso(6))
                    .await?;
            }
            4 => {
                service
                    .ejecutar(id, ComandoCampania::Pausar, None, paso(5))
                    .await?;
                service
                    .ejecutar(id, ComandoCampania::Activar, None, paso(7))
                    .await?;
            }
            5 => {
                service
                    .ejecutar(
                        id,
                        ComandoCampania::ActualizarPresupuesto(dinero(presupuesto * 2, moneda)?),
                        None,
                        paso(8),
                    )
                    .await?;
            }
            _ => {}
        }
    }
    Ok(DEMO_CAMPANIAS)
}
