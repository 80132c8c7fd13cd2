//! The `campanias` subgraph over HTTP and its event store, on SQLite and on PostgreSQL.

use std::collections::HashSet;

use anyhow::{Context, Result};
use campanias::{
    Campanias,
    application::CampaniaService,
    application::consumers::{COMISION_APROBADA, COMISION_REVERTIDA, GastoPorComision},
    persistence::{SeaCampaniaRepository, store},
};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::{Value, json};
use subgraph_kit::{
    events::EventEnvelope,
    messaging::{EventHandler, inbox},
    subgraph::Subgraph,
};
use testkit::{Backend, TestDb, TestSubgraph, error_code, error_message, on_both_backends};
use uuid::Uuid;

const CAMPOS: &str = "id nombre descripcion estado tipo canales version
  cliente { id } fechaInicio fechaFin
  presupuesto { valor moneda } gastoActual { valor moneda }
  segmentacion { edadMinima edadMaxima ubicaciones }
  configuracionComisiones { porConversion porVenta bonusObjetivos objetivoConversiones }";

fn input(cliente_id: Uuid, nombre: &str) -> Value {
    json!({ "input": {
        "clienteId": cliente_id, "nombre": nombre, "descripcion": "Promoción especial",
        "tipo": "PROMOCIONAL", "canales": ["WEB", "EMAIL", "WEB"],
        "segmentacion": { "edadMinima": 18, "edadMaxima": 65, "ubicaciones": ["Bogotá", "Cali"] },
        "configuracionComisiones": { "porConversion": "15", "porVenta": "8.5", "bonusObjetivos": "25",
            "objetivoConversiones": 10 },
        "fechaInicio": "2026-11-24T00:00:00Z", "fechaFin": "2026-11-27T23:59:59Z",
        "presupuesto": { "valor": "1000.00", "moneda": "USD" }
    }})
}

fn crear_query() -> String {
    format!(
        "mutation($input: CrearCampaniaInput!) {{ crearCampania(input: $input) {{ campania {{ {CAMPOS} }} }} }}"
    )
}

async fn crear(sg: &TestSubgraph, cliente_id: Uuid, nombre: &str) -> Result<Value> {
    Ok(
        sg.data(&crear_query(), input(cliente_id, nombre)).await?["crearCampania"]["campania"]
            .clone(),
    )
}

/// Sends a transition mutation; returns the whole body.
async fn transicion(
    sg: &TestSubgraph,
    mutation: &str,
    id: &Value,
    version: Option<i64>,
) -> Result<Value> {
    let query = format!(
        "mutation($input: {}Input!) {{ {mutation}(input: $input) {{ campania {{ estado version }} }} }}",
        capitalise(mutation)
    );
    sg.gql(
        &query,
        json!({ "input": { "id": id, "versionEsperada": version } }),
    )
    .await
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

async fn count(db: &DatabaseConnection, table: &str) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .context("count row")?;
    Ok(row.try_get::<i64>("", "n")?)
}

fn comision(campania_id: &str, comision_id: Uuid, valor: &str, moneda: &str) -> EventEnvelope {
    EventEnvelope {
        id: Uuid::now_v7(),
        tipo: COMISION_APROBADA.to_owned(),
        agregado_id: comision_id.to_string(),
        ocurrido_en: Utc::now(),
        datos: json!({
            "comisionId": comision_id, "campaniaId": campania_id, "afiliadoId": Uuid::new_v4(),
            "monto": { "valor": valor, "moneda": moneda }
        }),
    }
}

/// `ComisionRevertida.v1` as `pagos` publishes it (its `monto` is the commission's).
fn revertida(campania_id: &str, comision_id: Uuid, valor: &str) -> EventEnvelope {
    EventEnvelope {
        id: Uuid::now_v7(),
        tipo: COMISION_REVERTIDA.to_owned(),
        agregado_id: comision_id.to_string(),
        ocurrido_en: Utc::now(),
        datos: json!({
            "comisionId": comision_id, "conversionId": Uuid::new_v4(),
            "campaniaId": campania_id, "afiliadoId": Uuid::new_v4(),
            "monto": { "valor": valor, "moneda": "USD" }, "estadoAnterior": "APROBADA",
            "pagoOrigenId": null, "reversionId": null,
            "motivo": "Conversión rechazada tras la aprobación: Contracargo"
        }),
    }
}

/// Delivers an event as the runtime does, again after a failure (a concurrent writer's
/// `CONFLICT`), as the runtime retries; gives up after a few attempts.
async fn entregar_con_reintentos(db: &DatabaseConnection, event: &EventEnvelope) -> Result<()> {
    let mut ultimo = None;
    for _ in 0..5 {
        match entregar(db, event).await {
            Ok(_) => return Ok(()),
            Err(error) => ultimo = Some(error),
        }
    }
    Err(ultimo.context("no attempt")?)
}

/// Types of the campaign's outbox rows, oldest first.
async fn tipos_en_outbox(db: &DatabaseConnection, campania_id: &str) -> Result<Vec<String>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT tipo FROM event_outbox WHERE agregado_id = '{campania_id}' ORDER BY seq"
            ),
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String>("", "tipo")?))
        .collect()
}

/// Delivers an event as the event-bus runtime does: inbox and effect in one transaction.
async fn entregar(db: &DatabaseConnection, event: &EventEnvelope) -> Result<bool> {
    let handler = GastoPorComision::default();
    let txn = db.begin().await?;
    let nuevo = inbox::record(&txn, handler.consumer(), event.id).await?;
    if nuevo {
        handler.handle(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(nuevo)
}

async fn create_then_read_back(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let cliente = Uuid::new_v4();
    let created = crear(&sg, cliente, "  Black   Friday 2026 ").await?;
    assert_eq!(created["nombre"], "Black Friday 2026");
    assert_eq!(created["estado"], "CREADA");
    assert_eq!(created["version"], 1);
    assert_eq!(created["canales"], json!(["WEB", "EMAIL"]));
    assert_eq!(created["cliente"]["id"], cliente.to_string());
    assert_eq!(
        created["presupuesto"],
        json!({ "valor": "1000.00", "moneda": "USD" })
    );
    assert_eq!(
        created["gastoActual"],
        json!({ "valor": "0.00", "moneda": "USD" })
    );
    assert_eq!(
        created["configuracionComisiones"],
        json!({ "porConversion": "15", "porVenta": "8.5", "bonusObjetivos": "25",
                "objetivoConversiones": 10 })
    );
    let query = format!("query($id: ID!) {{ campania(id: $id) {{ {CAMPOS} }} }}");
    let read = sg.data(&query, json!({ "id": created["id"] })).await?;
    assert_eq!(read["campania"], created);
    let historial = sg
        .data(
            "query($id: ID!) { campania(id: $id) { historial { tipo version datos } } }",
            json!({ "id": created["id"] }),
        )
        .await?;
    let evento = &historial["campania"]["historial"][0];
    assert_eq!(evento["tipo"], "CampaniaCreada.v1");
    assert_eq!(evento["version"], 1);
    assert_eq!(evento["datos"]["presupuesto"]["valor"], "1000.00");
    // The objective travels with the rates (pagos applies the bonus).
    assert_eq!(
        evento["datos"]["configuracionComisiones"]["objetivoConversiones"],
        10
    );
    // Without an objective the campaign reads null; an objective below 1 is refused.
    let mut sin = input(cliente, "Sin objetivo");
    sin["input"]["configuracionComisiones"]
        .as_object_mut()
        .map(|c| c.remove("objetivoConversiones"));
    let sin = sg.data(&crear_query(), sin).await?;
    assert_eq!(
        sin["crearCampania"]["campania"]["configuracionComisiones"]["objetivoConversiones"],
        Value::Null
    );
    let mut cero = input(cliente, "Objetivo cero");
    cero["input"]["configuracionComisiones"]["objetivoConversiones"] = json!(0);
    let body = sg.gql(&crear_query(), cero).await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["campo"],
        "configuracionComisiones.objetivoConversiones"
    );
    // The same transaction wrote each event to the outbox.
    assert_eq!(count(&sg.db.db, "event_outbox").await?, 2);
    let sdl = sg.data("{ _service { sdl } }", json!({})).await?;
    let sdl = sdl["_service"]["sdl"].as_str().unwrap_or_default();
    assert!(sdl.contains(r#"type Campania @key(fields: "id")"#), "{sdl}");
    assert!(sdl.contains(r#"type Cliente @key(fields: "id")"#), "{sdl}");
    sg.stop().await
}

async fn every_transition_allowed_and_forbidden(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Verano").await?["id"].clone();
    let ok = |body: &Value, m: &str, estado: &str, version: i64| {
        assert_eq!(body["data"][m]["campania"]["estado"], estado, "{body}");
        assert_eq!(body["data"][m]["campania"]["version"], version, "{body}");
    };
    let conflict = |body: &Value| assert_eq!(error_code(body), Some("CONFLICT"), "{body}");
    // CREADA: only activar.
    conflict(&transicion(&sg, "pausarCampania", &id, None).await?);
    conflict(&transicion(&sg, "completarCampania", &id, None).await?);
    ok(
        &transicion(&sg, "activarCampania", &id, None).await?,
        "activarCampania",
        "ACTIVA",
        2,
    );
    // ACTIVA: pausar or completar.
    let body = transicion(&sg, "activarCampania", &id, None).await?;
    assert_eq!(error_message(&body), Some("La campaña ya está activa"));
    ok(
        &transicion(&sg, "pausarCampania", &id, None).await?,
        "pausarCampania",
        "PAUSADA",
        3,
    );
    // PAUSADA: only activar (resume).
    conflict(&transicion(&sg, "pausarCampania", &id, None).await?);
    let body = transicion(&sg, "completarCampania", &id, None).await?;
    conflict(&body);
    assert!(
        error_message(&body).unwrap_or_default().contains("ACTIVA"),
        "{body}"
    );
    ok(
        &transicion(&sg, "activarCampania", &id, None).await?,
        "activarCampania",
        "ACTIVA",
        4,
    );
    ok(
        &transicion(&sg, "completarCampania", &id, None).await?,
        "completarCampania",
        "COMPLETADA",
        5,
    );
    // COMPLETADA is final.
    for m in ["activarCampania", "pausarCampania", "completarCampania"] {
        let body = transicion(&sg, m, &id, None).await?;
        conflict(&body);
        assert!(
            error_message(&body)
                .unwrap_or_default()
                .contains("COMPLETADA"),
            "{m}: {body}"
        );
    }
    let body = sg
        .gql(
            r#"mutation($id: ID!) { actualizarPresupuesto(input: {id: $id, presupuesto: {valor: "5000", moneda: USD}}) { campania { version } } }"#,
            json!({ "id": id }),
        )
        .await?;
    conflict(&body);
    let historial = sg
        .data(
            "query($id: ID!) { campania(id: $id) { estado version historial { tipo version } } }",
            json!({ "id": id }),
        )
        .await?;
    let tipos: Vec<&str> = historial["campania"]["historial"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["tipo"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        tipos,
        [
            "CampaniaCreada.v1",
            "CampaniaActivada.v1",
            "CampaniaPausada.v1",
            "CampaniaReanudada.v1",
            "CampaniaCompletada.v1"
        ]
    );
    assert_eq!(historial["campania"]["version"], 5);
    assert_eq!(count(&sg.db.db, "campania_events").await?, 5);
    assert_eq!(count(&sg.db.db, "event_outbox").await?, 5);
    // Unknown and malformed ids.
    let body = transicion(&sg, "activarCampania", &json!(Uuid::new_v4()), None).await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = transicion(&sg, "activarCampania", &json!("no-uuid"), None).await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let body = sg
        .gql(
            "query($id: ID!) { campania(id: $id) { id } }",
            json!({ "id": Uuid::new_v4() }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    sg.stop().await
}

async fn concurrent_commands_one_wins_others_conflict(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Concurrida").await?["id"].clone();
    transicion(&sg, "activarCampania", &id, Some(1)).await?;
    // Ten writers with the same expected version: exactly one wins.
    let bodies =
        futures::future::join_all((0..10).map(|_| transicion(&sg, "pausarCampania", &id, Some(2))))
            .await;
    let mut ganadores = 0;
    for body in bodies {
        let body = body?;
        if body.get("errors").is_none() {
            ganadores += 1;
            assert_eq!(body["data"]["pausarCampania"]["campania"]["version"], 3);
        } else {
            assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
        }
    }
    assert_eq!(ganadores, 1);
    // Without an expected version, racing activar/pausar still never loses an update:
    // every success is one event, every failure a CONFLICT.
    let bodies = futures::future::join_all((0..10).map(|i| {
        let m = if i % 2 == 0 {
            "activarCampania"
        } else {
            "pausarCampania"
        };
        transicion(&sg, m, &id, None)
    }))
    .await;
    let mut exitos = 0;
    for body in bodies {
        let body = body?;
        if body.get("errors").is_none() {
            exitos += 1;
        } else {
            assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
        }
    }
    let read = sg
        .data(
            "query($id: ID!) { campania(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(read["campania"]["version"], 3 + exitos);
    assert_eq!(count(&sg.db.db, "campania_events").await?, 3 + exitos);
    assert_eq!(count(&sg.db.db, "event_outbox").await?, 3 + exitos);
    // A stale expected version is refused with a clear message.
    let body = transicion(&sg, "activarCampania", &id, Some(1)).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert!(
        error_message(&body).unwrap_or_default().contains("versión"),
        "{body}"
    );
    sg.stop().await
}

async fn replay_equals_projection_with_and_without_snapshots(backend: Backend) -> Result<()> {
    let db = TestDb::new(backend).await?;
    Campanias.migrate(&db.db, &db.url).await?;
    let service = CampaniaService::new(std::sync::Arc::new(
        SeaCampaniaRepository::new(db.db.clone()).con_snapshot_cada(3),
    ));
    let sg_input = input(Uuid::new_v4(), "Snapshots");
    let comando = campanias_comando(&sg_input)?;
    let campania = service.crear(comando, Utc::now()).await?;
    use campanias::domain::ComandoCampania::{Activar, Pausar};
    service
        .ejecutar(campania.id, Activar, None, Utc::now())
        .await?;
    for _ in 0..4 {
        service
            .ejecutar(campania.id, Pausar, None, Utc::now())
            .await?;
        service
            .ejecutar(campania.id, Activar, None, Utc::now())
            .await?;
    }
    let id = campania.id.to_string();
    entregar(&db.db, &comision(&id, Uuid::new_v4(), "100.25", "USD")).await?;
    entregar(&db.db, &comision(&id, Uuid::new_v4(), "900", "USD")).await?; // overrun
    let proyectada = service.obtener(campania.id).await?;
    assert_eq!(proyectada.version, 12);
    assert_eq!(proyectada.gasto_actual.valor().to_string(), "100.25");
    // The service snapshots every 3 events (version 9); the consumer's events follow it.
    assert_eq!(store::version_snapshot(&db.db, campania.id).await?, Some(9));
    assert_eq!(service.reproducir(campania.id).await?, proyectada);
    // Without snapshots, a full replay gives the same state.
    db.db
        .execute_unprepared("DELETE FROM campania_snapshots")
        .await?;
    assert_eq!(service.reproducir(campania.id).await?, proyectada);
    assert_eq!(count(&db.db, "event_outbox").await?, 12);
    db.drop_db().await
}

/// The domain command of a GraphQL creation input (used where tests skip HTTP).
fn campanias_comando(v: &Value) -> Result<campanias::domain::CrearCampania> {
    use campanias::domain::{Canal, CrearCampania, TipoCampania};
    use subgraph_kit::{Dinero, Moneda};
    let i = &v["input"];
    Ok(CrearCampania {
        id: None,
        cliente_id: i["clienteId"].as_str().context("clienteId")?.parse()?,
        nombre: i["nombre"].as_str().context("nombre")?.to_owned(),
        descripcion: String::new(),
        tipo: TipoCampania::Promocional,
        canales: vec![Canal::Web],
        edad_minima: None,
        edad_maxima: None,
        ubicaciones: vec![],
        por_conversion: 10.into(),
        por_venta: 5.into(),
        bonus_objetivos: 0.into(),
        objetivo_conversiones: None,
        fecha_inicio: "2026-11-24T00:00:00Z".parse()?,
        fecha_fin: "2026-12-24T00:00:00Z".parse()?,
        presupuesto: Dinero::new(1000.into(), Moneda::Usd)?,
    })
}

async fn budget_rules(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Presupuesto").await?["id"].clone();
    transicion(&sg, "activarCampania", &id, None).await?;
    let id_text = id.as_str().unwrap_or_default().to_owned();
    entregar(&sg.db.db, &comision(&id_text, Uuid::new_v4(), "400", "USD")).await?;
    let actualizar = |valor: &str, moneda: &str| {
        format!(
            r#"mutation($id: ID!) {{ actualizarPresupuesto(input: {{id: $id, presupuesto: {{valor: "{valor}", moneda: {moneda}}}}}) {{
                campania {{ version presupuesto {{ valor moneda }} gastoActual {{ valor }} presupuestoDisponible {{ valor }} }} }} }}"#
        )
    };
    let vars = json!({ "id": id });
    for (valor, moneda, campo) in [
        ("399.99", "USD", "presupuesto"),
        ("5000", "EUR", "presupuesto.moneda"),
        ("-1", "USD", "presupuesto"),
        ("1000.001", "USD", "presupuesto"),
    ] {
        let body = sg.gql(&actualizar(valor, moneda), vars.clone()).await?;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{valor} {moneda}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
    }
    let data = sg.data(&actualizar("400", "USD"), vars.clone()).await?;
    let campania = &data["actualizarPresupuesto"]["campania"];
    assert_eq!(campania["presupuesto"]["valor"], "400.00");
    assert_eq!(campania["presupuestoDisponible"]["valor"], "0.00");
    assert_eq!(campania["version"], 4);
    // The same budget again changes nothing (no event).
    let data = sg.data(&actualizar("400.00", "USD"), vars.clone()).await?;
    assert_eq!(data["actualizarPresupuesto"]["campania"]["version"], 4);
    sg.stop().await
}

async fn comision_aprobada_applied_once_and_overrun_recorded(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Gastos").await?["id"].clone();
    let id_text = id.as_str().unwrap_or_default().to_owned();
    transicion(&sg, "activarCampania", &id, None).await?;
    let comision_id = Uuid::new_v4();
    let evento = comision(&id_text, comision_id, "250.50", "USD");
    // The same event twice (two transactions): the inbox applies it once.
    assert!(entregar(&sg.db.db, &evento).await?);
    assert!(!entregar(&sg.db.db, &evento).await?);
    // The same commission in another event: the event store applies it once.
    let mut otro = comision(&id_text, comision_id, "250.50", "USD");
    otro.id = Uuid::now_v7();
    assert!(entregar(&sg.db.db, &otro).await?);
    // An overrun and another currency: recorded, not applied.
    entregar(
        &sg.db.db,
        &comision(&id_text, Uuid::new_v4(), "749.51", "USD"),
    )
    .await?;
    entregar(&sg.db.db, &comision(&id_text, Uuid::new_v4(), "10", "COP")).await?;
    entregar(
        &sg.db.db,
        &comision(&id_text, Uuid::new_v4(), "749.50", "USD"),
    )
    .await?;
    // An unknown campaign is acknowledged without effect.
    assert!(
        entregar(
            &sg.db.db,
            &comision(&Uuid::new_v4().to_string(), Uuid::new_v4(), "1", "USD")
        )
        .await?
    );
    let data = sg
        .data(
            "query($id: ID!) { campania(id: $id) { version gastoActual { valor moneda }
               sobregiros { comisionId motivo monto { valor moneda } disponible { valor } }
               historial { tipo } } }",
            json!({ "id": id }),
        )
        .await?;
    let c = &data["campania"];
    assert_eq!(
        c["gastoActual"],
        json!({ "valor": "1000.00", "moneda": "USD" })
    );
    assert_eq!(c["version"], 6);
    assert_eq!(c["sobregiros"][0]["motivo"], "PRESUPUESTO_EXCEDIDO");
    assert_eq!(c["sobregiros"][0]["monto"]["valor"], "749.51");
    assert_eq!(c["sobregiros"][0]["disponible"]["valor"], "749.50");
    assert_eq!(c["sobregiros"][1]["motivo"], "MONEDA_DISTINTA");
    assert_eq!(c["sobregiros"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        count(&sg.db.db, "event_inbox").await?,
        6,
        "every delivered event id is in the inbox"
    );
    // A malformed payload is refused (the runtime retries or dead-letters it).
    let mut malo = comision(&id_text, Uuid::new_v4(), "1", "USD");
    malo.datos["monto"]["valor"] = json!(1.5);
    assert!(entregar(&sg.db.db, &malo).await.is_err());
    assert_eq!(count(&sg.db.db, "campania_events").await?, 6);
    sg.stop().await
}

async fn comision_revertida_takes_back_the_registered_expense_once(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Reversiones").await?["id"].clone();
    let id_text = id.as_str().unwrap_or_default().to_owned();
    transicion(&sg, "activarCampania", &id, None).await?;
    let (registrada, otra, sobregirada) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    entregar(&sg.db.db, &comision(&id_text, registrada, "250.55", "USD")).await?;
    entregar(&sg.db.db, &comision(&id_text, otra, "100.10", "USD")).await?;
    entregar(&sg.db.db, &comision(&id_text, sobregirada, "900", "USD")).await?;
    let consulta = "query($id: ID!) { campania(id: $id) { version gastoActual { valor moneda }
        historial { tipo version datos } } }";
    let gasto = |data: &Value| data["campania"]["gastoActual"].clone();
    let antes = sg.data(consulta, json!({ "id": id })).await?;
    assert_eq!(gasto(&antes), json!({ "valor": "350.65", "moneda": "USD" }));
    assert_eq!(antes["campania"]["version"], 5);

    // Registered, then reverted: the expense drops by exactly what was registered (the
    // event's own amount is not what counts).
    let evento = revertida(&id_text, registrada, "999.99");
    assert!(entregar(&sg.db.db, &evento).await?);
    let data = sg.data(consulta, json!({ "id": id })).await?;
    assert_eq!(gasto(&data), json!({ "valor": "100.10", "moneda": "USD" }));
    assert_eq!(data["campania"]["version"], 6);
    let ultimo = &data["campania"]["historial"][5];
    assert_eq!(ultimo["tipo"], "GastoRevertido.v1", "{data}");
    assert_eq!(ultimo["version"], 6);
    assert_eq!(ultimo["datos"]["comisionId"], registrada.to_string());
    assert_eq!(
        ultimo["datos"]["monto"],
        json!({ "valor": "250.55", "moneda": "USD" })
    );
    assert_eq!(ultimo["datos"]["gastoActual"]["valor"], "100.10");
    assert_eq!(
        ultimo["datos"]["motivo"],
        "Conversión rechazada tras la aprobación: Contracargo"
    );

    // Delivered twice (the inbox), and the same commission in another event (the event
    // store), also two at once: reverted once.
    assert!(!entregar(&sg.db.db, &evento).await?);
    let (a, b) = (
        revertida(&id_text, registrada, "250.55"),
        revertida(&id_text, registrada, "250.55"),
    );
    let (ra, rb) = futures::join!(
        entregar_con_reintentos(&sg.db.db, &a),
        entregar_con_reintentos(&sg.db.db, &b)
    );
    ra?;
    rb?;

    // Refused as an overrun, never registered, or an unknown campaign: nothing changes.
    entregar(&sg.db.db, &revertida(&id_text, sobregirada, "900")).await?;
    entregar(&sg.db.db, &revertida(&id_text, Uuid::new_v4(), "5")).await?;
    assert!(
        entregar(
            &sg.db.db,
            &revertida(&Uuid::new_v4().to_string(), Uuid::new_v4(), "5")
        )
        .await?
    );
    let despues = sg.data(consulta, json!({ "id": id })).await?;
    assert_eq!(
        gasto(&despues),
        json!({ "valor": "100.10", "moneda": "USD" })
    );
    assert_eq!(despues["campania"]["version"], 6, "{despues}");
    let outbox = tipos_en_outbox(&sg.db.db, &id_text).await?;
    assert_eq!(
        outbox.iter().filter(|t| *t == "GastoRevertido.v1").count(),
        1,
        "{outbox:?}"
    );
    assert_eq!(outbox.last().map(String::as_str), Some("GastoRevertido.v1"));

    // The projection is what the events add up to, and the freed budget can be spent.
    let service = campanias::service(sg.db.db.clone());
    let campania_id = Uuid::parse_str(&id_text)?;
    assert_eq!(
        service.reproducir(campania_id).await?,
        service.obtener(campania_id).await?
    );
    entregar(
        &sg.db.db,
        &comision(&id_text, Uuid::new_v4(), "899.90", "USD"),
    )
    .await?;
    let lleno = sg.data(consulta, json!({ "id": id })).await?;
    assert_eq!(
        gasto(&lleno),
        json!({ "valor": "1000.00", "moneda": "USD" })
    );

    // A malformed reversal is refused (retried, then dead-lettered) and writes nothing.
    let mut malo = revertida(&id_text, otra, "1");
    malo.datos["comisionId"] = json!("no-es-un-uuid");
    assert!(entregar(&sg.db.db, &malo).await.is_err());
    assert_eq!(count(&sg.db.db, "campania_events").await?, 7);
    sg.stop().await
}

async fn an_approval_delivered_after_its_reversal_adds_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Desordenada").await?["id"].clone();
    let id_text = id.as_str().unwrap_or_default().to_owned();
    let comision_id = Uuid::new_v4();
    let eventos = count(&sg.db.db, "campania_events").await?;
    let outbox = count(&sg.db.db, "event_outbox").await?;
    // The reversal overtakes its approval (the approval failed and is redelivered later).
    assert!(entregar(&sg.db.db, &revertida(&id_text, comision_id, "40")).await?);
    assert!(entregar(&sg.db.db, &comision(&id_text, comision_id, "40", "USD")).await?);
    let data = sg
        .data(
            "query($id: ID!) { campania(id: $id) { version gastoActual { valor } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(data["campania"]["gastoActual"]["valor"], "0.00", "{data}");
    assert_eq!(data["campania"]["version"], 1);
    assert_eq!(count(&sg.db.db, "campania_events").await?, eventos);
    assert_eq!(count(&sg.db.db, "event_outbox").await?, outbox);
    // Another commission of the campaign is still added.
    entregar(
        &sg.db.db,
        &comision(&id_text, Uuid::new_v4(), "15.25", "USD"),
    )
    .await?;
    let data = sg
        .data(
            "query($id: ID!) { campania(id: $id) { gastoActual { valor } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(data["campania"]["gastoActual"]["valor"], "15.25", "{data}");
    sg.stop().await
}

async fn event_store_refuses_a_second_reversal_of_one_commission(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let id = crear(&sg, Uuid::new_v4(), "Unica").await?["id"].clone();
    let id_text = id.as_str().unwrap_or_default().to_owned();
    let comision_id = Uuid::new_v4();
    entregar(&sg.db.db, &comision(&id_text, comision_id, "10", "USD")).await?;
    entregar(&sg.db.db, &revertida(&id_text, comision_id, "10")).await?;
    // Even a writer that skipped the check cannot store a second reversal: the unique
    // column refuses it, on both backends.
    let insertar = |version: i64| {
        Statement::from_string(
            sg.db.db.get_database_backend(),
            format!(
                "INSERT INTO campania_events (event_id, campania_id, version, tipo, datos, \
                 comision_revertida_id, ocurrido_en) VALUES ('{}', '{id_text}', {version}, \
                 'GastoRevertido.v1', '{{}}', '{comision_id}', '2026-12-01T00:00:00Z')",
                Uuid::new_v4()
            ),
        )
    };
    let error = sg
        .db
        .db
        .execute_raw(insertar(100))
        .await
        .err()
        .context("a second reversal was stored")?;
    assert!(error.to_string().contains("comision_revertida"), "{error}");
    assert_eq!(count(&sg.db.db, "campania_events").await?, 3);
    sg.stop().await
}

async fn cliente_entities_batch_is_one_statement(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let clientes: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    let mut activas = HashSet::new();
    for (i, cliente) in clientes.iter().enumerate() {
        for j in 0..=i {
            let c = crear(&sg, *cliente, &format!("Campaña {i}-{j}")).await?;
            if j % 2 == 0 {
                transicion(&sg, "activarCampania", &c["id"], None).await?;
                activas.insert(c["id"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    let mut representations = Vec::new();
    for i in 0..100 {
        let id = if i % 5 == 4 {
            Uuid::new_v4()
        } else {
            clientes[i % 4]
        };
        representations.push(json!({ "__typename": "Cliente", "id": id }));
    }
    sg.db.statements.reset();
    let data = sg
        .data(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Cliente { id
               campanias { id estado cliente { id } } campaniasActivas { id } } } }",
            json!({ "r": representations }),
        )
        .await?;
    assert_eq!(sg.db.statements.get(), 1, "one SQL statement for the batch");
    for (i, entity) in data["_entities"]
        .as_array()
        .context("entities")?
        .iter()
        .enumerate()
    {
        let campanias = entity["campanias"].as_array().context("campanias")?;
        let expected = if i % 5 == 4 { 0 } else { i % 4 + 1 };
        assert_eq!(campanias.len(), expected, "{entity}");
        for a in entity["campaniasActivas"].as_array().context("activas")? {
            assert!(activas.contains(a["id"].as_str().unwrap_or_default()));
        }
    }
    // Campania entities batch the same way.
    let ids: Vec<Value> = activas
        .iter()
        .map(|id| json!({ "__typename": "Campania", "id": id }))
        .collect();
    sg.db.statements.reset();
    let data = sg
        .data(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Campania { id estado } } }",
            json!({ "r": ids }),
        )
        .await?;
    assert_eq!(sg.db.statements.get(), 1);
    assert!(
        data["_entities"]
            .as_array()
            .is_some_and(|e| e.iter().all(|c| c["estado"] == "ACTIVA"))
    );
    sg.stop().await
}

async fn bad_input_gets_clear_errors_and_writes_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let base = || input(Uuid::new_v4(), "Mala");
    let mut cases = Vec::new();
    let mut v = base();
    v["input"]["fechaFin"] = v["input"]["fechaInicio"].clone();
    cases.push((v, "fechaFin"));
    v = base();
    v["input"]["fechaFin"] = json!("2026-01-01T00:00:00Z");
    cases.push((v, "fechaFin"));
    v = base();
    v["input"]["presupuesto"] = json!({ "valor": "-10", "moneda": "USD" });
    cases.push((v, "presupuesto"));
    v = base();
    v["input"]["presupuesto"] = json!({ "valor": "10.5", "moneda": "COP" });
    cases.push((v, "presupuesto"));
    v = base();
    v["input"]["clienteId"] = json!("cliente-1");
    cases.push((v, "clienteId"));
    v = base();
    v["input"]["canales"] = json!([]);
    cases.push((v, "canales"));
    v = base();
    v["input"]["nombre"] = json!("   ");
    cases.push((v, "nombre"));
    v = base();
    v["input"]["configuracionComisiones"]["porVenta"] = json!("120");
    cases.push((v, "configuracionComisiones.porVenta"));
    v = base();
    v["input"]["segmentacion"]["edadMinima"] = json!(70);
    cases.push((v, "segmentacion.edadMaxima"));
    for (variables, campo) in cases {
        let body = sg.gql(&crear_query(), variables).await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
    }
    let mut v = base();
    v["input"]["presupuesto"]["valor"] = json!(99.9);
    let body = sg.gql(&crear_query(), v).await?;
    assert!(
        error_message(&body).unwrap_or_default().contains("texto"),
        "{body}"
    );
    let mut v = base();
    v["input"]["presupuesto"]["moneda"] = json!("ARS");
    let body = sg.gql(&crear_query(), v).await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["campo"], "presupuesto.moneda",
        "{body}"
    );
    // A taken id is a conflict.
    let mut v = base();
    let id = Uuid::new_v4();
    v["input"]["id"] = json!(id);
    sg.data(&crear_query(), v.clone()).await?;
    let body = sg.gql(&crear_query(), v).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    for table in ["campanias", "campania_events", "event_outbox"] {
        assert_eq!(count(&sg.db.db, table).await?, 1, "{table}");
    }
    let body = sg
        .gql(
            "{ campanias(paginacion: {perPage: 1000}) { items { id } } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    sg.stop().await
}

async fn lists_filter_and_search(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    let (ana, luis) = (Uuid::new_v4(), Uuid::new_v4());
    let verano = crear(&sg, ana, "Verano").await?;
    crear(&sg, ana, "Verano Caliente").await?;
    crear(&sg, luis, "Gran Verano").await?;
    crear(&sg, luis, "Navidad").await?;
    transicion(&sg, "activarCampania", &verano["id"], None).await?;
    let total = |filtro: String| {
        let sg = &sg;
        async move {
            let query = format!(
                "{{ campanias{filtro} {{ items {{ id }} paginacion {{ total pages hasNextPage }} }} }}"
            );
            Ok::<_, anyhow::Error>(sg.data(&query, json!({})).await?["campanias"].clone())
        }
    };
    assert_eq!(total(String::new()).await?["paginacion"]["total"], 4);
    assert_eq!(
        total("(filtro: {estado: ACTIVA})".into()).await?["paginacion"]["total"],
        1
    );
    assert_eq!(
        total(format!(r#"(filtro: {{clienteId: "{luis}"}})"#)).await?["paginacion"]["total"],
        2
    );
    let page = total("(paginacion: {page: 2, perPage: 3})".into()).await?;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["paginacion"]["pages"], 2);
    let data = sg
        .data(
            r#"{ buscarCampanias(q: "VERANO") { relevancia campania { nombre } } }"#,
            json!({}),
        )
        .await?;
    let nombres: Vec<&str> = data["buscarCampanias"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|r| r["campania"]["nombre"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(nombres, ["Verano", "Verano Caliente", "Gran Verano"]);
    assert_eq!(data["buscarCampanias"][0]["relevancia"], 1.0);
    sg.stop().await
}

async fn demo_campaigns_cover_every_state_for_real_demo_clientes(backend: Backend) -> Result<()> {
    let db = TestDb::new(backend).await?;
    Campanias.migrate(&db.db, &db.url).await?;
    assert_eq!(
        Campanias.seed_demo(&db.db).await?,
        campanias::demo::DEMO_CAMPANIAS
    );
    assert_eq!(
        Campanias.seed_demo(&db.db).await?,
        0,
        "seeding twice adds nothing"
    );
    let service = campanias::service(db.db.clone());
    let page = service
        .listar(&Default::default(), subgraph_kit::PageRequest::new(1, 100)?)
        .await?;
    let estados: HashSet<_> = page.items.iter().map(|c| c.estado).collect();
    assert_eq!(estados.len(), 4, "{estados:?}");
    for c in &page.items {
        assert_eq!(service.reproducir(c.id).await?, *c);
        assert!(c.gasto_actual.valor() <= c.presupuesto.valor());
    }
    // The clienteIds are the ids `clientes` gives its demo data.
    let clientes_db = TestDb::new(Backend::Sqlite).await?;
    clientes::Clientes
        .migrate(&clientes_db.db, &clientes_db.url)
        .await?;
    clientes::Clientes.seed_demo(&clientes_db.db).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.cliente_id).collect();
    let found = clientes::service(clientes_db.db.clone())
        .por_ids(&ids)
        .await?;
    assert!(ids.iter().all(|id| found.contains_key(id)));
    clientes_db.drop_db().await?;
    db.drop_db().await
}

async fn migrations_are_idempotent(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Campanias, backend).await?;
    crear(&sg, Uuid::new_v4(), "Una").await?;
    Campanias.migrate(&sg.db.db, &sg.db.url).await?;
    Campanias.migrate(&sg.db.db, &sg.db.url).await?;
    assert_eq!(count(&sg.db.db, "campanias").await?, 1);
    sg.stop().await
}

on_both_backends!(
    create_then_read_back,
    every_transition_allowed_and_forbidden,
    concurrent_commands_one_wins_others_conflict,
    replay_equals_projection_with_and_without_snapshots,
    budget_rules,
    comision_aprobada_applied_once_and_overrun_recorded,
    comision_revertida_takes_back_the_registered_expense_once,
    an_approval_delivered_after_its_reversal_adds_nothing,
    event_store_refuses_a_second_reversal_of_one_commission,
    cliente_entities_batch_is_one_statement,
    bad_input_gets_clear_errors_and_writes_nothing,
    lists_filter_and_search,
    demo_campaigns_cover_every_state_for_real_demo_clientes,
    migrations_are_idempotent,
);
