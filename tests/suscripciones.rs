//! Subscriptions need `lectura` at the gateway as queries do: the subgraphs declare it on
//! their subscription fields, so the composed supergraph carries `@requiresScopes` there,
//! and the gateway refuses a subscription whose root field the caller may not see (over a
//! real `graphql-transport-ws` WebSocket and over server-sent events), before anything is
//! subscribed upstream: anonymous → `UNAUTHENTICATED`, a token without the scope →
//! `FORBIDDEN` naming it; a reader gets its events.

use std::time::Duration;

use gateway::config::GatewayConfig;
use serde_json::{Value, json};
use subgraph_kit::subgraph::Subgraph;
use testkit::WsClient;

const JWT_SECRET: &str = "secreto-jwt-de-las-pruebas-de-suscripciones";

/// Every subscription of the platform's subgraphs, as a client would send it.
const SUSCRIPCIONES: [(&str, &str); 3] = [
    (
        "Subscription.contadoresDashboard",
        "subscription { contadoresDashboard { id } }",
    ),
    (
        "Subscription.conversionRegistrada",
        "subscription { conversionRegistrada(campaniaId: \"00000000-0000-0000-0000-000000000001\") { id } }",
    ),
    (
        "Subscription.pagoActualizado",
        "subscription { pagoActualizado(afiliadoId: \"00000000-0000-0000-0000-000000000001\") { id } }",
    ),
];

#[path = "support/composed.rs"]
mod composed;
#[path = "support/token.rs"]
#[allow(dead_code)]
mod token;

struct Platform {
    http_url: String,
    ws_url: String,
    supergraph: String,
    _composed: composed::Composed,
}

impl Platform {
    async fn start() -> Self {
        let parts: Vec<(&str, Box<dyn Subgraph>)> = vec![
            ("conversiones", Box::new(conversiones::Conversiones)),
            ("pagos", Box::new(pagos::Pagos)),
        ];
        let mut config = GatewayConfig::default();
        config.auth.jwt_secret = Some(JWT_SECRET.to_owned());
        let composed = composed::start(parts, &config).await;
        Self {
            http_url: format!("http://{}/graphql", composed.address),
            ws_url: format!("ws://{}/graphql", composed.address),
            supergraph: composed.supergraph.clone(),
            _composed: composed,
        }
    }
}

/// A token with exactly these scopes, signed with the gateway's secret.
async fn token(scopes: &[&str]) -> String {
    token::token_with(JWT_SECRET, scopes, 600).await
}

/// The first protocol message after subscribing over a WebSocket, the token (if any) in
/// `connection_init`.
async fn first_ws_message(url: &str, token: Option<&str>, query: &str) -> Value {
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    let mut client = WsClient::connect(url, payload)
        .await
        .expect("the connection itself is accepted");
    client
        .subscribe("1", query, json!({}))
        .await
        .expect("subscribe");
    client
        .message(Duration::from_secs(30))
        .await
        .expect("a message")
        .expect("within 30 s")
}

/// Status and the first `data:` of a subscription over server-sent events (or the JSON
/// body of a refusal).
async fn first_sse(url: &str, token: Option<&str>, query: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.expect("gateway answers");
    let status = response.status().as_u16();
    let streaming = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !streaming {
        let body = response.json().await.expect("a JSON refusal");
        return (status, body);
    }
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.expect("stream") {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(data) = text
                .split("\n\n")
                .filter(|event| event.contains("event: next"))
                .find_map(|event| event.lines().find_map(|l| l.strip_prefix("data: ")))
            {
                return serde_json::from_str(data).expect("json event");
            }
        }
        Value::Null
    };
    let first = tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("an event within 30 s");
    (status, first)
}

#[tokio::test]
async fn subscriptions_need_lectura_at_the_gateway_over_websocket_and_sse() {
    let p = Platform::start().await;
    // The rule is in the supergraph, where the gateway reads it.
    let subscription_type = p
        .supergraph
        .split("type Subscription")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("a Subscription type");
    // Every subscription field, including ones added later, carries the rule.
    let fields: Vec<&str> = subscription_type
        .lines()
        .filter(|l| l.contains("@join__field"))
        .collect();
    assert_eq!(fields.len(), SUSCRIPCIONES.len(), "{subscription_type}");
    for line in fields {
        assert!(
            line.contains("@requiresScopes(scopes: [[\"lectura\"]])"),
            "{line}"
        );
    }

    let sin_alcances = token(&[]).await;
    let escritor = token(&["escritura"]).await;
    let lector = token(&["lectura"]).await;
    for (field, query) in SUSCRIPCIONES {
        for (caller, token, code) in [
            ("anonymous", None, "UNAUTHENTICATED"),
            ("no scopes", Some(sin_alcances.as_str()), "FORBIDDEN"),
            ("escritura only", Some(escritor.as_str()), "FORBIDDEN"),
        ] {
            let message = first_ws_message(&p.ws_url, token, query).await;
            assert_eq!(message["type"], "error", "{field}, {caller}: {message}");
            let error = &message["payload"][0];
            assert_eq!(
                error["extensions"]["code"], code,
                "{field}, {caller}: {message}"
            );
            let text = error["message"].as_str().unwrap_or_default();
            assert!(text.contains(field), "{field}, {caller}: {text}");
            if code == "FORBIDDEN" {
                assert!(text.contains("«lectura»"), "{field}, {caller}: {text}");
            }

            let (status, body) = first_sse(&p.http_url, token, query).await;
            let expected = if code == "FORBIDDEN" { 403 } else { 401 };
            assert_eq!(status, expected, "SSE {field}, {caller}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], code,
                "SSE {field}, {caller}: {body}"
            );
            assert!(body.get("data").is_none(), "SSE {field}, {caller}: {body}");
        }
    }

    // A reader subscribes: the dashboard's counters come at once on both transports.
    let (field, query) = SUSCRIPCIONES[0];
    let message = first_ws_message(&p.ws_url, Some(&lector), query).await;
    assert_eq!(message["type"], "next", "{field}: {message}");
    assert_eq!(
        message["payload"]["data"]["contadoresDashboard"]["id"], "dashboard",
        "{message}"
    );
    let (status, first) = first_sse(&p.http_url, Some(&lector), query).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["data"]["contadoresDashboard"]["id"], "dashboard",
        "{first}"
    );
    // The other subscriptions are accepted too (no error before their first event).
    for (field, query) in &SUSCRIPCIONES[1..] {
        let mut client = WsClient::connect(
            &p.ws_url,
            json!({ "Authorization": format!("Bearer {lector}") }),
        )
        .await
        .expect("connect");
        client
            .subscribe("1", query, json!({}))
            .await
            .expect("subscribe");
        let message = client
            .message(Duration::from_millis(500))
            .await
            .expect("no protocol error");
        assert!(message.is_none(), "{field}: {message:?}");
    }
}
