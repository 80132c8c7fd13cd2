//! Deterministic demo tracking events and conversions, through the domain service (so the
//! conversions' events reach the outbox), batched in few transactions.
//!
//! Partner ids are those of the `afiliados` demo: its generator's draws are replayed here
//! ([`afiliados_demo`]), so conversions point at real demo partners (deleted ones are
//! skipped). Campaign ids are the first [`DEMO_CAMPANIAS`] UUIDs of
//! `DemoRng::new(CAMPANIAS_SEED)`, which is how the `campanias` demo draws its ids
//! (`campanias::demo::campania_ids`), so conversions point at real demo campaigns.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use subgraph_kit::{
    Dinero, DomainError, DomainResult, Moneda,
    demo::{DemoRng, reference_instant},
};
use uuid::Uuid;

use crate::application::{ConversionService, Revision};
use crate::domain::{
    Canal, DatosCliente, EventoTracking, Fuente, Metadatos, Producto, RegistrarConversion,
    TipoConversion, TipoEvento,
};

/// Demo partners of the `afiliados` context (its `DEMO_AFILIADOS`).
pub const DEMO_AFILIADOS: u64 = 200;
/// Seed of the `afiliados` demo generator.
const AFILIADOS_SEED: u64 = 0xAF11_1AD0;
/// Demo campaigns assumed.
pub const DEMO_CAMPANIAS: usize = 40;
/// Seed the campaign ids are drawn from.
pub const CAMPANIAS_SEED: u64 = 0xCA4A_1A50;
/// Tracking events loaded.
pub const DEMO_EVENTOS: usize = 12_000;
/// Conversions loaded.
pub const DEMO_CONVERSIONES: usize = 1_500;
const SEED: u64 = 0xC0_4E45_1075;

/// Ids of the `afiliados` demo partners that are not deleted, replaying its draws
/// (`subgraphs/afiliados/src/demo.rs`: same calls, same order).
pub fn afiliados_demo() -> Vec<Uuid> {
    let mut rng = DemoRng::new(AFILIADOS_SEED);
    let mut ids = Vec::new();
    for n in 0..DEMO_AFILIADOS {
        rng.persona();
        rng.between(0..=3);
        rng.between(5..=15);
        let moneda = rng.pick(&[Moneda::Cop, Moneda::Cop, Moneda::Usd]);
        match moneda {
            Moneda::Cop => rng.between(5..=20),
            _ => rng.between(2..=10),
        };
        rng.before_reference(540);
        let id = rng.uuid();
        rng.digits(2);
        rng.digits(3);
        rng.digits(4);
        rng.digits(10);
        rng.pick(&[(); 8]);
        rng.pick(&[(); 2]);
        rng.digits(11);
        rng.between(2..=8);
        if n % 20 != 13 {
            ids.push(id);
        }
    }
    ids
}

/// The demo campaign ids (see the module docs).
pub fn campanias_demo() -> Vec<Uuid> {
    let mut rng = DemoRng::new(CAMPANIAS_SEED);
    (0..DEMO_CAMPANIAS).map(|_| rng.uuid()).collect()
}

const CANALES: &[Canal] = &[
    Canal::Web,
    Canal::Web,
    Canal::Web,
    Canal::Mobile,
    Canal::Mobile,
    Canal::Email,
    Canal::Social,
    Canal::Social,
    Canal::Search,
    Canal::Display,
];
const PRODUCTOS: &[(&str, &str, &str)] = &[
    ("PROD001", "Laptop Gaming", "Tecnología"),
    ("PROD002", "Audífonos inalámbricos", "Tecnología"),
    ("PROD003", "Zapatillas deportivas", "Deportes"),
    ("PROD004", "Cafetera espresso", "Hogar"),
    ("PROD005", "Curso de inglés", "Educación"),
    ("PROD006", "Plan de datos 20 GB", "Telecomunicaciones"),
];
const UTM_SOURCES: &[&str] = &["google", "facebook", "instagram", "newsletter", "tiktok"];
const CIUDADES: &[&str] = &["Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena"];

fn instante(rng: &mut DemoRng) -> DateTime<Utc> {
    rng.before_reference(90)
}

fn evento(
    rng: &mut DemoRng,
    afiliados: &[Uuid],
    campanias: &[Uuid],
) -> DomainResult<EventoTracking> {
    let tipo = match rng.between(0..=99) {
        0..=69 => TipoEvento::Impresion,
        70..=96 => TipoEvento::Click,
        _ => TipoEvento::Conversion,
    };
    let fuente = rng.pick(&[
        Fuente::WebTag,
        Fuente::WebTag,
        Fuente::MobileSdk,
        Fuente::Api,
    ]);
    let ocurrido_en = instante(rng);
    let valor = match tipo {
        TipoEvento::Conversion => Some(
            Dinero::new(Decimal::from(rng.between(10..=500) * 1000), Moneda::Cop)
                .map_err(DomainError::internal)?,
        ),
        _ => None,
    };
    Ok(EventoTracking {
        id: rng.uuid(),
        tipo,
        afiliado_id: rng.pick(afiliados),
        campania_id: rng.pick(campanias),
        fuente,
        canal: match fuente {
            Fuente::WebTag => rng.pick(CANALES),
            other => other.canal_por_defecto(),
        },
        valor,
        metadatos: Metadatos::parse(
            "metadatos",
            vec![("utm_source".into(), rng.pick(UTM_SOURCES).into())],
        )?,
        ocurrido_en,
        recibido_en: ocurrido_en + Duration::milliseconds(rng.between(5..=900)),
    })
}

fn conversion(
    rng: &mut DemoRng,
    n: usize,
    afiliados: &[Uuid],
    campanias: &[Uuid],
) -> DomainResult<(RegistrarConversion, DateTime<Utc>, Option<Revision>)> {
    let tipo = rng.pick(&[
        TipoConversion::Venta,
        TipoConversion::Venta,
        TipoConversion::Registro,
        TipoConversion::Lead,
    ]);
    let moneda = rng.pick(&[Moneda::Cop, Moneda::Cop, Moneda::Usd, Moneda::Eur]);
    let (producto, precio) = {
        let (id, nombre, categoria) = rng.pick(PRODUCTOS);
        let precio = match moneda {
            Moneda::Cop => Decimal::from(rng.between(20..=2_000) * 1_000),
            _ => Decimal::new(rng.between(999..=99_999), 2),
        };
        let cantidad = rng.between(1..=3);
        (
            Producto::parse(
                0,
                id.into(),
                nombre.into(),
                Some(categoria.into()),
                precio,
                cantidad,
                moneda,
            )?,
            precio * Decimal::from(cantidad),
        )
    };
    let valor = match tipo {
        TipoConversion::Venta => precio,
        _ => Decimal::ZERO,
    };
    let fecha = instante(rng);
    let revision = match rng.between(0..=9) {
        0..=5 => Some(Revision::Validar),
        6 => Some(Revision::Rechazar(
            "Transacción duplicada o fraudulenta".into(),
        )),
        _ => None,
    };
    let comando = RegistrarConversion {
        afiliado_id: rng.pick(afiliados),
        campania_id: rng.pick(campanias),
        tipo,
        valor: Dinero::new(valor, moneda).map_err(DomainError::internal)?,
        canal: rng.pick(CANALES),
        datos_cliente: DatosCliente::parse(
            Some(format!("cliente{n}@correo.com.co")),
            Some(rng.pick(CIUDADES).into()),
            Some(rng.pick(&["desktop", "mobile", "tablet"]).into()),
        )?,
        productos: match tipo {
            TipoConversion::Venta => vec![producto],
            _ => Vec::new(),
        },
        metadatos: Metadatos::parse(
            "metadatos",
            vec![
                ("utm_source".into(), rng.pick(UTM_SOURCES).into()),
                (
                    "utm_medium".into(),
                    rng.pick(&["cpc", "email", "social", "organic"]).into(),
                ),
                (
                    "utm_campaign".into(),
                    format!("demo_{}", rng.between(1..=12)),
                ),
            ],
        )?,
        fecha: Some(fecha),
        referencia_externa: Some(format!("DEMO-{n:06}")),
    };
    let registrada = fecha + Duration::seconds(rng.between(1..=3_600));
    Ok((comando, registrada.min(reference_instant()), revision))
}

type Lote = Vec<(RegistrarConversion, DateTime<Utc>, Option<Revision>)>;

/// The demo's tracking events and conversions, drawn in order from one generator.
fn generar() -> DomainResult<(Vec<EventoTracking>, Lote)> {
    let afiliados = afiliados_demo();
    let campanias = campanias_demo();
    let mut rng = DemoRng::new(SEED);
    let eventos = (0..DEMO_EVENTOS)
        .map(|_| evento(&mut rng, &afiliados, &campanias))
        .collect::<DomainResult<Vec<_>>>()?;
    let lote = (0..DEMO_CONVERSIONES)
        .map(|n| conversion(&mut rng, n, &afiliados, &campanias))
        .collect::<DomainResult<Lote>>()?;
    Ok((eventos, lote))
}

/// How many demo conversions are validated (each gives `pagos` one commission).
pub fn validadas() -> DomainResult<usize> {
    let (_, lote) = generar()?;
    Ok(lote
        .iter()
        .filter(|(_, _, revision)| matches!(revision, Some(Revision::Validar)))
        .count())
}

/// Loads the demo events and conversions if there are no conversions yet; returns rows added.
pub async fn seed(service: &ConversionService) -> DomainResult<u64> {
    if service.contar().await? > 0 {
        return Ok(0);
    }
    let (eventos, lote) = generar()?;
    service.cargar_eventos(&eventos).await?;
    let conversiones = service.registrar_lote(lote).await?;
    Ok((eventos.len() + conversiones) as u64)
}
