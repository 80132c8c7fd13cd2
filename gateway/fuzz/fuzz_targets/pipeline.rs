//! Parse → validate → limits → plan on arbitrary documents: no input may panic, and every
//! refusal carries `extensions.code`.
#![no_main]

use std::sync::OnceLock;

use gateway::{engine::Engine, pipeline::GraphqlRequest, startup::engine_from_config};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let sdl = include_str!("../../tests/fixtures/shop.supergraph.graphql");
        engine_from_config(sdl, &gateway::config::GatewayConfig::default())
            .expect("the fixture supergraph is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let request = GraphqlRequest {
        query: Some(query.to_owned()),
        ..Default::default()
    };
    if let Err(error) = engine().dry_run(&request) {
        let body = error.to_response();
        for e in body["errors"].as_array().into_iter().flatten() {
            assert!(e["extensions"]["code"].is_string(), "{e}");
        }
    }
});
