//! Three subgraphs through the gateway: a cliente (clientes) with its campaigns
//! (campanias) and each campaign's conversion metrics (conversiones), written through the
//! gateway's mutations and read back in one query, with the subgraph requests counted.

#[path = "support/token.rs"]
mod token;

use std::{collections::BTreeMap, time::Duration};

use gateway::{
    compose::{SubgraphSdl, compose},
    config::GatewayConfig,
    server::{AppState, serve},
};
use serde_json::{Value, json};
use subgraph_kit::subgraph::Subgraph;
use testkit::{Backend, TestSubgraph};

/// The tests' JWT secret (HS256) of their gateways.
const JWT_SECRET: &str = "secreto-jwt-de-las-pruebas-de-federacion";

/// A gateway configuration that verifies the tests' tokens.
fn config_con_jwt() -> GatewayConfig {
    let mut config = GatewayConfig {
        subgraph_timeout_ms: 10_000,
        ..GatewayConfig::default()
    };
    config.auth.jwt_secret = Some(JWT_SECRET.to_owned());
    config
}

#[path = "support/composed.rs"]
#[allow(dead_code)]
mod composed;

struct Platform {
    gateway: String,
    token: String,
    http: reqwest::Client,
    _composed: composed::Composed,
}

impl Platform {
    async fn start() -> Self {
        let parts: Vec<(&str, Box<dyn Subgraph>)> = vec![
            ("clientes", Box::new(clientes::Clientes)),
            ("campanias", Box::new(campanias::Campanias)),
            ("conversiones", Box::new(conversiones::Conversiones)),
        ];
        let composed = composed::start(parts, &config_con_jwt()).await;
        Self {
            gateway: format!("http://{}", composed.address),
            token: token::admin_token(JWT_SECRET, 600).await,
            http: reqwest::Client::new(),
            _composed: composed,
        }
    }

    async fn data(&self, query: &str, variables: Value) -> Value {
        let body: Value = self
            .http
            .post(format!("{}/graphql", self.gateway))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("gateway answers")
            .json()
            .await
            .expect("json");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"].clone()
    }

    /// Subgraph requests made so far, by subgraph (from the gateway's `/metrics`).
    async fn subgraph_requests(&self) -> BTreeMap<String, u64> {
        let text = self
            .http
            .get(format!("{}/metrics", self.gateway))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        let mut counts = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| l.starts_with("gateway_subgraph_request_duration_seconds_count{"))
        {
            let subgraph = line
                .split("subgraph=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("subgraph label");
            let value: u64 = line
                .rsplit(' ')
                .next()
                .and_then(|v| v.parse().ok())
                .expect("count");
            *counts.entry(subgraph.to_owned()).or_default() += value;
        }
        counts
    }
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[tokio::test]
async fn a_cliente_with_its_campaigns_and_their_conversion_metrics_in_one_query() {
    let p = Platform::start().await;
    let cliente = p
        .data(
            r#"mutation { registrarCliente(input: { nombre: "Lucía Restrepo", email: "lucia@example.com",
                cedula: "1020304050", fechaNacimiento: "1990-04-01" }) { cliente { id } } }"#,
            json!({}),
        )
        .await["registrarCliente"]["cliente"]["id"]
        .as_str()
        .expect("cliente id")
        .to_owned();
    let now = campaign_window();
    let mut campaigns = Vec::new();
    for (nombre, presupuesto) in [("Verano", "1000.00"), ("Invierno", "500.00")] {
        let id = p
            .data(
                "mutation($input: CrearCampaniaInput!) { crearCampania(input: $input) { campania { id } } }",
                json!({ "input": {
                    "clienteId": cliente, "nombre": nombre, "tipo": "ESTACIONAL", "canales": ["WEB"],
                    "configuracionComisiones": { "porConversion": "10", "porVenta": "5", "bonusObjetivos": "0" },
                    "fechaInicio": now.0, "fechaFin": now.1,
                    "presupuesto": { "valor": presupuesto, "moneda": "USD" }
                } }),
            )
            .await["crearCampania"]["campania"]["id"]
            .as_str()
            .expect("campaign id")
            .to_owned();
        campaigns.push(id);
    }
    let afiliado = "0191c0de-0000-7000-8000-000000000001";
    // Verano: 4 clicks and 2 sales; Invierno: 1 click, no sale.
    for (campania, clicks) in [(&campaigns[0], 4), (&campaigns[1], 1)] {
        for _ in 0..clicks {
            p.data(
                "mutation($input: RegistrarEventoInput!) { registrarEvento(input: $input) { evento { tipo } } }",
                json!({ "input": { "tipo": "CLICK", "afiliadoId": afiliado, "campaniaId": campania, "fuente": "WEB_TAG" } }),
            )
            .await;
        }
    }
    for (referencia, valor) in [("pedido-1", "120.50"), ("pedido-2", "79.50")] {
        p.data(
            "mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id } } }",
            json!({ "input": {
                "afiliadoId": afiliado, "campaniaId": campaigns[0], "tipo": "VENTA",
                "valor": { "valor": valor, "moneda": "USD" }, "canal": "web", "referenciaExterna": referencia
            } }),
        )
        .await;
    }

    let before = p.subgraph_requests().await;
    let data = p
        .data(
            r#"query($id: ID!) { cliente(id: $id) { nombre campanias { nombre presupuesto { valor }
                metricas(periodo: "30d") { clicks conversiones tasaConversion valorTotal { valor moneda } } } } }"#,
            json!({ "id": cliente }),
        )
        .await;
    let requests = delta(&before, &p.subgraph_requests().await);
    assert_eq!(
        data,
        json!({ "cliente": { "nombre": "Lucía Restrepo", "campanias": [
            { "nombre": "Invierno", "presupuesto": { "valor": "500.00" },
              "metricas": { "clicks": 1, "conversiones": 0, "tasaConversion": "0.00", "valorTotal": [] } },
            { "nombre": "Verano", "presupuesto": { "valor": "1000.00" },
              "metricas": { "clicks": 4, "conversiones": 2, "tasaConversion": "50.00",
                            "valorTotal": [ { "valor": "200.00", "moneda": "USD" } ] } }
        ] } })
    );
    // One request per subgraph: the campaigns and their metrics are fetched in batches.
    let expected: BTreeMap<String, u64> = [("campanias", 1), ("clientes", 1), ("conversiones", 1)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(requests, expected);
}

/// A campaign window around now: (start a day ago, end in 60 days), RFC 3339.
fn campaign_window() -> (String, String) {
    let now = chrono::Utc::now();
    (
        (now - chrono::Duration::days(1)).to_rfc3339(),
        (now + chrono::Duration::days(60)).to_rfc3339(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployed_subgraphs_answer_only_the_gateway() {
    const SECRET: &str = "credencial-compartida-de-prueba";
    let subgraph = clientes::Clientes;
    let started = TestSubgraph::start_with(&subgraph, Backend::Sqlite, |app| {
        subgraph_kit::server::require_gateway_secret(app, SECRET)
    })
    .await
    .expect("subgraph starts");
    let http = reqwest::Client::new();
    let direct = http
        .post(format!("{}/graphql", started.base_url))
        .json(&json!({ "query": "{ clientes { paginacion { total } } }" }))
        .send()
        .await
        .expect("direct request");
    assert_eq!(direct.status(), 401);
    let body: Value = direct.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Forged claims are no way in: without the secret nothing is answered.
    let forged = http
        .post(format!("{}/graphql", started.base_url))
        .header(
            subgraph_kit::server::CLAIMS_HEADER,
            r#"{"sub":"intruso","scope":"lectura escritura admin pii"}"#,
        )
        .json(&json!({ "query": "mutation { registrarCliente(input: { nombre: \"Intruso\", email: \"intruso@example.com\", cedula: \"123456\", fechaNacimiento: \"1990-01-01\" }) { cliente { id } } }" }))
        .send()
        .await
        .expect("forged request");
    assert_eq!(forged.status(), 401);
    let clientes = testkit::outbox(&started.db.db).await.expect("outbox");
    assert!(clientes.is_empty(), "nothing written: {clientes:?}");

    let supergraph = compose(&[SubgraphSdl {
        name: "clientes".to_owned(),
        url: format!("{}/graphql", started.base_url),
        sdl: subgraph.sdl(),
    }])
    .expect("composes");
    let token = token::admin_token(JWT_SECRET, 600).await;
    let ask = |secret: Option<&str>| {
        let config = GatewayConfig {
            subgraph_secret: secret.map(str::to_owned),
            ..config_con_jwt()
        };
        let token = token.clone();
        let supergraph = supergraph.clone();
        let http = http.clone();
        async move {
            let engine =
                gateway::startup::engine_from_config(&supergraph, &config).expect("engine");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                gateway::server::serve_with(listener, AppState::new(engine), &config, async {
                    let _ = stopped.await;
                })
                .await
            });
            let body: Value = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": "{ clientes { paginacion { total } } }" }))
                .send()
                .await
                .expect("gateway request")
                .json()
                .await
                .expect("json");
            drop(stop);
            body
        }
    };
    let with_secret = ask(Some(SECRET)).await;
    assert_eq!(
        with_secret["data"]["clientes"]["paginacion"]["total"], 0,
        "{with_secret}"
    );
    let without = ask(None).await;
    assert_eq!(
        without["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{without}"
    );
    assert_eq!(without["errors"][0]["extensions"]["service"], "clientes");
    // A gateway composing from the running subgraphs presents the secret too.
    let mut introspect = GatewayConfig {
        subgraph_secret: Some(SECRET.to_owned()),
        ..config_con_jwt()
    };
    introspect.introspect.subgraphs.insert(
        "clientes".to_owned(),
        format!("{}/graphql", started.base_url),
    );
    let metrics = std::sync::Arc::new(gateway::telemetry::Metrics::new());
    assert!(
        gateway::startup::engine_from_subgraphs(&introspect, metrics.clone())
            .await
            .is_ok(),
        "composed from the subgraph's SDL"
    );
    introspect.subgraph_secret = None;
    assert!(
        gateway::startup::engine_from_subgraphs(&introspect, metrics)
            .await
            .is_err(),
        "without the secret the subgraph gives no SDL"
    );
    started.stop().await.expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_subgraph_trips_its_breaker_and_recovers() {
    // A port with nothing listening yet: every request is refused.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("address").port()
    };
    let subgraph = clientes::Clientes;
    let supergraph = compose(&[SubgraphSdl {
        name: "clientes".to_owned(),
        url: format!("http://127.0.0.1:{port}/graphql"),
        sdl: subgraph.sdl(),
    }])
    .expect("composes");
    let config = GatewayConfig {
        circuit_breaker: gateway::config::CircuitBreakerConfig {
            failure_threshold: 3,
            open_ms: 400,
        },
        ..config_con_jwt()
    };
    let engine = gateway::startup::engine_from_config(&supergraph, &config).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, AppState::new(engine), async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let token = token::admin_token(JWT_SECRET, 600).await;
    let code = |body: &Value| {
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .map(str::to_owned)
    };
    let ask = || async {
        http.post(&url)
            .bearer_auth(&token)
            .json(&json!({ "query": "{ clientes { paginacion { total } } }" }))
            .send()
            .await
            .expect("gateway")
            .json::<Value>()
            .await
            .expect("json")
    };
    for _ in 0..3 {
        assert_eq!(code(&ask().await).as_deref(), Some("SUBREQUEST_HTTP_ERROR"));
    }
    let open = ask().await;
    assert_eq!(
        code(&open).as_deref(),
        Some("SUBGRAPH_CIRCUIT_OPEN"),
        "{open}"
    );
    assert_eq!(open["errors"][0]["extensions"]["service"], "clientes");

    // The subgraph comes up on that port; after the open period one trial closes it.
    let db = testkit::TestDb::new(Backend::Sqlite).await.expect("db");
    subgraph.migrate(&db.db, &db.url).await.expect("migrate");
    let app = subgraph.app(db.db.clone(), subgraph_kit::live::LiveEvents::new());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free again");
    tokio::spawn(subgraph_kit::server::serve(
        listener,
        app,
        std::future::pending(),
    ));
    assert_eq!(
        code(&ask().await).as_deref(),
        Some("SUBGRAPH_CIRCUIT_OPEN"),
        "still open"
    );
    // The open period is the gateway's timer: poll until a trial request goes through.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let closed = loop {
        let answer = ask().await;
        if code(&answer).as_deref() != Some("SUBGRAPH_CIRCUIT_OPEN") {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never closed: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(
        closed["data"]["clientes"]["paginacion"]["total"], 0,
        "{closed}"
    );
    assert_eq!(ask().await["data"]["clientes"]["paginacion"]["total"], 0);
    db.drop_db().await.expect("drop");
}
