//! Configuration: file, `GATEWAY_*` overrides, validation with clear errors (`gateway check`),
//! and the HTTP layers it turns on.

use std::{path::PathBuf, process::Command};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use gateway::{
    config::GatewayConfig,
    server::{AppState, router_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use tower::ServiceExt;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop.supergraph.graphql")
}

/// Runs `gateway check` with a config file of this content and extra environment.
fn check(toml: &str, env: &[(&str, &str)]) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!(
        "gateway-config-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("gateway.toml");
    std::fs::write(&file, toml).expect("write config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_gateway"));
    command
        .args(["check", "--config"])
        .arg(&file)
        .arg("--supergraph")
        .arg(fixture())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("gateway runs");
    std::fs::remove_dir_all(&dir).ok();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

#[test]
fn a_valid_configuration_checks_without_serving() {
    let (ok, text) = check(
        r#"
listen = "127.0.0.1:4999"
subgraph_timeout_ms = 5000
introspection = false
[subgraphs.products]
timeout_ms = 800
url = "http://127.0.0.1:9999/graphql"
[cors]
allow_origins = ["https://console.example"]
"#,
        &[],
    );
    assert!(ok, "{text}");
    assert!(text.contains("valid: 3 subgraphs"), "{text}");
}

#[test]
fn the_readme_example_checks_against_our_supergraph() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .current_dir(&root)
        .args([
            "check",
            "--config",
            "gateway/gateway.example.toml",
            "--supergraph",
            "schema.graphql",
        ])
        .env("RUST_LOG", "warn")
        .output()
        .expect("gateway runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("valid: 5 subgraphs"), "{text}");
}

#[test]
fn mistakes_are_named_clearly() {
    let cases = [
        ("lisen = \"127.0.0.1:1\"", "lisen"),
        ("listen = \"not an address\"", "listen"),
        ("subgraph_timeout_ms = 0", "subgraph_timeout_ms"),
        (
            "[cors]\nallow_origins = [\"console.example/\"]",
            "cors.allow_origins",
        ),
        (
            "[cors]\nallow_origins = [\"*\"]\nallow_credentials = true",
            "cors.allow_credentials",
        ),
        ("[subgraphs.nope]\ntimeout_ms = 10", "subgraphs.nope"),
        (
            "[subgraphs.products]\nurl = \"ftp://x\"",
            "subgraphs.products.url",
        ),
        ("subgraph_secret = \"corto\"", "subgraph_secret"),
        (
            "[[cache.invalidation.rules]]\nevents = [\"X.v1\"]\nentities = [{ type = \"Pago\" }]",
            "cache.invalidation.rules[0].entities",
        ),
        ("[cache]\nsharing = \"everyone\"", "sharing"),
        (
            "[telemetry]\notlp_endpoint = \"127.0.0.1:4318\"",
            "telemetry.otlp_endpoint",
        ),
        ("[telemetry]\nsample_ratio = 1.5", "telemetry.sample_ratio"),
        ("[telemetry]\nservice_name = \"\"", "telemetry.service_name"),
        ("[telemetry]\nendpoint = \"http://x\"", "endpoint"),
    ];
    for (toml, key) in cases {
        let (ok, text) = check(toml, &[]);
        assert!(!ok, "{toml} was accepted");
        assert!(
            text.contains(key),
            "{toml}: the error should name {key}: {text}"
        );
    }
}

#[test]
fn environment_variables_override_the_file() {
    let (ok, text) = check(
        "subgraph_timeout_ms = 5000",
        &[("GATEWAY_SUBGRAPH_TIMEOUT_MS", "0")],
    );
    assert!(!ok && text.contains("subgraph_timeout_ms"), "{text}");
    let (ok, text) = check(
        "",
        &[("GATEWAY_CORS__ALLOW_ORIGINS", "[\"https://a.example\"]")],
    );
    assert!(ok, "{text}");
    let (ok, text) = check("", &[("GATEWAY_CORS__ALLOW_ORIGINS", "[\"nope\"]")]);
    assert!(!ok && text.contains("cors.allow_origins"), "{text}");
    let (ok, text) = check(
        "[telemetry]\nsample_ratio = 0.5",
        &[("GATEWAY_TELEMETRY__SAMPLE_RATIO", "-1")],
    );
    assert!(!ok && text.contains("telemetry.sample_ratio"), "{text}");
    let (ok, text) = check("", &[("GATEWAY_TELEMETRY__OTLP_ENDPOINT", "ftp://x")]);
    assert!(!ok && text.contains("telemetry.otlp_endpoint"), "{text}");
}

fn app(config: &GatewayConfig) -> axum::Router {
    let sdl = std::fs::read_to_string(fixture()).expect("fixture");
    let engine = engine_from_config(&sdl, config).expect("engine");
    router_with(AppState::new(engine), config)
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let mut config = GatewayConfig::default();
    config.cors.allow_origins = vec!["https://console.example".into()];
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/graphql")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,authorization",
            )
            .body(Body::empty())
            .expect("request")
    };
    let allowed = app(&config)
        .oneshot(preflight("https://console.example"))
        .await
        .expect("response");
    assert_eq!(
        allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://console.example"
    );
    let refused = app(&config)
        .oneshot(preflight("https://evil.example"))
        .await
        .expect("response");
    assert!(
        refused
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

fn post(query: &str) -> Request<Body> {
    Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/graphql-response+json")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::from(json!({ "query": query }).to_string()))
        .expect("request")
}

#[tokio::test]
async fn responses_carry_request_ids_and_are_compressed() {
    let config = GatewayConfig::default();
    let response = app(&config)
        .oneshot(post("{ __schema { types { name fields { name } } } }"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    let id = response.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // A client's own id is kept.
    let mut request = post("{ __typename }");
    request
        .headers_mut()
        .insert("x-request-id", "client-42".parse().expect("header"));
    let response = app(&config).oneshot(request).await.expect("response");
    assert_eq!(response.headers()["x-request-id"], "client-42");
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let config = GatewayConfig {
        introspection: false,
        compression: false,
        ..GatewayConfig::default()
    };
    let response = app(&config)
        .oneshot(post("{ __schema { queryType { name } } }"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
    // `__typename` is not introspection of the schema.
    let response = app(&config)
        .oneshot(post("{ __typename }"))
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
}

async fn code_of(app: axum::Router, query: &str) -> (StatusCode, String, String) {
    let response = app.oneshot(post(query)).await.expect("response");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&body).expect("json");
    (
        status,
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
    )
}

#[tokio::test]
async fn operation_limits_are_checked_before_planning() {
    let mut config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    config.limits.max_depth = 3;
    config.limits.max_aliases = 2;
    config.limits.max_root_fields = 2;
    config.limits.max_tokens = 60;
    config.limits.max_cost = 100;
    config.limits.default_list_size = 10;
    let cases = [
        (
            "{ me { reviews { product { name } } } }",
            "MAX_DEPTH_LIMIT",
            "depth is 4; at most 3",
        ),
        (
            "{ a: __typename b: __typename c: __typename }",
            "MAX_ALIASES_LIMIT",
            "number of aliases is 3",
        ),
        (
            "{ __typename me { name } topProducts { name } }",
            "MAX_ROOT_FIELDS_LIMIT",
            "number of root fields is 3",
        ),
        (
            // 1 + 20 × (1 + 10 × 1) = 221 with `first: 20` and the default size for reviews.
            "{ topProducts(first: 20) { reviews { body } } }",
            "COST_LIMIT_EXCEEDED",
            "estimated cost is 221",
        ),
        (
            &format!("{{ {} }}", "__typename ".repeat(80)),
            "MAX_TOKENS_LIMIT",
            "",
        ),
    ];
    for (query, code, message) in cases {
        let (status, found, text) = code_of(app(&config), query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(found, code, "{query}: {text}");
        assert!(text.contains(message), "{query}: {text}");
    }
    // Within every limit: planned (the subgraphs are not running, so it fails later, with
    // a subgraph error and not a limit).
    let (_, found, _) = code_of(app(&config), "{ topProducts(first: 2) { name } }").await;
    assert_eq!(found, "SUBREQUEST_HTTP_ERROR");
}

#[test]
fn the_plan_cache_is_bounded_by_memory() {
    let sdl = std::fs::read_to_string(fixture()).expect("fixture");
    let mut config = GatewayConfig::default();
    config.limits.plan_cache_mb = 1;
    let engine = engine_from_config(&sdl, &config).expect("engine");
    // Distinct operations (each alias set is another plan) reaching three subgraphs.
    let queries: Vec<String> = (0..3000)
        .map(|i| format!("{{ p{i}: topProducts {{ upc name reviews {{ body author {{ name }} }} }} m{i}: me {{ name }} }}"))
        .collect();
    assert_eq!(engine.warm(&queries), 3000, "every operation plans");
    let bytes = engine.plan_cache_bytes();
    assert!(bytes <= 1 << 20, "within its budget: {bytes} bytes");
    assert!(bytes > (1 << 20) / 2, "and used: {bytes} bytes");
    let plans = engine.cached_plans();
    assert!(
        plans > 100 && plans < 3000,
        "older plans were evicted: {plans} kept"
    );
}

#[test]
fn gateway_variables_that_are_not_settings_are_ignored_with_a_warning() {
    // deploy/run-local.sh's variable and Kubernetes' own for a Service named `gateway`.
    let noise = [
        ("GATEWAY_SECRET", "a-secret-of-the-deploy-script"),
        ("GATEWAY_PORT", "tcp://10.0.0.7:4000"),
        ("GATEWAY_PORT_4000_TCP_ADDR", "10.0.0.7"),
        ("GATEWAY_SERVICE_HOST", "10.0.0.7"),
        ("GATEWAY_SERVICE_PORT", "4000"),
        ("GATEWAY_LIMITS__NOPE", "1"),
    ];
    let (ok, text) = check("", &noise);
    assert!(ok, "noise must not stop the gateway: {text}");
    for (name, _) in noise {
        assert!(
            text.contains(name) && text.contains("names no setting"),
            "{name} is reported: {text}"
        );
    }
    // Settings among the noise are still read.
    let mut with_setting = noise.to_vec();
    with_setting.push(("GATEWAY_SUBGRAPH_TIMEOUT_MS", "0"));
    let (ok, text) = check("", &with_setting);
    assert!(!ok && text.contains("subgraph_timeout_ms"), "{text}");
}
