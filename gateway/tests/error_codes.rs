//! Every error the gateway emits carries `extensions.code`: refusals by its HTTP layers
//! (413, 414, 404, 405) and handlers (415) as GraphQL JSON, a subgraph's null in a
//! non-null position (`RESPONSE_VALIDATION_FAILED`, as Apollo Router), and a subgraph's
//! own errors without a code (`DOWNSTREAM_SERVICE_ERROR`, as Apollo Gateway).

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use federation::{Composer, Federation};
use gateway::{
    config::GatewayConfig,
    server::{AppState, router_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use tower::ServiceExt;

fn app(config: &GatewayConfig) -> axum::Router {
    let sdl = include_str!("fixtures/shop.supergraph.graphql");
    let engine = engine_from_config(sdl, config).expect("engine");
    router_with(AppState::configured(engine, config), config)
}

/// Status, content type and JSON body of one request.
async fn send(app: axum::Router, request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app.oneshot(request).await.expect("response");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, content_type, body)
}

#[tokio::test]
async fn http_refusals_are_graphql_errors_with_codes() {
    let mut config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    config.limits.max_body_bytes = 1024;
    config.limits.max_uri_bytes = 4096;
    let big_body = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(4000)) });
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "a body over the limit",
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(big_body.to_string()))
                .expect("request"),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "a URI over the limit",
            Request::get(format!("/graphql?query={}", "%20".repeat(2000)))
                .body(Body::empty())
                .expect("request"),
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
        ),
        (
            "a body that is not JSON",
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{ __typename }"))
                .expect("request"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "an unknown path",
            Request::get("/nothing-here")
                .body(Body::empty())
                .expect("request"),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "a method the path does not take",
            Request::put("/graphql")
                .body(Body::empty())
                .expect("request"),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (case, request, status, code) in cases {
        let (found, content_type, body) = send(app(&config), request).await;
        assert_eq!(found, status, "{case}: {body}");
        assert!(content_type.contains("json"), "{case}: {content_type}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{case}: {body}"
        );
        assert!(body["errors"][0]["message"].is_string(), "{case}: {body}");
    }
    // Within the limits, the same routes answer.
    let (status, _, body) = send(
        app(&config),
        Request::get("/graphql?query=%7B__typename%7D")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn every_execution_error_has_a_code() {
    let f = Federation::conformance(Composer::Ours).await;
    // r6's product fails in its subgraph (an error without a code); r5's product is null
    // where `price: Int!` is expected.
    let response = f
        .query(r#"{ r5: review(id: "r5") { body product { price } } r6: review(id: "r6") { body product { price } } }"#)
        .await;
    let errors = response["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{response}");
    for error in errors {
        assert!(error["extensions"]["code"].is_string(), "{error}");
    }
    let by_path = |path: Value| {
        errors
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("an error at {path}: {response}"))
    };
    assert_eq!(
        by_path(json!(["r6", "product"]))["extensions"]["code"],
        "DOWNSTREAM_SERVICE_ERROR"
    );
    let null = by_path(json!(["r5", "product", "price"]));
    assert_eq!(null["extensions"]["code"], "RESPONSE_VALIDATION_FAILED");
    assert!(
        null["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Cannot return null for non-nullable field")),
        "{null}"
    );
}

/// A gateway served on a real socket (hyper's own HTTP/1 parser in front), its address
/// and the sender that stops it.
async fn served(
    config: &GatewayConfig,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let sdl = include_str!("fixtures/shop.supergraph.graphql");
    let engine = engine_from_config(sdl, config).expect("engine");
    let state = AppState::configured(engine, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = config.clone();
    tokio::spawn(async move {
        gateway::server::serve_with(listener, state, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    (address, stop)
}

/// Writes `head` and then `body` (as chunks when `chunked`) over one connection and reads
/// the answer until the server closes it or the answer is complete: status and JSON body.
async fn raw(
    address: std::net::SocketAddr,
    head: String,
    body: &[u8],
    chunked: bool,
) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let (mut read, mut write) = socket.split();
    let writing = async {
        write.write_all(head.as_bytes()).await?;
        if chunked {
            for chunk in body.chunks(64 << 10) {
                write
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                write.write_all(chunk).await?;
                write.write_all(b"\r\n").await?;
            }
            write.write_all(b"0\r\n\r\n").await?;
        } else {
            write.write_all(body).await?;
        }
        std::io::Result::Ok(())
    };
    let reading = async {
        let mut answer = Vec::new();
        let mut buffer = [0_u8; 8192];
        loop {
            match read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
            if complete(&answer) {
                break;
            }
        }
        answer
    };
    // The server may answer (and close) before the whole body is written.
    let (_, answer) = tokio::join!(writing, reading);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    (status, json)
}

/// Whether an answer with a `content-length` has all of its body.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .is_some_and(|n| body.len() >= n)
}

#[tokio::test]
async fn bodies_and_uris_over_the_limits_are_graphql_errors_on_a_real_socket() {
    let config = GatewayConfig {
        compression: false,
        ..GatewayConfig::default()
    };
    let (address, _stop) = served(&config).await;
    let big = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(5 << 20)) }).to_string();
    let post = |framing: &str| {
        format!(
            "POST /graphql HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n{framing}\r\n"
        )
    };
    // With and without Content-Length (chunked: the size is known only while reading).
    for (case, head, chunked) in [
        (
            "content-length",
            post(&format!("content-length: {}\r\n", big.len())),
            false,
        ),
        ("chunked", post("transfer-encoding: chunked\r\n"), true),
    ] {
        let (status, body) = raw(address, head, big.as_bytes(), chunked).await;
        assert_eq!(status, 413, "{case}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{case}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("4194304 bytes"), "{case}: {message}");
    }
    // A chunked body within the limit is served.
    let small = json!({ "query": "{ __typename }" }).to_string();
    let (status, body) = raw(
        address,
        post("transfer-encoding: chunked\r\n"),
        small.as_bytes(),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    // URIs over our limit (32 KiB) and over hyper's own (64 KiB): the same GraphQL 414.
    for length in [40 << 10, 70 << 10, 200 << 10] {
        let head = format!(
            "GET /graphql?query=%7B__typename%7D&x={} HTTP/1.1\r\nhost: gateway\r\n\r\n",
            "a".repeat(length)
        );
        let (status, body) = raw(address, head, b"", false).await;
        assert_eq!(status, 414, "{length}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "URI_TOO_LONG",
            "{length}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("32768 bytes"), "{length}: {message}");
    }
    // The server still answers afterwards.
    let (status, body) = raw(
        address,
        "GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nhost: gateway\r\nconnection: close\r\n\r\n".into(),
        b"",
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
