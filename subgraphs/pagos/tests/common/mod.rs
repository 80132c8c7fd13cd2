//! Helpers shared by the `pagos` integration tests: settings without latency, events of
//! other contexts applied through the real consumer runtime, and a worker under test control.
#![allow(dead_code, unreachable_pub)]

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use eventbus::{Consumer, InProcessBus};
use pagos::{
    Config, Pagos,
    adapters::{OpcionesSimulador, PasarelaSimulada},
    application::consumers::{
        ComisionPorConversion, ProyeccionAfiliados, ProyeccionCampanias, ReversionPorConversion,
    },
    application::{OpcionesProcesador, Procesador},
    persistence::SeaPagosRepository,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use subgraph_kit::{events::EventEnvelope, messaging::EventHandler};
use testkit::{Backend, TestSubgraph};
use uuid::Uuid;

/// A provider without latency or failures, and a worker that retries quickly.
pub fn config() -> Config {
    Config {
        pasarela: OpcionesSimulador {
            latencia: Duration::ZERO,
            tasa_fallo: 0,
            ..OpcionesSimulador::default()
        },
        procesador: OpcionesProcesador {
            intervalo: Duration::from_millis(20),
            lease: Duration::from_secs(2),
            backoff_base: Duration::from_millis(10),
            backoff_max: Duration::from_millis(40),
            ..OpcionesProcesador::default()
        },
        ..Config::default()
    }
}

/// The subgraph on `backend`, served, without its background worker.
pub async fn start(backend: Backend) -> Result<TestSubgraph> {
    TestSubgraph::start(&Pagos::with_config(config()), backend).await
}

/// A worker over `db` charging through `pasarela`.
pub fn procesador(db: &DatabaseConnection, pasarela: Arc<PasarelaSimulada>) -> Procesador {
    Procesador::new(
        Arc::new(SeaPagosRepository::new(db.clone())),
        pasarela,
        config().procesador,
    )
}

/// A provider without latency or failures.
pub fn pasarela() -> Arc<PasarelaSimulada> {
    Arc::new(PasarelaSimulada::new(config().pasarela))
}

fn envelope(tipo: &str, agregado: Uuid, datos: Value) -> EventEnvelope {
    EventEnvelope {
        id: Uuid::now_v7(),
        tipo: tipo.to_owned(),
        agregado_id: agregado.to_string(),
        ocurrido_en: Utc::now(),
        datos,
    }
}

/// `AfiliadoRegistrado.v1` as `afiliados` publishes it.
pub fn afiliado_registrado(
    id: Uuid,
    tipo: &str,
    estado: &str,
    minimo: (&str, &str),
) -> EventEnvelope {
    envelope(
        "AfiliadoRegistrado.v1",
        id,
        json!({ "afiliadoId": id, "nombre": "Afiliado de prueba", "tipo": tipo, "estado": estado,
                "comisionBase": "5", "comisionPremium": "12.5",
                "minimoPago": { "valor": minimo.0, "moneda": minimo.1 } }),
    )
}

/// `AfiliadoActualizado.v1` at `version`.
pub fn afiliado_actualizado(
    id: Uuid,
    version: i64,
    tipo: &str,
    estado: &str,
    minimo: (&str, &str),
) -> EventEnvelope {
    let mut e = afiliado_registrado(id, tipo, estado, minimo);
    e.tipo = "AfiliadoActualizado.v1".into();
    e.datos["version"] = json!(version);
    e
}

/// `AfiliadoEliminado.v1` at `version` (the partner's last state, ELIMINADO).
pub fn afiliado_eliminado(
    id: Uuid,
    version: i64,
    tipo: &str,
    minimo: (&str, &str),
) -> EventEnvelope {
    let mut e = afiliado_registrado(id, tipo, "ELIMINADO", minimo);
    e.tipo = "AfiliadoEliminado.v1".into();
    e.datos["version"] = json!(version);
    e.datos["fechaEliminacion"] = json!(Utc::now());
    e
}

/// `CampaniaCreada.v1` as `campanias` publishes it.
pub fn campania_creada(
    id: Uuid,
    cliente: Uuid,
    por_conversion: &str,
    por_venta: &str,
) -> EventEnvelope {
    envelope(
        "CampaniaCreada.v1",
        id,
        json!({ "clienteId": cliente, "nombre": "Campaña", "descripcion": "", "tipo": "DIGITAL",
                "canales": [], "segmentacion": {},
                "configuracionComisiones": { "porConversion": por_conversion, "porVenta": por_venta, "bonusObjetivos": "0" },
                "fechaInicio": "2026-01-01T00:00:00Z", "fechaFin": "2027-01-01T00:00:00Z",
                "presupuesto": { "valor": "1000000", "moneda": "USD" } }),
    )
}

/// `CampaniaCreada.v1` of a campaign with an objective: `objetivo` conversions per
/// partner earn `bonus` % more.
pub fn campania_con_objetivo(
    id: Uuid,
    cliente: Uuid,
    por_venta: &str,
    bonus: &str,
    objetivo: u32,
) -> EventEnvelope {
    let mut e = campania_creada(id, cliente, "2", por_venta);
    e.datos["configuracionComisiones"]["bonusObjetivos"] = json!(bonus);
    e.datos["configuracionComisiones"]["objetivoConversiones"] = json!(objetivo);
    e
}

/// `ConversionValidada.v1` as `conversiones` publishes it.
pub fn conversion_validada(
    id: Uuid,
    afiliado: Uuid,
    campania: Uuid,
    tipo: &str,
    valor: (&str, &str),
) -> EventEnvelope {
    envelope(
        "ConversionValidada.v1",
        id,
        json!({ "conversionId": id, "afiliadoId": afiliado, "campaniaId": campania,
                "valor": { "valor": valor.0, "moneda": valor.1 }, "tipo": tipo, "canal": "web",
                "fecha": "2026-11-01T10:00:00Z" }),
    )
}

/// `ConversionRechazada.v1` as `conversiones` publishes it for a validated conversion
/// (`revertirConversion`).
pub fn conversion_rechazada(
    id: Uuid,
    afiliado: Uuid,
    campania: Uuid,
    motivo: &str,
) -> EventEnvelope {
    envelope(
        "ConversionRechazada.v1",
        id,
        json!({ "conversionId": id, "afiliadoId": afiliado, "campaniaId": campania,
                "motivo": motivo, "fecha": "2026-11-01T10:00:00Z", "estadoAnterior": "VALIDADA" }),
    )
}

/// Applies an event with the consumer that handles its type, through the runtime's
/// inbox + handler + commit; returns whether it took effect.
pub async fn aplicar(db: &DatabaseConnection, event: &EventEnvelope) -> Result<bool> {
    let handlers: [Arc<dyn EventHandler>; 4] = [
        Arc::new(ComisionPorConversion),
        Arc::new(ProyeccionAfiliados),
        Arc::new(ProyeccionCampanias),
        Arc::new(ReversionPorConversion),
    ];
    let handler = handlers
        .into_iter()
        .find(|h| h.tipos().contains(&event.tipo.as_str()))
        .context("no handler for the event")?;
    let consumer = Consumer::new(db.clone(), Arc::new(InProcessBus::default()), handler);
    Ok(matches!(
        consumer.apply(event).await?,
        eventbus::Outcome::Applied
    ))
}

/// A single integer from SQL (`SELECT COUNT(*) AS n …`).
pub async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no row")?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// An active partner with a campaign, known here.
pub struct Escenario {
    pub afiliado: Uuid,
    pub campania: Uuid,
    pub cliente: Uuid,
}

impl Escenario {
    /// Announces an active PREMIUM partner (minimum `minimo` USD) and a campaign paying
    /// 10 % per sale.
    pub async fn nuevo(sg: &TestSubgraph, minimo: &str) -> Result<Self> {
        let e = Self {
            afiliado: Uuid::now_v7(),
            campania: Uuid::now_v7(),
            cliente: Uuid::now_v7(),
        };
        aplicar(
            &sg.db.db,
            &afiliado_registrado(e.afiliado, "PREMIUM", "ACTIVO", (minimo, "USD")),
        )
        .await?;
        aplicar(
            &sg.db.db,
            &campania_creada(e.campania, e.cliente, "2", "10"),
        )
        .await?;
        Ok(e)
    }

    /// A validated sale of `valor` in `moneda`, its commission approved; returns its id.
    pub async fn comision_aprobada(
        &self,
        sg: &TestSubgraph,
        valor: &str,
        moneda: &str,
    ) -> Result<String> {
        let conversion = Uuid::now_v7();
        aplicar(
            &sg.db.db,
            &conversion_validada(
                conversion,
                self.afiliado,
                self.campania,
                "VENTA",
                (valor, moneda),
            ),
        )
        .await?;
        let data = sg
            .data(
                "query($id: ID!) { _entities(representations: [{__typename: \"Conversion\", id: $id}]) { ... on Conversion { comision { id estado } } } }",
                json!({ "id": conversion }),
            )
            .await?;
        let comision = &data["_entities"][0]["comision"];
        if comision["estado"] != "CALCULADA" {
            bail!("commission not calculated: {data}");
        }
        let id = comision["id"].as_str().context("commission id")?.to_owned();
        sg.data(APROBAR, json!({ "id": id })).await?;
        Ok(id)
    }
}

pub const APROBAR: &str =
    "mutation($id: ID!) { aprobarComision(input: {id: $id}) { comision { id estado } } }";

pub const PAGAR: &str = "mutation($input: PagarInput!) { pagar(input: $input) {
  pago { id estado ciclo idempotencyKey montoTotal { valor moneda } metodoPago { tipo mascara } } } }";

/// A `pagar` input.
pub fn pagar_input(clave: &str, afiliado: Uuid, ciclo: &str) -> Value {
    json!({ "input": { "idempotencyKey": clave, "afiliadoId": afiliado, "ciclo": ciclo,
                       "metodoPago": { "tipo": "TARJETA_CREDITO", "mascara": "****1234" } } })
}

pub const PAGO: &str =
    "query($id: ID!) { pago(id: $id) { id estado confirmacion intentos motivoFallo
  montoTotal { valor moneda }
  comisiones { id estado } transacciones { tipo monto { valor moneda } referencia }
  auditoria { evento actor detalle } } }";
