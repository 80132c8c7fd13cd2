//! No input crashes the subgraph: text that once panicked is a field error, and a panic
//! in a resolver is that field's error (HTTP 200, never a 500 the gateway's circuit
//! breaker would count). On SQLite and on PostgreSQL.

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
use kernel::{DomainError, db::DbSetupError, live::LiveEvents, subgraph::Subgraph};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
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
        kernel::server::app(
            "conversiones",
            graphql::schema(service.clone(), live),
            Arc::new(graphql::PrepararSolicitud::new(service)),
            db,
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

on_both_backends!(
    a_period_of_any_text_is_a_field_error_never_a_500,
    a_panicking_resolver_fails_its_field_not_the_request,
);
