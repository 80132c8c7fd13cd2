//! Arbitrary bodies to `POST /graphql` (and `/auth/login`): no panic, every error answer a
//! GraphQL error with a code, no 500 but a planning failure.
#![no_main]

use std::sync::OnceLock;

use axum::{
    body::Body,
    http::{Request, header},
};
use gateway::{
    config::GatewayConfig,
    server::{AppState, router_with},
    startup::{engine_from_config},
};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Harness {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut config = GatewayConfig {
            compression: false,
            ..GatewayConfig::default()
        };
        for name in ["accounts", "products", "reviews"] {
            config.subgraphs.insert(
                name.into(),
                gateway::config::SubgraphConfig {
                    url: Some("http://127.0.0.1:9/graphql".into()),
                    ..Default::default()
                },
            );
        }
        let sdl = include_str!("../../tests/fixtures/shop.supergraph.graphql");
        let app = runtime.block_on(async {
            let engine = engine_from_config(sdl, &config).expect("engine");
            router_with(AppState::configured(engine, &config), &config)
        });
        Harness { runtime, app }
    })
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let path = if data.first() == Some(&b'L') {
        "/auth/login"
    } else {
        "/graphql"
    };
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(data.to_vec()))
        .expect("request");
    harness.runtime.block_on(async {
        let response = harness
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON answer");
        for e in body["errors"].as_array().into_iter().flatten() {
            let code = e["extensions"]["code"].as_str().expect("a code");
            assert!(code != "INTERNAL_SERVER_ERROR", "{body}");
        }
        assert!(
            status != 500 || body.to_string().contains("QUERY_PLANNING_FAILED"),
            "{body}"
        );
    });
});
