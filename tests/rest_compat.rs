//! Every endpoint of the seeds' REST documents, called on the real binary in its documented
//! shape: the table is the seeds' list (document, method, path), each row with the request
//! the documents show (our demo's ids in place of theirs) and what its answer must hold.

mod support;

use std::{collections::HashMap, time::Duration};

use serde_json::{Value, json};
use support::{launch, login, stop};

/// One documented endpoint and one call of it.
struct Case {
    /// Where the seeds document it.
    seed: &'static str,
    method: &'static str,
    /// With `{name}` filled from earlier answers.
    path: &'static str,
    body: Option<Value>,
    status: u16,
    /// JSON pointers that must hold a value, and values some must equal (`{name}` filled).
    present: &'static [&'static str],
    equals: &'static [(&'static str, &'static str)],
    /// Values kept for later rows: name ← pointer.
    keep: &'static [(&'static str, &'static str)],
}

/// The answer: status, content type and body (JSON, or the text as a JSON string).
async fn call(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, String, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = http
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, value)
}

fn fill(text: &str, kept: &HashMap<String, String>) -> String {
    kept.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

fn fill_json(value: &Value, kept: &HashMap<String, String>) -> Value {
    match value {
        Value::String(text) => Value::String(fill(text, kept)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, kept)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, kept)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The seeds' endpoints in their documents' order.
fn cases() -> Vec<Case> {
    vec![
        Case {
            seed: "000 Módulo Cliente",
            method: "POST",
            path: "/cliente/registrar",
            body: Some(
                json!({ "nombre": "Juan Pérez", "email": "juan.{unico}@example.com",
                "cedula": "12345678", "fecha_nacimiento": "1985-03-15T00:00:00" }),
            ),
            status: 201,
            present: &["/id"],
            equals: &[
                ("/nombre", "Juan Pérez"),
                ("/fecha_nacimiento", "1985-03-15"),
                ("/cedula", "12345678"),
            ],
            keep: &[("cliente", "/id")],
        },
        Case {
            seed: "000 Módulo Cliente (email repetido)",
            method: "POST",
            path: "/cliente/registrar",
            body: Some(
                json!({ "nombre": "Otro", "email": "juan.{unico}@example.com",
                "cedula": "87654321", "fecha_nacimiento": "1990-01-01T00:00:00" }),
            ),
            status: 409,
            present: &["/error"],
            equals: &[("/code", "CONFLICT")],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Cliente",
            method: "GET",
            path: "/cliente/{cliente}",
            body: None,
            status: 200,
            present: &["/fecha_registro", "/total_pagos"],
            equals: &[("/id", "{cliente}"), ("/email", "juan.{unico}@example.com")],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Cliente (404)",
            method: "GET",
            path: "/cliente/00000000-0000-4000-8000-000000000000",
            body: None,
            status: 404,
            present: &["/error"],
            equals: &[("/code", "NOT_FOUND")],
            keep: &[],
        },
        Case {
            seed: "000 BFF POST /api/v1/clientes",
            method: "POST",
            path: "/api/v1/clientes",
            body: Some(
                json!({ "nombre": "María González", "email": "maria.{unico}@example.com",
                "cedula": "87654321", "fecha_nacimiento": "1990-05-20" }),
            ),
            status: 201,
            present: &["/id", "/fecha_registro"],
            equals: &[("/fecha_nacimiento", "1990-05-20")],
            keep: &[],
        },
        Case {
            seed: "000 BFF POST /api/v1/clientes (400)",
            method: "POST",
            path: "/api/v1/clientes",
            body: Some(json!({ "nombre": "Sin correo", "email": "no-es-un-correo",
                "cedula": "1", "fecha_nacimiento": "1990-05-20" })),
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT"), ("/campo", "email")],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Pagos (400)",
            method: "POST",
            path: "/pagos/pagar",
            body: Some(
                json!({ "partner_id": "PARTNER001", "cycle_id": "CYCLE-2024-09",
                "total_amount": 1250.50, "currency": "USD", "payment_method_type": "CREDIT_CARD",
                "payment_method_mask": "****1234", "confirmation_id": "CONF-789456123" }),
            ),
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas POST /campaigns/",
            method: "POST",
            path: "/campaigns/",
            body: Some(
                json!({ "cliente_id": "{cliente}", "nombre": "Campaña Black Friday {unico}",
                "descripcion": "Promoción especial de Black Friday",
                "fecha_inicio": "2030-11-24T00:00:00Z", "fecha_fin": "2030-11-27T23:59:59Z",
                "presupuesto": 500000.0, "moneda": "COP", "tipo_campana": "promocional",
                "canales": ["web", "email", "social"],
                "segmentacion": { "edad_minima": 18, "edad_maxima": 65, "ubicaciones": ["Bogotá", "Medellín"] },
                "configuracion_comisiones": { "comision_conversion": 15.0, "comision_venta": 8.0, "bonus_objetivos": 25.0 } }),
            ),
            status: 201,
            present: &["/id"],
            equals: &[
                ("/estado", "CREADA"),
                ("/tipo_campana", "PROMOCIONAL"),
                ("/cliente_id", "{cliente}"),
            ],
            keep: &[("campania", "/id")],
        },
        Case {
            seed: "003 Servicio Marketing POST /api/v1/campanas",
            method: "POST",
            path: "/api/v1/campanas",
            body: Some(
                json!({ "cliente_id": "{cliente}", "nombre": "Campaña Navidad {unico}",
                "descripcion": "Temporada", "fecha_inicio": "2030-12-01T00:00:00Z",
                "fecha_fin": "2030-12-31T23:59:59Z", "presupuesto": 100000, "moneda": "COP",
                "tipo_campana": "estacional", "canales": ["web"],
                "configuracion_comisiones": { "comision_conversion": 10, "comision_venta": 5 } }),
            ),
            status: 201,
            present: &["/id"],
            equals: &[("/tipo_campana", "ESTACIONAL")],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Campanias (400: the old mock body lacks a real campaign's data)",
            method: "POST",
            path: "/campanias/comandos/crear",
            body: Some(json!({ "idCampania": "CAMP001", "idCliente": "{cliente}",
                "itinerario": ["Madrid", "Barcelona", "Valencia"] })),
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT")],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Campanias",
            method: "GET",
            path: "/campanias/{campania}",
            body: None,
            status: 200,
            present: &["/nombre"],
            equals: &[("/id", "{campania}"), ("/cliente_id", "{cliente}")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas PATCH activate",
            method: "PATCH",
            path: "/campaigns/{campania}/activate",
            body: Some(json!({})),
            status: 200,
            present: &["/version"],
            equals: &[("/estado", "ACTIVA")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas PATCH budget",
            method: "PATCH",
            path: "/campaigns/{campania}/budget",
            body: Some(json!({ "presupuesto": 750000, "moneda": "COP" })),
            status: 200,
            present: &["/version"],
            equals: &[("/presupuesto", "750000")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas GET /campaigns/{id}",
            method: "GET",
            path: "/campaigns/{campania}",
            body: None,
            status: 200,
            present: &["/fecha_inicio"],
            equals: &[("/estado", "ACTIVA"), ("/presupuesto", "750000")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas GET /campaigns/",
            method: "GET",
            path: "/campaigns/?estado=ACTIVE&per_page=5",
            body: None,
            status: 200,
            present: &["/data/0/id", "/pagination/total"],
            equals: &[("/data/0/estado", "ACTIVA")],
            keep: &[],
        },
        Case {
            seed: "002 API de Campañas GET metrics",
            method: "GET",
            path: "/campaigns/{campania}/metrics",
            body: None,
            status: 200,
            present: &["/metricas/clicks", "/metricas/tasaConversion"],
            equals: &[("/campania_id", "{campania}")],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes GET version",
            method: "GET",
            path: "/api/reports/version",
            body: None,
            status: 200,
            present: &["/version"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes PUT version",
            method: "PUT",
            path: "/api/reports/version",
            body: Some(json!({ "version": "v2" })),
            status: 200,
            present: &[],
            equals: &[("/version", "V2")],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes GET payments (v2)",
            method: "GET",
            path: "/api/reports/payments?estado=COMPLETED",
            body: None,
            status: 200,
            present: &["/totalPagos", "/porEstado", "/ticketPromedio"],
            equals: &[("/version", "V2")],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes PUT version",
            method: "PUT",
            path: "/api/reports/version",
            body: Some(json!({ "version": "V1" })),
            status: 200,
            present: &[],
            equals: &[("/version", "V1")],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes GET payments (v1)",
            method: "GET",
            path: "/api/reports/payments",
            body: None,
            status: 200,
            present: &["/totalPagos", "/totalMonto"],
            equals: &[("/version", "V1")],
            keep: &[],
        },
        Case {
            seed: "002 API de Reportes GET health",
            method: "GET",
            path: "/api/reports/health",
            body: None,
            status: 200,
            present: &["/version"],
            equals: &[("/status", "healthy")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Afiliados POST",
            method: "POST",
            path: "/api/v1/afiliados",
            body: Some(
                json!({ "nombre": "María González", "email": "maria.gonzalez.{unico}@email.com",
                "telefono": "+57 300 123 4567", "documento": { "tipo": "cedula", "numero": "1234567890" },
                "tipo_afiliado": "premium",
                "datos_bancarios": { "banco": "Banco Nacional", "tipo_cuenta": "ahorros", "numero_cuenta": "1234567890" },
                "configuracion_comisiones": { "comision_base": 15.0, "comision_premium": 20.0, "minimo_pago": 50000.0 } }),
            ),
            status: 201,
            present: &["/afiliado_id", "/fecha_registro"],
            equals: &[("/estado", "ACTIVO"), ("/tipo_afiliado", "PREMIUM")],
            keep: &[("afiliado", "/afiliado_id")],
        },
        Case {
            seed: "003 Servicio Afiliados GET list",
            method: "GET",
            path: "/api/v1/afiliados?per_page=3",
            body: None,
            status: 200,
            present: &["/data/0/afiliado_id", "/pagination/has_prev"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Afiliados PUT",
            method: "PUT",
            path: "/api/v1/afiliados/{afiliado}",
            body: Some(json!({ "telefono": "+57 300 999 8888",
                "configuracion_comisiones": { "comision_base": 18.0, "comision_premium": 25.0, "minimo_pago": 75000.0 } })),
            status: 200,
            present: &["/fecha_actualizacion"],
            equals: &[
                ("/telefono", "+57 300 999 8888"),
                ("/configuracion_comisiones/comisionBase", "18"),
            ],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Afiliados GET one",
            method: "GET",
            path: "/api/v1/afiliados/{afiliado}",
            body: None,
            status: 200,
            present: &["/metricas", "/documento/numero"],
            equals: &[
                ("/afiliado_id", "{afiliado}"),
                ("/telefono", "+57 300 999 8888"),
            ],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Conversiones POST",
            method: "POST",
            path: "/api/v1/conversiones",
            body: Some(
                json!({ "afiliado_id": "{demo_afiliado}", "campana_id": "{demo_campania}",
                "tipo_conversion": "venta", "valor_conversion": "{valor}", "moneda": "{moneda}",
                "canal_origen": "web", "referencia_externa": "rest-{unico}",
                "datos_cliente": { "email": "cliente@email.com", "ubicacion": "Bogotá", "dispositivo": "desktop" },
                "productos": [{ "id": "PROD001", "nombre": "Laptop Gaming", "categoria": "Tecnología",
                    "precio": 250000.0, "cantidad": 1 }],
                "metadatos": { "utm_source": "google", "utm_campaign": "black_friday", "utm_medium": "cpc" } }),
            ),
            status: 201,
            present: &["/conversion_id", "/fecha_conversion"],
            equals: &[
                ("/estado", "REGISTRADA"),
                ("/afiliado_id", "{demo_afiliado}"),
                ("/campana_id", "{demo_campania}"),
            ],
            keep: &[("conversion", "/conversion_id")],
        },
        Case {
            seed: "003 Servicio Conversiones GET list",
            method: "GET",
            path: "/api/v1/conversiones?afiliado_id={demo_afiliado}&campana_id={demo_campania}",
            body: None,
            status: 200,
            present: &["/data/0/conversion_id", "/pagination/total"],
            equals: &[("/data/0/afiliado_id", "{demo_afiliado}")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Conversiones GET metricas",
            method: "GET",
            path: "/api/v1/conversiones/metricas?periodo=30d&canal=web",
            body: None,
            status: 200,
            present: &["/clicks", "/conversiones", "/tasaConversion", "/porCanal"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "002 Event Collector POST events",
            method: "POST",
            path: "/event-collector/events",
            body: Some(
                json!({ "tipo_evento": "click", "afiliado_id": "{demo_afiliado}",
                "campania_id": "{demo_campania}", "fuente": "web_tag" }),
            ),
            status: 202,
            present: &["/evento_id", "/recibido_en"],
            equals: &[("/tipo", "CLICK")],
            keep: &[],
        },
        Case {
            seed: "002 Event Collector POST events (metadatos as the seeds' object)",
            method: "POST",
            path: "/event-collector/events",
            body: Some(
                json!({ "tipo_evento": "click", "afiliado_id": "{demo_afiliado}",
                "campania_id": "{demo_campania}", "fuente": "web_tag",
                "metadatos": { "utm_source": "google", "utm_campaign": "black_friday", "utm_medium": "cpc" } }),
            ),
            status: 202,
            present: &["/evento_id"],
            equals: &[("/tipo", "CLICK")],
            keep: &[],
        },
        Case {
            seed: "002 Event Collector POST events (400: metadatos not an object)",
            method: "POST",
            path: "/event-collector/events",
            body: Some(
                json!({ "tipo_evento": "click", "afiliado_id": "{demo_afiliado}",
                "campania_id": "{demo_campania}", "fuente": "web_tag", "metadatos": "utm_source=google" }),
            ),
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT"), ("/campo", "metadatos")],
            keep: &[],
        },
        Case {
            seed: "002 Event Collector GET health",
            method: "GET",
            path: "/event-collector/health",
            body: None,
            status: 200,
            present: &["/eventos/clicks"],
            equals: &[("/status", "healthy")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing GET /api/v1/comisiones",
            method: "GET",
            path: "/api/v1/comisiones?afiliado_id={demo_afiliado}&estado=calculada",
            body: None,
            status: 200,
            present: &[
                "/data/0/comision_id",
                "/data/0/monto/valor",
                "/pagination/total",
            ],
            equals: &[
                ("/data/0/estado", "CALCULADA"),
                ("/data/0/afiliado_id", "{demo_afiliado}"),
            ],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing POST aprobar",
            method: "POST",
            path: "/api/v1/comisiones/{comision}/aprobar",
            body: Some(json!({ "comentarios": "Comisión aprobada automáticamente",
                "metadatos_aprobacion": { "nivel_aprobacion": "automatico", "politica_aplicada": "estandar" } })),
            status: 200,
            present: &["/monto/valor", "/fecha_aprobacion"],
            equals: &[("/estado", "APROBADA"), ("/comision_id", "{comision}")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing Caso 3 GET /api/v1/comisiones?estado=aprobada&periodo=30d",
            method: "GET",
            path: "/api/v1/comisiones?estado=aprobada&periodo=30d&afiliado_id={demo_afiliado}",
            body: None,
            status: 200,
            present: &["/data/0/comision_id", "/pagination/total"],
            equals: &[("/data/0/estado", "APROBADA")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing GET /api/v1/comisiones (400: periodo)",
            method: "GET",
            path: "/api/v1/comisiones?periodo=treinta",
            body: None,
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT"), ("/campo", "periodo")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing GET /api/v1/comisiones (400: periodo beyond a year)",
            method: "GET",
            path: "/api/v1/comisiones?periodo=400d",
            body: None,
            status: 400,
            present: &["/error"],
            equals: &[("/code", "BAD_USER_INPUT"), ("/campo", "periodo")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing GET reportes?periodo=30d&formato=json",
            method: "GET",
            path: "/api/v1/comisiones/reportes?periodo=30d&formato=json",
            body: None,
            status: 200,
            present: &["/0/id"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing POST /api/v1/comisiones",
            method: "POST",
            path: "/api/v1/comisiones",
            body: Some(
                json!({ "afiliado_id": "{demo_afiliado}", "campana_id": "{demo_campania}",
                "conversion_id": "{conversion_manual}", "monto_base": { "valor": 250000.0, "moneda": "COP" },
                "tipo_comision": "porcentual", "porcentaje": 15.0,
                "descuentos": { "valor": 12000, "moneda": "COP" },
                "configuracion": { "aplicar_descuentos": true, "incluir_iva": false } }),
            ),
            status: 201,
            present: &["/comision_id", "/fecha_creacion"],
            // (250000 − 12000) / 1.19 = 200000 without VAT; 15 % of it.
            equals: &[
                ("/estado", "CALCULADA"),
                ("/monto/valor", "30000"),
                ("/conversion_id", "{conversion_manual}"),
            ],
            keep: &[("comision_manual", "/comision_id")],
        },
        Case {
            seed: "003 Servicio Marketing POST calcular",
            method: "POST",
            path: "/api/v1/comisiones/{comision_manual}/calcular",
            body: Some(json!({ "forzar_recalculo": true })),
            status: 200,
            present: &["/fecha_calculo"],
            equals: &[("/estado", "CALCULADA"), ("/monto/valor", "30000")],
            keep: &[],
        },
        Case {
            seed: "003 Servicio Marketing GET reportes (json)",
            method: "GET",
            path: "/api/v1/comisiones/reportes?afiliado_id={demo_afiliado}&formato=json",
            body: None,
            status: 200,
            present: &["/0/id"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Pagos POST /pagos/pagar",
            method: "POST",
            path: "/pagos/pagar",
            body: Some(
                json!({ "partner_id": "{demo_afiliado}", "cycle_id": "CYCLE-{unico}",
                "total_amount": 1250.50, "currency": "{moneda}", "payment_method_type": "CREDIT_CARD",
                "payment_method_mask": "****1234", "confirmation_id": "CONF-{unico}" }),
            ),
            status: 202,
            present: &["/id"],
            equals: &[("/estado", "PENDIENTE")],
            keep: &[("pago", "/id")],
        },
        Case {
            seed: "002 API de Pagos POST /pagos/ (the same key: the same payout)",
            method: "POST",
            path: "/pagos/",
            body: Some(
                json!({ "partner_id": "{demo_afiliado}", "cycle_id": "CYCLE-{unico}",
                "currency": "{moneda}", "payment_method_type": "CREDIT_CARD",
                "payment_method_mask": "****1234", "confirmation_id": "CONF-{unico}" }),
            ),
            status: 202,
            present: &[],
            equals: &[("/id", "{pago}")],
            keep: &[],
        },
        Case {
            seed: "002 API de Pagos GET /pagos/outbox/estadisticas",
            method: "GET",
            path: "/pagos/outbox/estadisticas",
            body: None,
            status: 200,
            present: &[
                "/status",
                "/outbox/backlog",
                "/bus/groups/0/pending",
                "/inbox",
            ],
            equals: &[("/bus/kind", "in-process")],
            keep: &[],
        },
        Case {
            seed: "000 BFF GET /api/v1/health",
            method: "GET",
            path: "/api/v1/health",
            body: None,
            status: 200,
            present: &[
                "/timestamp",
                "/services/pagos_service/status",
                "/services/campanias_service/response_time_ms",
                "/cache/hit_rate",
            ],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "000 BFF GET /api/v1/metrics",
            method: "GET",
            path: "/api/v1/metrics",
            body: None,
            status: 200,
            present: &["/count", "/errors", "/p50", "/p95", "/p99", "/operations"],
            equals: &[],
            keep: &[],
        },
        Case {
            seed: "000 Módulo Pagos GET /pagos/{id}",
            method: "GET",
            path: "/pagos/{pago}",
            body: None,
            status: 200,
            present: &["/monto_total/valor", "/fecha_creacion"],
            equals: &[
                ("/id", "{pago}"),
                ("/partner_id", "{demo_afiliado}"),
                ("/cycle_id", "CYCLE-{unico}"),
            ],
            keep: &[],
        },
    ]
}

#[tokio::test]
async fn every_seed_endpoint_answers_in_its_documented_shape() {
    let data_dir = std::env::temp_dir().join(format!("alpes-rest-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let http = reqwest::Client::new();
    let launched = launch(&data_dir);
    let gateway = launched.urls[0].clone();
    let base = gateway.trim_end_matches("/graphql").to_owned();
    let token = login(&http, &gateway, "admin").await;

    // A demo partner and an active campaign, and an amount above the partner's minimum.
    let demo: Value = http
        .post(&gateway)
        .bearer_auth(&token)
        .json(&json!({ "query": "{ afiliados(filtro: {estado: ACTIVO}, paginacion: {perPage: 1}) { items { id configuracionComisiones { minimoPago { valor moneda } } } }
            campanias(filtro: {estado: ACTIVA}, paginacion: {perPage: 1}) { items { id } } }" }))
        .send()
        .await
        .expect("demo")
        .json()
        .await
        .expect("json");
    let afiliado = &demo["data"]["afiliados"]["items"][0];
    let minimo = &afiliado["configuracionComisiones"]["minimoPago"];
    let valor = minimo["valor"]
        .as_str()
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse::<u64>().ok())
        .map(|v| (v + 1) * 1000)
        .expect("minimum");
    let mut kept: HashMap<String, String> = HashMap::from([
        ("unico".to_owned(), std::process::id().to_string()),
        ("demo_afiliado".to_owned(), text_of(&afiliado["id"])),
        (
            "demo_campania".to_owned(),
            text_of(&demo["data"]["campanias"]["items"][0]["id"]),
        ),
        ("moneda".to_owned(), text_of(&minimo["moneda"])),
        ("valor".to_owned(), valor.to_string()),
        (
            "conversion_manual".to_owned(),
            format!("00000000-0000-4000-8000-{:012}", std::process::id()),
        ),
    ]);

    let mut recorded = Vec::new();
    for case in cases() {
        if case.path.starts_with("/api/v1/comisiones?") && !kept.contains_key("comision") {
            // The conversion registered above, validated: its commission follows through
            // the bus.
            let comision = commission_of(&http, &gateway, &token, &kept["conversion"]).await;
            kept.insert("comision".to_owned(), comision);
        }
        let path = fill(case.path, &kept);
        let body = case.body.as_ref().map(|b| fill_json(b, &kept));
        let mut answer = call(&http, &base, &token, case.method, &path, body.as_ref()).await;
        // Right after start conversiones may not know the demo's partners yet: retried,
        // with a deadline.
        for _ in 0..240 {
            if !(case.path == "/api/v1/conversiones" && answer.0 == 400) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            answer = call(&http, &base, &token, case.method, &path, body.as_ref()).await;
        }
        let (status, content_type, value) = answer;
        recorded
            .push(json!({ "method": case.method, "path": path, "status": status, "body": value }));
        let at = format!("{} {} {path} ({})", case.seed, case.method, case.status);
        assert_eq!(status, case.status, "{at}: {value}");
        for pointer in case.present {
            let found = value.pointer(pointer);
            assert!(
                found.is_some_and(|v| !v.is_null()),
                "{at}: {pointer} missing in {value}"
            );
        }
        for (pointer, expected) in case.equals {
            let found = value.pointer(pointer).map(text_of);
            assert_eq!(
                found.as_deref(),
                Some(fill(expected, &kept).as_str()),
                "{at}: {pointer} in {value}"
            );
        }
        for (name, pointer) in case.keep {
            let found = value
                .pointer(pointer)
                .map(text_of)
                .unwrap_or_else(|| panic!("{at}: nothing at {pointer} in {value}"));
            kept.insert((*name).to_owned(), found);
        }
        if status < 300 && status != 204 {
            assert!(
                content_type.starts_with("application/json"),
                "{at}: {content_type}"
            );
        }
    }

    // The seeds' `metadatos` object reached the conversion as its list of entries.
    let registrada: Value = http
        .post(&gateway)
        .bearer_auth(&token)
        .json(&json!({ "query": "query($id: ID!) { conversion(id: $id) { metadatos { clave valor } } }",
            "variables": { "id": kept["conversion"] } }))
        .send()
        .await
        .expect("conversion")
        .json()
        .await
        .expect("json");
    let mut metadatos: Vec<(String, String)> = registrada["data"]["conversion"]["metadatos"]
        .as_array()
        .unwrap_or_else(|| panic!("metadatos in {registrada}"))
        .iter()
        .map(|m| (text_of(&m["clave"]), text_of(&m["valor"])))
        .collect();
    metadatos.sort();
    assert_eq!(
        metadatos,
        [
            ("utm_campaign".to_owned(), "black_friday".to_owned()),
            ("utm_medium".to_owned(), "cpc".to_owned()),
            ("utm_source".to_owned(), "google".to_owned()),
        ],
        "{registrada}"
    );

    // `periodo` is a window back from now: the last hour holds the commission made above,
    // and only commissions made in it.
    let desde = chrono::Utc::now() - chrono::Duration::hours(1) - chrono::Duration::seconds(5);
    let (status, _, hora) = call(
        &http,
        &base,
        &token,
        "GET",
        &fill(
            "/api/v1/comisiones?afiliado_id={demo_afiliado}&periodo=1h&per_page=100",
            &kept,
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{hora}");
    let items = hora["data"].as_array().expect("data");
    assert!(
        items
            .iter()
            .any(|c| text_of(&c["comision_id"]) == kept["comision"]),
        "{hora}"
    );
    for item in items {
        let creada = chrono::DateTime::parse_from_rfc3339(&text_of(&item["fecha_creacion"]))
            .expect("fecha_creacion");
        assert!(creada >= desde, "{item} is older than the last hour");
    }

    // The commission report in CSV, as text.
    let (status, content_type, csv) = call(
        &http,
        &base,
        &token,
        "GET",
        &fill(
            "/api/v1/comisiones/reportes?afiliado_id={demo_afiliado}&formato=csv",
            &kept,
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{csv}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(
        csv.as_str()
            .is_some_and(|text| text.contains(&kept["comision"])),
        "{csv}"
    );

    // The OpenAPI document: valid OpenAPI 3.1, and every answer above matches it.
    let (status, content_type, spec) = call(&http, &base, &token, "GET", "/spec", None).await;
    assert_eq!(status, 200, "{spec}");
    assert!(content_type.starts_with("application/json"));
    let spec_file = data_dir.join("spec.json");
    let answers_file = data_dir.join("answers.json");
    std::fs::write(&spec_file, spec.to_string()).expect("write spec");
    std::fs::write(&answers_file, Value::Array(recorded).to_string()).expect("write answers");
    let check = std::process::Command::new(python("python"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/openapi_check.py"
        ))
        .args([&spec_file, &answers_file])
        .output()
        .expect("the OpenAPI check needs Python with openapi-spec-validator (.ci/run installs it)");
    let report = String::from_utf8_lossy(&check.stdout);
    println!("{report}{}", String::from_utf8_lossy(&check.stderr));
    assert!(check.status.success(), "OpenAPI check failed:\n{report}");
    let (status, content_type, page) = call(&http, &base, &token, "GET", "/docs", None).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.as_str().is_some_and(|p| p.contains("/docs/docs.js")));

    // Schemathesis against the live routes: generated requests from the document, a
    // bounded number per operation; no server error, every answer as declared.
    let report = std::process::Command::new(python("schemathesis"))
        .args(["run", spec_file.to_str().expect("utf-8 path")])
        .args(["--url", &base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args([
            "--max-examples",
            "8",
            "--seed",
            "7",
            "--request-timeout",
            "30",
        ])
        .args(["--suppress-health-check", "all", "--no-color"])
        .args(["--generation-database", "none"])
        .current_dir(&data_dir)
        .output()
        .expect("schemathesis runs (.ci/run installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&report.stdout),
        String::from_utf8_lossy(&report.stderr)
    );
    println!("{text}");
    assert!(
        report.status.success(),
        "schemathesis found problems:\n{text}"
    );

    stop(launched);
    std::fs::remove_dir_all(&data_dir).ok();
}

/// A program of the Python environment `.ci/run` prepares (`ALPES_PYTHON_BIN`, default
/// `/opt/alpes-py/bin`).
fn python(program: &str) -> std::path::PathBuf {
    let bin = std::env::var("ALPES_PYTHON_BIN").unwrap_or_else(|_| "/opt/alpes-py/bin".to_owned());
    std::path::Path::new(&bin).join(program)
}

/// Validates a conversion and waits for its commission to be calculated; its id.
async fn commission_of(
    http: &reqwest::Client,
    gateway: &str,
    token: &str,
    conversion: &str,
) -> String {
    let ask = |query: &'static str| {
        http.post(gateway)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": { "id": conversion } }))
            .send()
    };
    let validated: Value =
        ask("mutation($id: ID!) { validarConversion(input: {id: $id}) { conversion { estado } } }")
            .await
            .expect("validate")
            .json()
            .await
            .expect("json");
    assert_eq!(
        validated["data"]["validarConversion"]["conversion"]["estado"], "VALIDADA",
        "{validated}"
    );
    for _ in 0..240 {
        let answer: Value =
            ask("query($id: ID!) { conversion(id: $id) { comision { id estado } } }")
                .await
                .expect("commission")
                .json()
                .await
                .expect("json");
        let comision = &answer["data"]["conversion"]["comision"];
        if comision["estado"] == "CALCULADA" {
            return text_of(&comision["id"]);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the commission of {conversion} was never calculated");
}
