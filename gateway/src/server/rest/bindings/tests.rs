//! Tests of the parent module.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::super::CompiledRoute;
use super::*;
use crate::config::RestRoute;

#[test]
fn parameters_bind_typed_and_nested() {
    let route = CompiledRoute::compile(&RestRoute {
        path: "/x/{id}".into(),
        operation: Some("query X { __typename }".into()),
        variables: [
            ("id", "path.id"),
            ("paginacion.page", "query.page:int"),
            ("paginacion.perPage", "query.per_page:int"),
            ("filtro.montoMin", "query.monto_min:decimal"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..Default::default()
    })
    .expect("valid");
    let path = HashMap::from([("id".to_owned(), "abc".to_owned())]);
    let query = HashMap::from([
        ("page".to_owned(), "2".to_owned()),
        ("monto_min".to_owned(), "10.50".to_owned()),
    ]);
    let variables = route
        .variables(&path, &query, &HeaderMap::new(), None)
        .expect("bound");
    assert_eq!(
        Value::Object(variables),
        json!({ "id": "abc", "paginacion": { "page": 2 }, "filtro": { "montoMin": "10.50" } })
    );
    let bad = HashMap::from([("page".to_owned(), "dos".to_owned())]);
    assert!(
        route
            .variables(&path, &bad, &HeaderMap::new(), None)
            .is_err()
    );
    assert!(binding("x", "form.x").is_err());
    assert!(binding("x", "query.x:float").is_err());
}

#[test]
fn enum_aliases_and_defaults_bind() {
    let route = CompiledRoute::compile(&RestRoute {
        path: "/x".into(),
        operation: Some("query X { __typename }".into()),
        variables: [
            (
                "estado",
                "query.estado:enum(COMPLETED=EXITOSO,failed=fallido)",
            ),
            ("limite", "query.limit:int=5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..Default::default()
    })
    .expect("valid");
    let bind = |pairs: &[(&str, &str)]| {
        let query = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Value::Object(
            route
                .variables(&HashMap::new(), &query, &HeaderMap::new(), None)
                .expect("bound"),
        )
    };
    assert_eq!(bind(&[]), json!({ "limite": 5 }));
    assert_eq!(
        bind(&[("estado", "completed"), ("limit", "2")]),
        json!({ "estado": "EXITOSO", "limite": 2 })
    );
    assert_eq!(bind(&[("estado", "Failed")])["estado"], "FALLIDO");
    assert_eq!(bind(&[("estado", "exitoso")])["estado"], "EXITOSO");
    assert!(
        binding("x", "query.x:int(A=B)").is_err(),
        "aliases are for enums"
    );
    assert!(binding("x", "query.x:enum(A=B").is_err());
    assert!(binding("x", "query.x:enum(AB)").is_err());
}

#[test]
fn body_fields_bind_with_numbers_as_written() {
    let route = CompiledRoute::compile(&RestRoute {
        method: Some("post".into()),
        path: "/x".into(),
        operation: Some("mutation X { __typename }".into()),
        status: Some(201),
        variables: [
            ("input.nombre", "body.nombre"),
            ("input.monto", "body.pago.monto:decimal"),
            ("input.meta", "body.meta"),
            ("input.cuotas", "body.cuotas:int"),
            ("input.moneda", "body.moneda:enum=USD"),
            ("todo", "body"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..Default::default()
    })
    .expect("valid");
    assert_eq!(route.method, axum::http::Method::POST);
    assert_eq!(route.status, StatusCode::CREATED);
    let body = data::parse(
        br#"{"nombre":"Ana","pago":{"monto":1500.50},"meta":{"a":[1,2]},"cuotas":"3","moneda":null}"#,
    )
    .expect("json");
    let variables = route
        .variables(
            &HashMap::new(),
            &HashMap::new(),
            &HeaderMap::new(),
            Some(&body),
        )
        .expect("bound");
    assert_eq!(
        Value::Object(variables)["input"],
        json!({ "nombre": "Ana", "monto": "1500.50", "meta": { "a": [1, 2] }, "cuotas": 3,
            "moneda": "USD" })
    );
    let wrong = data::parse(br#"{"pago":{"monto":{"valor":1}}}"#).expect("json");
    assert!(
        route
            .variables(
                &HashMap::new(),
                &HashMap::new(),
                &HeaderMap::new(),
                Some(&wrong)
            )
            .is_err()
    );
    assert!(binding("x", "body.x:json").is_ok());
    assert!(
        binding("x", "query.x:json").is_err(),
        "only bodies carry JSON"
    );
}

fn compiled(variables: &[(&str, &str)]) -> CompiledRoute {
    CompiledRoute::compile(&RestRoute {
        method: Some("POST".into()),
        path: "/x".into(),
        operation: Some("mutation X { __typename }".into()),
        variables: variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Default::default()
    })
    .expect("valid")
}

#[test]
fn an_object_of_texts_binds_as_key_value_entries_in_order() {
    let route = compiled(&[("input.metadatos", "body.metadatos:entries(clave,valor)")]);
    let bind = |body: &[u8]| {
        let body = data::parse(body).expect("json");
        route
            .variables(
                &HashMap::new(),
                &HashMap::new(),
                &HeaderMap::new(),
                Some(&body),
            )
            .map(Value::Object)
    };
    assert_eq!(
        bind(br#"{"metadatos":{"utm_source":"google","utm_medium":"cpc","version":1.0}}"#)
            .expect("bound"),
        json!({ "input": { "metadatos": [
            { "clave": "utm_source", "valor": "google" },
            { "clave": "utm_medium", "valor": "cpc" },
            { "clave": "version", "valor": "1.0" }] } })
    );
    assert_eq!(
        bind(br#"{"metadatos":{}}"#).expect("bound"),
        json!({ "input": { "metadatos": [] } })
    );
    assert_eq!(
        bind(br#"{}"#).expect("bound"),
        json!({}),
        "absent: not bound"
    );
    for wrong in [
        &br#"{"metadatos":"google"}"#[..],
        br#"{"metadatos":["a"]}"#,
        br#"{"metadatos":{"a":{"b":"c"}}}"#,
    ] {
        let bad = bind(wrong).expect_err("refused");
        assert_eq!(bad.name, "metadatos");
        assert!(bad.message.contains("metadatos"), "{}", bad.message);
    }
    for spec in [
        "body.m:entries",
        "body.m:entries(clave)",
        "body.m:entries(a,a)",
        "query.m:entries(clave,valor)",
    ] {
        assert!(binding("m", spec).is_err(), "{spec}");
    }
}

#[test]
fn a_period_back_from_now_binds_as_the_instant_it_starts() {
    let route = compiled(&[
        ("desde", "query.fecha_desde | query.periodo:ago(90d)"),
        ("dia", "query.dia:ago(2w,date)"),
    ]);
    let bind = |pairs: &[(&str, &str)]| {
        let query = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        route.variables(&HashMap::new(), &query, &HeaderMap::new(), None)
    };
    let antes = Utc::now() - Duration::days(30);
    let desde = bind(&[("periodo", "30d")]).expect("bound")["desde"].clone();
    let desde =
        chrono::DateTime::parse_from_rfc3339(desde.as_str().expect("text")).expect("a date-time");
    let despues = Utc::now() - Duration::days(30);
    assert!(
        desde >= antes - Duration::seconds(1) && desde <= despues,
        "{desde}"
    );
    assert_eq!(
        bind(&[("dia", "1w")]).expect("bound")["dia"],
        (Utc::now() - Duration::weeks(1))
            .format("%Y-%m-%d")
            .to_string()
    );
    // The first alternative given wins; every value given is still checked.
    assert_eq!(
        bind(&[("fecha_desde", "2026-01-01T00:00:00Z"), ("periodo", "7d")]).expect("bound")["desde"],
        "2026-01-01T00:00:00Z"
    );
    for (name, value) in [
        ("periodo", "91d"),
        ("periodo", "0d"),
        ("periodo", "30"),
        ("periodo", "30m"),
        ("periodo", "+3d"),
        ("periodo", "treinta"),
        ("dia", "15d"),
    ] {
        let bad = bind(&[(name, value)]).expect_err(value);
        assert_eq!(bad.name, name);
        assert!(bad.message.contains("period"), "{}", bad.message);
    }
    assert!(binding("x", "query.x:ago(forever)").is_err());
    assert!(
        super::bindings("x", "query.a:int=1 | query.b").is_err(),
        "only the last alternative has a default"
    );
    assert_eq!(period_seconds("2W"), Some(1_209_600));
    // A bound beyond the calendar refuses what the calendar cannot hold, no panic.
    let lejos = compiled(&[("desde", "query.periodo:ago(100000000000w)")]);
    let query = HashMap::from([("periodo".to_owned(), "99999999999w".to_owned())]);
    assert!(
        lejos
            .variables(&HashMap::new(), &query, &HeaderMap::new(), None)
            .is_err()
    );
    assert_eq!(period_seconds("9223372036854775807d"), None);
}
