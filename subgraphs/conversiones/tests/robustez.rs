//! No input crashes the subgraph: text that once panicked is a field error, a panic in
//! a resolver is that field's error (HTTP 200, never a 500 the gateway's circuit breaker
//! would count), input that cannot be coerced is `BAD_USER_INPUT` on its field without
//! echoing it, and every amount has the same limits. On SQLite and on PostgreSQL.

mod common;

use std::sync::Arc;

use anyhow::Result;
use async_trait::async_trait;
use axum::Router;
use common::*;
use conversiones::{
    Conversiones,
    domain::{DecisionLimite, LimitadorTasa},
    graphql,
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use subgraph_kit::{DomainError, db::DbSetupError, live::LiveEvents, subgraph::Subgraph};
use testkit::{Backend, TestSubgraph, error_code, on_both_backends};
use uuid::Uuid;

/// A limiter with a bug: it panics on every event, as a resolver would on a bad slice.
struct LimitadorRoto;

#[async_trait]
impl LimitadorTasa for LimitadorRoto {
    async fn consumir(&self, _afiliado_id: Uuid) -> DecisionLimite {
        panic!("byte index 1 is not a char boundary; secreto interno");
    }
}

/// `conversiones` with the broken limiter behind `registrarEvento`.
struct ConversionesRotas;

#[async_trait]
impl Subgraph for ConversionesRotas {
    fn name(&self) -> &'static str {
        Conversiones.name()
    }

    fn default_port(&self) -> u16 {
        Conversiones.default_port()
    }

    async fn migrate(&self, db: &DatabaseConnection, url: &str) -> Result<(), DbSetupError> {
        Conversiones.migrate(db, url).await
    }

    async fn seed_demo(&self, db: &DatabaseConnection) -> Result<u64, DomainError> {
        Conversiones.seed_demo(db).await
    }

    fn app(&self, db: DatabaseConnection, live: LiveEvents) -> Router {
        let service = conversiones::service(db.clone(), Arc::new(LimitadorRoto));
        subgraph_kit::server::app(
            "conversiones",
            graphql::schema(service.clone(), live.clone()),
            Arc::new(graphql::PrepararSolicitud::new(service)),
            db,
            live,
        )
    }

    fn sdl(&self) -> String {
        Conversiones.sdl()
    }
}

/// POSTs an operation; the HTTP status and the body.
async fn post(sg: &TestSubgraph, query: &str, variables: Value) -> Result<(u16, Value)> {
    sg.post_raw(
        "application/json",
        json!({ "query": query, "variables": variables }).to_string(),
    )
    .await
}

async fn stored(sg: &TestSubgraph) -> Result<(i64, i64, usize)> {
    Ok((
        count(sg, "SELECT COUNT(*) AS n FROM conversiones").await?,
        count(sg, "SELECT COUNT(*) AS n FROM eventos_tracking").await?,
        outbox(sg).await?.len(),
    ))
}

async fn a_period_of_any_text_is_a_field_error_never_a_500(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let afiliado = Uuid::new_v4().to_string();
    let largo = "€".repeat(5_000);
    for periodo in ["€", "30€", "€d", "👍🏽", "ñh", largo.as_str()] {
        // The root field and the same field through an entity, which the gateway uses.
        let query = "query($p: String!, $a: ID!) {
            metricasConversiones(periodo: $p) { clicks }
            _entities(representations: [{__typename: \"Afiliado\", id: $a}]) {
                ... on Afiliado { metricas(periodo: $p) { clicks } } }
            conversiones { paginacion { total } }
        }";
        let (status, body) = post(&sg, query, json!({ "p": periodo, "a": afiliado })).await?;
        assert_eq!(status, 200, "{periodo}: {body}");
        let errores = body["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errores.len(), 2, "{periodo}: {body}");
        for error in &errores {
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
            assert_eq!(error["extensions"]["campo"], "periodo", "{body}");
            assert!(
                error["message"].as_str().unwrap_or_default().len() < 300,
                "{body}"
            );
        }
        // The rest of the request is answered.
        assert_eq!(
            body["data"]["conversiones"]["paginacion"]["total"], 0,
            "{body}"
        );
    }
    sg.stop().await
}

async fn a_panicking_resolver_fails_its_field_not_the_request(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&ConversionesRotas, backend).await?;
    let (afiliado, campania) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let query = "mutation($evento: RegistrarEventoInput!, $conversion: RegistrarConversionInput!) {
            evento: registrarEvento(input: $evento) { evento { id } }
            conversion: registrarConversion(input: $conversion) { conversion { id } }
        }";
    let variables = json!({
        "evento": evento_input("CLICK", &afiliado, &campania)["input"],
        "conversion": conversion_input(&afiliado, &campania, "ORDER-PANIC")["input"],
    });
    for _ in 0..5 {
        let (status, body) = post(&sg, query, variables.clone()).await?;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body["errors"][0]["path"], json!(["evento"]), "{body}");
        assert_eq!(error_code(&body), Some("INTERNAL_SERVER_ERROR"), "{body}");
        assert_eq!(body["errors"][0]["message"], "Error interno del servidor");
        assert!(!body.to_string().contains("secreto"), "{body}");
        assert!(!body.to_string().contains("byte index"), "{body}");
        // The field after it still ran.
        assert!(
            body["data"]["conversion"]["conversion"]["id"].is_string(),
            "{body}"
        );
    }
    // The subgraph keeps answering; the broken event was never stored.
    assert_eq!(stored(&sg).await?, (1, 0, 1));
    let (status, health) = sg.get("/health").await?;
    assert_eq!((status, &health["status"]), (200, &json!("up")));
    sg.stop().await
}

async fn bad_scalars_are_bad_user_input_on_their_field_and_store_nothing(
    backend: Backend,
) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let enorme = format!("{}x", "9".repeat(20_000));
    // (JSON pointer under the variables, value, expected campo, text that must not be echoed)
    let casos: Vec<(&str, Value, &str, String)> = vec![
        (
            "/input/valor/valor",
            json!(100.5),
            "valor.valor",
            "100.5".into(),
        ),
        (
            "/input/valor/valor",
            json!("NaN"),
            "valor.valor",
            "NaN".into(),
        ),
        (
            "/input/valor/valor",
            json!(enorme),
            "valor.valor",
            "9".repeat(100),
        ),
        (
            "/input/productos/0/precio",
            json!(2.5),
            "productos.0.precio",
            "2.5".into(),
        ),
        (
            "/input/fecha",
            json!("2024-02-30T10:00:00Z"),
            "fecha",
            "2024-02-30".into(),
        ),
        ("/input/fecha", json!("ayer"), "fecha", "ayer".into()),
        ("/input/fecha", json!(20240101), "fecha", "20240101".into()),
        (
            "/input/productos/0/cantidad",
            json!(1e20),
            "productos.0.cantidad",
            "1e20".into(),
        ),
        (
            "/input/productos/0/cantidad",
            json!(1.5),
            "productos.0.cantidad",
            "1.5".into(),
        ),
        ("/input/tipo", json!("DONACION"), "tipo", "DONACION".into()),
        (
            "/input/valor/moneda",
            json!("ARS"),
            "valor.moneda",
            "ARS".into(),
        ),
    ];
    for (puntero, valor, campo, enviado) in casos {
        let mut variables = conversion_input(&a, &c, "REF-COERCION");
        let (padre, hoja) = puntero.rsplit_once('/').unwrap_or_default();
        if let Some(padre) = variables.pointer_mut(padre) {
            padre[hoja] = valor;
        }
        let (status, body) = post(&sg, &registrar_conversion(), variables).await?;
        assert_eq!(status, 200, "{campo}: {body}");
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
        let mensaje = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!mensaje.contains(&enviado), "echoes {enviado}: {mensaje}");
        assert!(
            body.to_string().len() < 1_000,
            "{campo}: the whole input came back"
        );
    }
    // Literals in the document, and the collector's timestamp.
    let literal = format!(
        "mutation {{ registrarEvento(input: {{tipo: CLICK, afiliadoId: \"{a}\", campaniaId: \"{c}\",
           fuente: API, valor: {{valor: NaN, moneda: USD}}, timestamp: \"31/12/2024\"}}) {{ evento {{ id }} }} }}"
    );
    let (status, body) = post(&sg, &literal, json!({})).await?;
    assert_eq!(status, 200, "{body}");
    let campos: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["extensions"]["campo"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(campos, ["valor.valor", "timestamp"], "{body}");
    assert!(
        body["errors"].as_array().is_some_and(|e| e
            .iter()
            .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT")),
        "{body}"
    );
    let (status, body) = post(
        &sg,
        "query($p: Paginacion) { conversiones(paginacion: $p) { items { id } } }",
        json!({ "p": { "page": 1, "perPage": 99_999_999_999_999_999_999.0 } }),
    )
    .await?;
    assert_eq!(
        (status, error_code(&body)),
        (200, Some("BAD_USER_INPUT")),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["campo"], "paginacion.perPage",
        "{body}"
    );
    assert_eq!(
        stored(&sg).await?,
        (0, 0, 0),
        "nothing written on bad input"
    );
    sg.stop().await
}

async fn every_amount_has_the_same_limit(backend: Backend) -> Result<()> {
    let sg = TestSubgraph::start(&Conversiones, backend).await?;
    let (a, c) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let excesivo = "99999999999999999999";
    let apenas = "1000000000000.01";
    for monto in [excesivo, apenas] {
        let mut como_precio = conversion_input(&a, &c, "REF-PRECIO");
        como_precio["input"]["productos"][0]["precio"] = json!(monto);
        como_precio["input"]["valor"] = json!({ "valor": "10", "moneda": "USD" });
        let mut como_valor = conversion_input(&a, &c, "REF-VALOR");
        como_valor["input"]["valor"] = json!({ "valor": monto, "moneda": "USD" });
        let mut como_evento = evento_input("CONVERSION", &a, &c);
        como_evento["input"]["valor"] = json!({ "valor": monto, "moneda": "USD" });
        for (query, variables, campo) in [
            (registrar_conversion(), como_precio, "productos.0.precio"),
            (registrar_conversion(), como_valor, "valor"),
            (REGISTRAR_EVENTO.to_owned(), como_evento, "valor"),
        ] {
            let body = sg.gql(&query, variables).await?;
            assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{campo}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["campo"], campo, "{body}");
            let mensaje = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(mensaje.contains("no puede superar"), "{body}");
        }
    }
    assert_eq!(
        stored(&sg).await?,
        (0, 0, 0),
        "nothing written over the limit"
    );
    // The maximum itself is an amount like any other, as valor and as precio.
    let mut maximo = conversion_input(&a, &c, "REF-MAXIMO");
    maximo["input"]["valor"] = json!({ "valor": "1000000000000", "moneda": "COP" });
    maximo["input"]["productos"][0]["precio"] = json!("1000000000000");
    sg.data(&registrar_conversion(), maximo).await?;
    assert_eq!(stored(&sg).await?, (1, 0, 1));
    sg.stop().await
}

on_both_backends!(
    a_period_of_any_text_is_a_field_error_never_a_500,
    a_panicking_resolver_fails_its_field_not_the_request,
    bad_scalars_are_bad_user_input_on_their_field_and_store_nothing,
    every_amount_has_the_same_limit,
);
