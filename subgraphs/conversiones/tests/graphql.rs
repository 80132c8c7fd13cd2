//! The `conversiones` subgraph over HTTP, on SQLite and on PostgreSQL.

mod common;

use anyhow::Result;
use chrono::{Duration, Utc};
use common::*;
use conversiones::Conversiones;
use serde_json::{Value, json};
use testkit::{Backend, TestSubgraph, error_code, on_both_backends};
use uuid::Uuid;

fn ids() -> (String, String) {
    (Uuid::new_v4().to_string(), Uuid::new_v4().to_string())
}

async fn two_hundred_concurrent_duplicates_are_one_conversion(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (afiliado, campania) = ids();
    let query = registrar_conversion();
    let variables = conversion_input(&afiliado, &campania, "ORDER-1");
    let bodies =
        futures::future::join_all((0..200).map(|_| sg.gql(&query, variables.clone()))).await;
    let mut ids = std::collections::HashSet::new();
    let mut first: Option<Value> = None;
    for body in bodies {
        let body = body?;
        assert!(body.get("errors").is_none(), "{body}");
        let conversion = body["data"]["registrarConversion"]["conversion"].clone();
        ids.insert(conversion["id"].as_str().unwrap_or_default().to_owned());
        // Every duplicate gets the same payload.
        if let Some(first) = &first {
            assert_eq!(&conversion, first);
        }
        first = Some(conversion);
    }
    assert_eq!(ids.len(), 1, "one conversion id for all 200");
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM conversiones").await?,
        1
    );
    let events = outbox(&sg).await?;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "ConversionRegistrada.v1");

    // The same reference with another body is a conflict and changes nothing.
    let mut other = conversion_input(&afiliado, &campania, "ORDER-1");
    other["input"]["valor"]["valor"] = json!("260000");
    let body = sg.gql(&query, other).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    // The reference is per partner: another partner may use it.
    let (afiliado2, _) = ids_pair();
    sg.data(&query, conversion_input(&afiliado2, &campania, "ORDER-1"))
        .await?;
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM conversiones").await?,
        2
    );
    assert_eq!(outbox(&sg).await?.len(), 2);
    sg.stop().await
}

fn ids_pair() -> (String, String) {
    ids()
}

async fn bad_inputs_are_refused_with_their_field_and_store_nothing(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    let base = conversion_input(&a, &c, "REF-1");
    let futuro = (Utc::now() + Duration::days(1)).to_rfc3339();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/input/canal", json!("fax"), "canal"),
        ("/input/valor/valor", json!("-5"), "valor"),
        (
            "/input/valor",
            json!({ "valor": "10.555", "moneda": "USD" }),
            "valor",
        ),
        (
            "/input/valor",
            json!({ "valor": "10.5", "moneda": "COP" }),
            "valor",
        ),
        ("/input/fecha", json!(futuro), "fecha"),
        ("/input/fecha", json!("1999-12-31T23:59:59Z"), "fecha"),
        ("/input/afiliadoId", json!(""), "afiliadoId"),
        ("/input/afiliadoId", json!("no-es-uuid"), "afiliadoId"),
        ("/input/campaniaId", json!(Uuid::nil()), "campaniaId"),
        (
            "/input/productos/0/precio",
            json!("-1"),
            "productos.0.precio",
        ),
        (
            "/input/productos/0/cantidad",
            json!(0),
            "productos.0.cantidad",
        ),
        (
            "/input/datosCliente/email",
            json!("x"),
            "datosCliente.email",
        ),
        (
            "/input/metadatos/0/clave",
            json!("utm source!"),
            "metadatos",
        ),
        ("/input/referenciaExterna", json!("  "), "referenciaExterna"),
    ];
    for (pointer, value, campo) in cases {
        let mut variables = base.clone();
        match variables.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => variables["input"][pointer.trim_start_matches("/input/")] = value,
        }
        let body = sg.gql(&registrar_conversion(), variables).await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{body}");
    }
    let evento_cases: Vec<(&str, Value, &str)> = vec![
        ("/input/canal", json!("fax"), "canal"),
        (
            "/input/timestamp",
            json!("1990-01-01T00:00:00Z"),
            "timestamp",
        ),
        ("/input/timestamp", json!(futuro), "timestamp"),
        ("/input/afiliadoId", json!(""), "afiliadoId"),
        ("/input/campaniaId", json!("123"), "campaniaId"),
        (
            "/input/valor",
            json!({ "valor": "-1", "moneda": "USD" }),
            "valor",
        ),
    ];
    for (pointer, value, campo) in evento_cases {
        let mut variables = evento_input("CLICK", &a, &c);
        variables["input"][pointer.trim_start_matches("/input/")] = value;
        let body = sg.gql(REGISTRAR_EVENTO, variables).await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
    }
    // Unknown enum values never reach the domain: bad input on their field.
    let body = sg
        .gql(REGISTRAR_EVENTO, evento_input("VISITA", &a, &c))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "tipo", "{body}");
    let body = sg
        .gql(r#"{ conversion(id: "xyz") { id } }"#, json!({}))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let body = sg
        .gql(
            r#"{ metricasConversiones(periodo: "treinta") { clicks } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(
        body["errors"][0]["extensions"]["campo"], "periodo",
        "{body}"
    );
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM conversiones").await?,
        0
    );
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await?,
        0
    );
    assert!(outbox(&sg).await?.is_empty());
    sg.stop().await
}

async fn known_id_projections_refuse_unknown_ids_once_fed(backend: Backend) -> Result<()> {
    use sea_orm::TransactionTrait;
    use subgraph_kit::{events::EventEnvelope, messaging::EventHandler};
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    // Empty projection: format only.
    sg.data(REGISTRAR_EVENTO, evento_input("CLICK", &a, &c))
        .await?;
    let known = Uuid::new_v4();
    let handler = conversiones::application::consumers::ProyeccionIds::afiliados();
    let txn = sg.db.db.begin().await?;
    let event = EventEnvelope {
        id: Uuid::new_v4(),
        tipo: "AfiliadoRegistrado.v1".into(),
        agregado_id: known.to_string(),
        ocurrido_en: Utc::now(),
        datos: json!({}),
    };
    handler.handle(&txn, &event).await?;
    handler.handle(&txn, &event).await?;
    txn.commit().await?;
    let body = sg
        .gql(REGISTRAR_EVENTO, evento_input("CLICK", &a, &c))
        .await?;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["campo"], "afiliadoId");
    sg.data(
        REGISTRAR_EVENTO,
        evento_input("CLICK", &known.to_string(), &c),
    )
    .await?;
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await?,
        2
    );
    // `AfiliadoEliminado`: the partner is refused from then on, also when the deletion is
    // delivered before the registration.
    let tarde = Uuid::new_v4();
    let txn = sg.db.db.begin().await?;
    for (tipo, id) in [
        ("AfiliadoEliminado.v1", known),
        ("AfiliadoEliminado.v1", tarde),
        ("AfiliadoRegistrado.v1", tarde),
    ] {
        let event = EventEnvelope {
            id: Uuid::new_v4(),
            tipo: tipo.into(),
            agregado_id: id.to_string(),
            ocurrido_en: Utc::now(),
            datos: json!({}),
        };
        handler.handle(&txn, &event).await?;
    }
    txn.commit().await?;
    for id in [known, tarde] {
        let body = sg
            .gql(REGISTRAR_EVENTO, evento_input("CLICK", &id.to_string(), &c))
            .await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], "afiliadoId");
        let body = sg
            .gql(
                &registrar_conversion(),
                conversion_input(&id.to_string(), &c, "R-eliminado"),
            )
            .await?;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    }
    assert_eq!(
        count(&sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await?,
        2
    );
    sg.stop().await
}

async fn validar_and_rechazar_follow_the_rules_and_emit_their_events(
    backend: Backend,
) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    let query = registrar_conversion();
    let first = sg.data(&query, conversion_input(&a, &c, "R-1")).await?["registrarConversion"]
        ["conversion"]
        .clone();
    assert_eq!(first["estado"], "REGISTRADA");
    let id = first["id"].clone();
    let validar =
        "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { id estado } } }";
    let rechazar = "mutation($id: ID!, $m: String!) { rechazarConversion(input: {id: $id, motivo: $m}) { conversion { id estado motivoRechazo } } }";
    let data = sg.data(validar, json!({ "id": id })).await?;
    assert_eq!(
        data["validarConversion"]["conversion"]["estado"],
        "VALIDADA"
    );
    let body = sg.gql(validar, json!({ "id": id })).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    let body = sg.gql(rechazar, json!({ "id": id, "m": "Fraude" })).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));

    let second = sg.data(&query, conversion_input(&a, &c, "R-2")).await?["registrarConversion"]
        ["conversion"]["id"]
        .clone();
    let body = sg.gql(rechazar, json!({ "id": second, "m": "  " })).await?;
    assert_eq!(body["errors"][0]["extensions"]["campo"], "motivo");
    let data = sg
        .data(rechazar, json!({ "id": second, "m": "Venta cancelada" }))
        .await?;
    assert_eq!(
        data["rechazarConversion"]["conversion"],
        json!({ "id": second, "estado": "RECHAZADA", "motivoRechazo": "Venta cancelada" })
    );
    let body = sg.gql(validar, json!({ "id": second })).await?;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    let body = sg.gql(validar, json!({ "id": Uuid::new_v4() })).await?;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));

    let events = outbox(&sg).await?;
    let tipos: Vec<_> = events.iter().map(|e| (e.0.as_str(), e.1.clone())).collect();
    let (id, second) = (
        id.as_str().unwrap_or_default().to_owned(),
        second.as_str().unwrap_or_default().to_owned(),
    );
    assert_eq!(
        tipos,
        [
            ("ConversionRegistrada.v1", id.clone()),
            ("ConversionValidada.v1", id.clone()),
            ("ConversionRegistrada.v1", second.clone()),
            ("ConversionRechazada.v1", second.clone()),
        ]
    );
    // What pagos needs to compute the commission.
    let validada = &events[1].2;
    assert_eq!(validada["conversionId"], id.as_str());
    assert_eq!(validada["afiliadoId"], a.as_str());
    assert_eq!(validada["campaniaId"], c.as_str());
    assert_eq!(
        validada["valor"],
        json!({ "valor": "250000", "moneda": "COP" })
    );
    assert_eq!(validada["tipo"], "VENTA");
    assert_eq!(validada["canal"], "web");
    assert!(validada["fecha"].is_string());
    assert_eq!(events[3].2["motivo"], "Venta cancelada");
    assert_eq!(events[3].2["estadoAnterior"], "REGISTRADA");
    sg.stop().await
}

/// Hand-computed data: 30 days back, partner A has 10 web clicks, 4 email clicks and 20
/// web impressions; conversions web 250000 COP + 100000 COP + 0.25 USD, email 10.50 USD,
/// one rejected (ignored). Older data is outside the period.
async fn seed_metrics(sg: &TestSubgraph, a: &str, c: &str) -> Result<()> {
    let hace = |d: i64| (Utc::now() - Duration::days(d)).to_rfc3339();
    for i in 0..37 {
        let mut v = match i {
            0..10 => evento_input("CLICK", a, c),
            10..14 => {
                let mut v = evento_input("CLICK", a, c);
                v["input"]["canal"] = json!("EMAIL");
                v
            }
            14..34 => evento_input("IMPRESION", a, c),
            _ => evento_input("CLICK", a, c),
        };
        v["input"]["timestamp"] = json!(if i >= 34 { hace(40) } else { hace(1) });
        sg.data(REGISTRAR_EVENTO, v).await?;
    }
    let query = registrar_conversion();
    let conversion = |referencia: &str, valor: &str, moneda: &str, canal: &str, dias: i64| {
        let mut v = conversion_input(a, c, referencia);
        v["input"]["valor"] = json!({ "valor": valor, "moneda": moneda });
        v["input"]["canal"] = json!(canal);
        v["input"]["productos"] = json!([]);
        v["input"]["fecha"] = json!(hace(dias));
        v
    };
    for (r, valor, moneda, canal, dias) in [
        ("M1", "250000", "COP", "web", 2),
        ("M2", "100000", "COP", "web", 3),
        ("M3", "0.25", "USD", "web", 4),
        ("M4", "10.50", "USD", "email", 5),
        ("M5", "999", "COP", "web", 6),
        ("M6", "5000", "COP", "web", 45),
    ] {
        let data = sg
            .data(&query, conversion(r, valor, moneda, canal, dias))
            .await?;
        if r == "M5" {
            let id = data["registrarConversion"]["conversion"]["id"].clone();
            sg.data(
                "mutation($id: ID!) { rechazarConversion(input: {id: $id, motivo: \"Fraude\"}) { conversion { id } } }",
                json!({ "id": id }),
            )
            .await?;
        }
    }
    Ok(())
}

async fn metrics_are_aggregated_in_one_statement_and_exact(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    seed_metrics(&sg, &a, &c).await?;
    let query = r#"query($canal: String) { metricasConversiones(periodo: "30d", canal: $canal) {
        clicks impresiones conversiones tasaConversion valorTotal { valor moneda }
        porCanal { canal clicks impresiones conversiones tasaConversion valorTotal { valor moneda } } } }"#;
    sg.db.statements.reset();
    let data = sg.data(query, json!({})).await?;
    assert_eq!(sg.db.statements.get(), 1, "metrics are one SQL statement");
    assert_eq!(
        data["metricasConversiones"],
        json!({
            "clicks": 14, "impresiones": 20, "conversiones": 4, "tasaConversion": "28.57",
            "valorTotal": [{ "valor": "10.75", "moneda": "USD" }, { "valor": "350000", "moneda": "COP" }],
            "porCanal": [
                { "canal": "web", "clicks": 10, "impresiones": 20, "conversiones": 3, "tasaConversion": "30.00",
                  "valorTotal": [{ "valor": "0.25", "moneda": "USD" }, { "valor": "350000", "moneda": "COP" }] },
                { "canal": "email", "clicks": 4, "impresiones": 0, "conversiones": 1, "tasaConversion": "25.00",
                  "valorTotal": [{ "valor": "10.50", "moneda": "USD" }] }
            ]
        })
    );
    let data = sg.data(query, json!({ "canal": "email" })).await?;
    assert_eq!(data["metricasConversiones"]["clicks"], 4);
    assert_eq!(data["metricasConversiones"]["conversiones"], 1);
    assert_eq!(data["metricasConversiones"]["tasaConversion"], "25.00");
    let data = sg
        .data(
            r#"{ metricasConversiones(periodo: "90d") { clicks conversiones } }"#,
            json!({}),
        )
        .await?;
    assert_eq!(
        data["metricasConversiones"],
        json!({ "clicks": 17, "conversiones": 5 })
    );
    // The list and its filters.
    let data = sg
        .data(
            "query($a: ID!) { conversiones(filtro: {afiliadoId: $a, canal: \"web\", estado: REGISTRADA}, paginacion: {perPage: 2}) {
                items { referenciaExterna } paginacion { total pages hasNextPage } } }",
            json!({ "a": a }),
        )
        .await?;
    assert_eq!(
        data["conversiones"],
        json!({ "items": [{ "referenciaExterna": "M1" }, { "referenciaExterna": "M2" }],
                "paginacion": { "total": 4, "pages": 2, "hasNextPage": true } })
    );
    sg.stop().await
}

async fn entities_of_a_batch_load_in_at_most_two_statements(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    seed_metrics(&sg, &a, &c).await?;
    let mut representations = vec![json!({ "__typename": "Afiliado", "id": a })];
    for _ in 0..99 {
        representations.push(json!({ "__typename": "Afiliado", "id": Uuid::new_v4() }));
    }
    sg.db.statements.reset();
    let data = sg
        .data(
            r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Afiliado {
                id conversiones(limite: 2) { referenciaExterna } metricas(periodo: "30d") { clicks conversiones tasaConversion } } } }"#,
            json!({ "r": representations }),
        )
        .await?;
    let statements = sg.db.statements.get();
    assert!(
        (1..=2).contains(&statements),
        "{statements} statements for 100 representations"
    );
    let entities = data["_entities"].as_array().cloned().unwrap_or_default();
    assert_eq!(entities.len(), 100);
    assert_eq!(
        entities[0],
        json!({ "id": a, "conversiones": [{ "referenciaExterna": "M1" }, { "referenciaExterna": "M2" }],
                "metricas": { "clicks": 14, "conversiones": 4, "tasaConversion": "28.57" } })
    );
    assert_eq!(entities[1]["conversiones"], json!([]));
    assert_eq!(entities[1]["metricas"]["clicks"], 0);

    let data = sg
        .data(
            r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Campania { id conversiones { referenciaExterna } } } }"#,
            json!({ "r": [{ "__typename": "Campania", "id": c }] }),
        )
        .await?;
    assert_eq!(
        data["_entities"][0]["conversiones"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    let sdl = sg.data("{ _service { sdl } }", json!({})).await?;
    let sdl = sdl["_service"]["sdl"].as_str().unwrap_or_default();
    for key in ["Conversion", "Afiliado", "Campania"] {
        assert!(
            sdl.contains(&format!(r#"type {key} @key(fields: "id")"#)),
            "{sdl}"
        );
    }
    sg.stop().await
}

async fn demo_data_loads_through_the_domain(backend: Backend) -> Result<()> {
    use subgraph_kit::subgraph::Subgraph;
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let added = Conversiones.seed_demo(&sg.db.db).await?;
    assert_eq!(
        added,
        (conversiones::demo::DEMO_EVENTOS + conversiones::demo::DEMO_CONVERSIONES) as u64
    );
    assert_eq!(Conversiones.seed_demo(&sg.db.db).await?, 0);
    let events = outbox(&sg).await?;
    assert!(events.len() > conversiones::demo::DEMO_CONVERSIONES);
    assert!(events.iter().any(|e| e.0 == "ConversionValidada.v1"));
    sg.stop().await
}

async fn conversions_are_found_by_their_partner_reference(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (afiliado, campania) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    for referencia in ["ORD-1001", "ORD-1002", "web-77-ord"] {
        sg.data(
            &registrar_conversion(),
            conversion_input(&afiliado, &campania, referencia),
        )
        .await?;
    }
    let buscar = "query($q: String!) { buscarConversiones(q: $q) { relevancia conversion { referenciaExterna } } }";
    let found = |body: Value| -> Vec<(String, f64)> {
        body["buscarConversiones"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|r| {
                        (
                            r["conversion"]["referenciaExterna"]
                                .as_str()
                                .unwrap_or("")
                                .to_owned(),
                            r["relevancia"].as_f64().unwrap_or(-1.0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        found(sg.data(buscar, json!({ "q": "ord-1001" })).await?),
        [("ORD-1001".to_owned(), 1.0)]
    );
    let prefijo = found(sg.data(buscar, json!({ "q": "ORD" })).await?);
    assert_eq!(prefijo.len(), 3, "{prefijo:?}");
    assert_eq!(
        (prefijo[0].1, prefijo[1].1, prefijo[2].1),
        (0.8, 0.8, 0.4),
        "{prefijo:?}"
    );
    assert_eq!(prefijo[2].0, "web-77-ord");
    assert!(found(sg.data(buscar, json!({ "q": "nada" })).await?).is_empty());
    let vacio = sg.gql(buscar, json!({ "q": " " })).await?;
    assert_eq!(error_code(&vacio), Some("BAD_USER_INPUT"));
    sg.stop().await
}

async fn a_validated_conversion_is_reversed_only_by_an_admin(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = ids();
    let id = sg
        .data(&registrar_conversion(), conversion_input(&a, &c, "R-rev"))
        .await?["registrarConversion"]["conversion"]["id"]
        .clone();
    let revertir = "mutation($id: ID!, $m: String!) { revertirConversion(input: {id: $id, motivo: $m}) { conversion { id estado motivoRechazo } } }";
    // Only a VALIDADA conversion is reversed.
    let body = sg
        .gql(revertir, json!({ "id": id, "m": "Contracargo" }))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    sg.data(
        "mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { id } } }",
        json!({ "id": id }),
    )
    .await?;
    let antes = outbox(&sg).await?.len();
    // It moves money: `escritura` alone is not enough; a reason is required.
    let body = sg
        .gql_as(
            Some(&testkit::claims_de("operador", "lectura escritura")),
            revertir,
            json!({ "id": id, "m": "Contracargo" }),
        )
        .await?;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = sg.gql(revertir, json!({ "id": id, "m": " " })).await?;
    assert_eq!(body["errors"][0]["extensions"]["campo"], "motivo", "{body}");
    assert_eq!(outbox(&sg).await?.len(), antes, "nothing written");
    let data = sg
        .data(revertir, json!({ "id": id, "m": "Contracargo del banco" }))
        .await?;
    assert_eq!(
        data["revertirConversion"]["conversion"],
        json!({ "id": id, "estado": "RECHAZADA", "motivoRechazo": "Contracargo del banco" })
    );
    let body = sg
        .gql(revertir, json!({ "id": id, "m": "otra vez" }))
        .await?;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let eventos = outbox(&sg).await?;
    let (tipo, agregado, datos) = eventos.last().expect("an event").clone();
    assert_eq!(
        (tipo.as_str(), json!(agregado)),
        ("ConversionRechazada.v1", id)
    );
    assert_eq!(datos["estadoAnterior"], "VALIDADA");
    assert_eq!(datos["motivo"], "Contracargo del banco");
    assert_eq!(eventos.len(), antes + 1);
    sg.stop().await
}

on_both_backends!(
    conversions_are_found_by_their_partner_reference,
    two_hundred_concurrent_duplicates_are_one_conversion,
    bad_inputs_are_refused_with_their_field_and_store_nothing,
    known_id_projections_refuse_unknown_ids_once_fed,
    validar_and_rechazar_follow_the_rules_and_emit_their_events,
    a_validated_conversion_is_reversed_only_by_an_admin,
    metrics_are_aggregated_in_one_statement_and_exact,
    entities_of_a_batch_load_in_at_most_two_statements,
    demo_data_loads_through_the_domain,
);
