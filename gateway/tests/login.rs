//! `POST /auth/login`: argon2-hashed passwords, failed attempts throttled per user name and
//! per client address (429 with `Retry-After`), on tokio's clock, paused and advanced here.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
};
use gateway::{
    auth::{Login, LoginError, LoginThrottle, LoginUser, hash_password},
    config::GatewayConfig,
    server::{AppState, router_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

fn ana() -> LoginUser {
    LoginUser {
        username: "ana".into(),
        password_hash: hash_password("correcta").expect("hash"),
        scopes: vec!["lectura".into()],
        ..Default::default()
    }
}

fn throttle() -> LoginThrottle {
    LoginThrottle {
        max_failures_per_user: 3,
        max_failures_per_ip: 5,
        window: Duration::from_secs(60),
    }
}

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

#[tokio::test(start_paused = true)]
async fn failed_logins_are_throttled_per_user_name_and_per_address() {
    let login = Login::new(vec![ana()], SECRET, None, None, 3600, throttle()).expect("login");
    for _ in 0..3 {
        let refused = login.login("ana", "adivina", Some(A)).await;
        assert!(matches!(refused, Err(LoginError::Invalid)), "{refused:?}");
    }
    // Even the right password waits: the user name is over its limit, from any address.
    for ip in [A, B] {
        match login.login("ana", "correcta", Some(ip)).await {
            Err(LoginError::Throttled { retry_after }) => {
                assert_eq!(retry_after, Duration::from_secs(60));
            }
            other => panic!("throttled: {other:?}"),
        }
    }
    // Unknown names from A: two more failures make five from A.
    for name in ["eva", "root"] {
        let refused = login.login(name, "x", Some(A)).await;
        assert!(matches!(refused, Err(LoginError::Invalid)), "{refused:?}");
    }
    let refused = login.login("luis", "x", Some(A)).await;
    assert!(
        matches!(refused, Err(LoginError::Throttled { .. })),
        "the address is over its limit: {refused:?}"
    );
    let other = login.login("luis", "x", Some(B)).await;
    assert!(matches!(other, Err(LoginError::Invalid)), "{other:?}");

    tokio::time::advance(Duration::from_secs(30)).await;
    match login.login("ana", "correcta", Some(B)).await {
        Err(LoginError::Throttled { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(30));
        }
        other => panic!("still throttled: {other:?}"),
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    let issued = login
        .login("ana", "correcta", Some(A))
        .await
        .expect("the window is over");
    assert_eq!(issued.scopes, ["lectura"]);
}

#[tokio::test(start_paused = true)]
async fn a_success_clears_the_user_names_failures() {
    let login = Login::new(vec![ana()], SECRET, None, None, 3600, throttle()).expect("login");
    for _ in 0..2 {
        assert!(login.login("ana", "mal", None).await.is_err());
    }
    login.login("ana", "correcta", None).await.expect("token");
    for _ in 0..2 {
        let refused = login.login("ana", "mal", None).await;
        assert!(matches!(refused, Err(LoginError::Invalid)), "{refused:?}");
    }
}

fn app() -> axum::Router {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.auth.users = vec![ana()];
    config.auth.login_throttle.max_failures_per_user = 2;
    let sdl = include_str!("fixtures/shop.supergraph.graphql");
    let engine = engine_from_config(sdl, &config).expect("engine");
    router_with(AppState::configured(engine, &config), &config)
}

async fn post_login(app: &axum::Router, body: &str) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::post("/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(A, 40000)));
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let retry = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().expect("ascii").to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        retry,
        serde_json::from_slice(&bytes).expect("JSON body"),
    )
}

#[tokio::test]
async fn the_login_route_answers_429_with_retry_after_and_a_graphql_error() {
    let app = app();
    let wrong = json!({ "username": "ana", "password": "mal" }).to_string();
    for _ in 0..2 {
        let (status, _, body) = post_login(&app, &wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
    let right = json!({ "username": "ana", "password": "correcta" }).to_string();
    let (status, retry, body) = post_login(&app, &right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry.as_deref(), Some("60"));
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let retry_ms = body["errors"][0]["extensions"]["retryAfterMs"]
        .as_u64()
        .expect("retryAfterMs");
    assert!(retry_ms > 0 && retry_ms <= 60_000, "{body}");
    let (status, _, body) = post_login(&app, "{\"username\": 1}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[test]
fn configured_passwords_must_be_argon2_hashes() {
    let mut config = GatewayConfig::default();
    config.auth.jwt_secret = Some(SECRET.into());
    config.auth.users = vec![LoginUser {
        username: "ana".into(),
        password_hash: "correcta".into(),
        scopes: vec![],
        ..Default::default()
    }];
    let error = config
        .validate()
        .expect_err("a password in clear is refused");
    assert!(
        error.to_string().contains("auth.users[0].password_hash"),
        "{error}"
    );
    config.auth.users = vec![ana()];
    config.validate().expect("a PHC string is accepted");
}

/// A gateway on a real socket whose login allows `per_ip` failures per address (none per
/// user name), trusting `proxies`; its login URL, its state and configuration (for a
/// reload), and the sender that stops it.
async fn served_login(
    proxies: &[&str],
    per_ip: u32,
) -> (
    String,
    std::sync::Arc<AppState>,
    GatewayConfig,
    tokio::sync::oneshot::Sender<()>,
) {
    static SERVED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gateway-login-{}-{}",
        std::process::id(),
        SERVED.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let supergraph = dir.join("supergraph.graphql");
    std::fs::write(
        &supergraph,
        include_str!("fixtures/shop.supergraph.graphql"),
    )
    .expect("write");
    let mut config = GatewayConfig {
        supergraph,
        ..GatewayConfig::default()
    };
    config.auth.jwt_secret = Some(SECRET.into());
    config.auth.users = vec![ana()];
    config.auth.login_throttle.max_failures_per_user = 0;
    config.auth.login_throttle.max_failures_per_ip = per_ip;
    config.trusted_proxies = proxies.iter().map(|p| p.parse().expect("cidr")).collect();
    let engine = gateway::startup::engine_from_file(&config).expect("engine");
    let state = AppState::configured(engine, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/auth/login", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (served_state, served_config) = (state.clone(), config.clone());
    tokio::spawn(async move {
        gateway::server::serve_with(listener, served_state, &served_config, async {
            let _ = stopped.await;
        })
        .await
    });
    (url, state, config, stop)
}

/// A wrong password for `ana` through a proxy that says the client is `forwarded_for`.
async fn wrong_login(http: &reqwest::Client, url: &str, forwarded_for: Option<&str>) -> u16 {
    let mut request = http
        .post(url)
        .json(&json!({ "username": "ana", "password": "mal" }));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.expect("answer").status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_by_its_forwarded_address() {
    let http = reqwest::Client::new();
    let (url, state, config, _stop) = served_login(&["127.0.0.0/8"], 3).await;
    for _ in 0..3 {
        assert_eq!(wrong_login(&http, &url, Some("203.0.113.1")).await, 401);
    }
    assert_eq!(wrong_login(&http, &url, Some("203.0.113.1")).await, 429);
    // Another client behind the same proxy is not locked out with it.
    assert_eq!(wrong_login(&http, &url, Some("203.0.113.2")).await, 401);
    // A client cannot dodge its count by writing addresses of its own in front: the proxy
    // appended the one it saw, and that one counts.
    assert_eq!(
        wrong_login(&http, &url, Some("198.51.100.77, 203.0.113.1")).await,
        429
    );
    // A configuration or supergraph hot reload keeps the counts.
    gateway::startup::reload(&state, &config).expect("reload");
    assert_eq!(wrong_login(&http, &url, Some("203.0.113.1")).await, 429);
    assert_eq!(wrong_login(&http, &url, Some("203.0.113.3")).await, 401);
}

#[tokio::test]
async fn without_trusted_proxies_the_forwarded_header_is_not_believed() {
    let http = reqwest::Client::new();
    let (url, _state, _config, _stop) = served_login(&[], 3).await;
    // Every attempt comes from 127.0.0.1, whatever the header claims.
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(wrong_login(&http, &url, Some(client)).await, 401);
    }
    assert_eq!(wrong_login(&http, &url, Some("203.0.113.4")).await, 429);
    assert_eq!(wrong_login(&http, &url, None).await, 429);
}

#[tokio::test]
async fn a_login_body_over_its_limit_is_413_with_or_without_content_length() {
    let http = reqwest::Client::new();
    let (url, _state, _config, _stop) = served_login(&["10.0.0.0/8"], 3).await;
    let big = json!({ "username": "ana", "password": "x".repeat(64 << 10) }).to_string();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .as_bytes()
        .chunks(4096)
        .map(|c| Ok(c.to_vec()))
        .collect();
    for (case, body) in [
        ("content-length", reqwest::Body::from(big.clone())),
        (
            "chunked",
            reqwest::Body::wrap_stream(futures::stream::iter(chunks)),
        ),
    ] {
        let response = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{case}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{case}: {body}"
        );
    }
}
