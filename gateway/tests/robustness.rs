//! Requests built to exhaust the gateway are bounded before they run: the fragment bomb
//! (limits measured in linear time), unmatched braces (parser errors capped), and every
//! request's time budget (CPU stages included), with a bounded drain at shutdown.

#[path = "common/federation.rs"]
mod federation;
#[path = "common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::time::{Duration, Instant};

use federation::{Composer, Federation};
use gateway::{
    compose::{SubgraphSdl, compose},
    config::GatewayConfig,
    engine::RequestOptions,
    pipeline::{GraphqlRequest, MAX_REPORTED_ERRORS},
    server::{AppState, serve_with},
    startup::engine_from_config,
};
use serde_json::{Value, json};

/// `levels` fragments, each spreading the one before twice: 2^levels copies of `L0`'s
/// fields from a document of about 40 bytes per level.
fn fragment_bomb(levels: usize) -> String {
    let mut document = format!("query Bomb {{ ...L{} }}\n", levels - 1);
    document.push_str("fragment L0 on Query { __typename me { name } }\n");
    for i in 1..levels {
        document.push_str(&format!(
            "fragment L{i} on Query {{ ...L{} ...L{} }}\n",
            i - 1,
            i - 1
        ));
    }
    document
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragment_bomb_is_refused_by_the_limits_while_other_requests_are_served() {
    let f = Federation::conformance(Composer::Ours).await;
    // Warm: the normal query's plan is cached, as in production.
    assert_eq!(
        f.query("{ me { name } }").await["data"]["me"]["name"],
        "Ada Lovelace"
    );
    let alone = Instant::now();
    let answers = futures::future::join_all((0..8).map(|_| f.query("{ me { name } }"))).await;
    assert!(
        answers
            .iter()
            .all(|a| a["data"]["me"]["name"] == "Ada Lovelace")
    );
    println!(
        "8 normal queries at once, no bomb: all done in {}",
        millis(alone.elapsed())
    );
    for levels in [24, 39] {
        let bomb = fragment_bomb(levels);
        assert!(bomb.len() < 2048, "a small request: {} bytes", bomb.len());
        let started = Instant::now();
        let bombs = futures::future::join_all((0..8).map(|_| async {
            let t = Instant::now();
            (f.query(&bomb).await, t.elapsed())
        }));
        let normal = futures::future::join_all((0..8).map(|_| async {
            let t = Instant::now();
            (f.query("{ me { name } }").await, t.elapsed())
        }));
        let (bombs, normal) = futures::join!(bombs, normal);
        for (answer, _) in &bombs {
            assert_eq!(
                answer["errors"][0]["extensions"]["code"], "MAX_FIELDS_LIMIT",
                "{answer}"
            );
            assert!(answer.get("data").is_none(), "{answer}");
        }
        for (answer, _) in &normal {
            assert_eq!(answer["data"]["me"]["name"], "Ada Lovelace", "{answer}");
        }
        let slowest = |list: &[(Value, Duration)]| list.iter().map(|(_, d)| *d).max();
        println!(
            "fragment bomb, {levels} levels ({} bytes), 8 bombs + 8 normal queries at once: \
             slowest bomb {}, slowest normal query {}, all done in {}",
            bomb.len(),
            millis(slowest(&bombs).unwrap_or_default()),
            millis(slowest(&normal).unwrap_or_default()),
            millis(started.elapsed()),
        );
    }
}

#[tokio::test]
async fn aliases_in_a_fragment_bomb_are_counted_at_every_expansion() {
    let f = Federation::conformance(Composer::Ours).await;
    let bomb = fragment_bomb(30).replace("{ __typename me", "{ a: __typename me");
    let answer = f.query(&bomb).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "MAX_ALIASES_LIMIT",
        "{answer}"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&(1u64 << 29).to_string())),
        "2^29 aliases: {answer}"
    );
}

#[tokio::test]
async fn a_long_chain_of_fragments_is_measured_without_exhausting_the_stack() {
    let f = Federation::conformance(Composer::Ours).await;
    // Each fragment spreads the next once: no blow-up, but deep if measured recursively.
    let levels = 2500;
    let mut document = String::from("{ ...F0 }\n");
    for i in 0..levels {
        document.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    document.push_str(&format!(
        "fragment F{levels} on Query {{ me {{ name }} }}\n"
    ));
    let response = f.http_post(json!({ "query": document })).await;
    // Over the default token limit, or valid and answered: never a crash.
    let code = response["errors"][0]["extensions"]["code"].as_str();
    assert!(
        code == Some("MAX_TOKENS_LIMIT") || response["data"]["me"]["name"] == "Ada Lovelace",
        "{response}"
    );
}

#[tokio::test]
async fn unmatched_braces_get_a_short_answer_with_capped_errors() {
    let f = Federation::conformance(Composer::Ours).await;
    let braces = format!("{}{}", "{".repeat(8000), "}".repeat(8000));
    let started = Instant::now();
    let text = f.query_text(&braces).await;
    let elapsed = started.elapsed();
    let answer: Value = serde_json::from_str(&text).expect("JSON");
    let errors = answer["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), MAX_REPORTED_ERRORS + 1, "{text:.2000}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
    }
    assert!(
        errors[MAX_REPORTED_ERRORS]["message"]
            .as_str()
            .is_some_and(|m| m.contains("more errors not listed")),
        "{text:.2000}"
    );
    assert!(
        text.len() < 32 << 10,
        "a short answer: {} bytes",
        text.len()
    );
    println!(
        "16 KB of unmatched braces: answered in {} with {} bytes",
        millis(elapsed),
        text.len()
    );
    // The gateway still answers.
    assert_eq!(
        f.query("{ me { name } }").await["data"]["me"]["name"],
        "Ada Lovelace"
    );
}

/// The conformance subgraphs behind a gateway served with `config`'s HTTP layers.
async fn served_with(
    config: GatewayConfig,
) -> (
    Vec<test_subgraphs::TestSubgraph>,
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let subgraphs = test_subgraphs::conformance::start().await;
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    let supergraph = compose(&sdls).expect("composes");
    let engine = engine_from_config(&supergraph, &config).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::configured(engine, &config);
    let server = tokio::spawn(async move {
        serve_with(listener, state, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    (subgraphs, url, stop, server)
}

#[tokio::test]
async fn a_request_past_its_time_budget_ends_with_request_timeout() {
    let mut config = GatewayConfig::default();
    config.limits.request_timeout_ms = 300;
    config.subgraph_timeout_ms = 60_000;
    let (subgraphs, url, _stop, _server) = served_with(config).await;
    test_subgraphs::by_name(&subgraphs, "accounts").set_delay(Duration::from_secs(60));
    let response = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "query": "{ me { name } }" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 504);
    let body: Value = response.json().await.expect("a GraphQL JSON body");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
        "{body}"
    );
}

#[tokio::test]
async fn a_request_out_of_time_stops_before_planning_and_asks_no_subgraph() {
    let f = Federation::conformance(Composer::Ours).await;
    let engine = f.state.engine();
    let request = GraphqlRequest {
        query: Some("{ me { name } topProducts { name } }".into()),
        ..Default::default()
    };
    f.clear_requests();
    let options = RequestOptions {
        deadline: Some(Instant::now()),
        ..Default::default()
    };
    let response = engine.execute(&request, &options).await;
    let body: Value = serde_json::from_slice(&response.body).expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
        "{body}"
    );
    assert!(f.request_counts().is_empty(), "no subgraph was asked");
    // Within its budget the same request runs.
    let response = engine.execute(&request, &RequestOptions::default()).await;
    let body: Value = serde_json::from_slice(&response.body).expect("json");
    assert_eq!(body["data"]["me"]["name"], "Ada Lovelace", "{body}");
}

#[tokio::test]
async fn shutdown_drains_for_its_grace_period_and_then_stops() {
    let mut config = GatewayConfig::default();
    config.limits.shutdown_grace_ms = 200;
    config.subgraph_timeout_ms = 120_000;
    config.limits.request_timeout_ms = 120_000;
    let (subgraphs, url, stop, server) = served_with(config).await;
    let accounts = test_subgraphs::by_name(&subgraphs, "accounts");
    accounts.set_delay(Duration::from_secs(120));
    let stuck = tokio::spawn(async move {
        reqwest::Client::new()
            .post(&url)
            .json(&json!({ "query": "{ me { name } }" }))
            .send()
            .await
    });
    // The request is in flight once the subgraph has received it.
    while accounts.requests().is_empty() {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    stop.send(()).expect("server running");
    // Bounded by the grace period, not by the stuck request (a guard against a hang).
    let served = tokio::time::timeout(Duration::from_secs(60), server)
        .await
        .expect("the server stopped instead of waiting for the stuck request")
        .expect("task");
    assert!(served.is_ok(), "{served:?}");
    println!(
        "shutdown with a stuck request took {}",
        millis(started.elapsed())
    );
    stuck.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_gateway_binary_while_a_request_is_stuck() {
    let subgraphs = test_subgraphs::conformance::start().await;
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("gateway-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("supergraph.graphql");
    std::fs::write(&file, compose(&sdls).expect("composes")).expect("write supergraph");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--supergraph",
        ])
        .arg(&file)
        .env("GATEWAY_LIMITS__SHUTDOWN_GRACE_MS", "300")
        .env("GATEWAY_SUPERGRAPH_POLL_MS", "0")
        .env("GATEWAY_SUBGRAPH_TIMEOUT_MS", "120000")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("the gateway starts");
    let url = format!("http://127.0.0.1:{port}/graphql");
    let http = reqwest::Client::new();
    // Ready once it answers (a guard of a minute against a gateway that never starts).
    let ready = Instant::now();
    while http
        .post(&url)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .is_err()
    {
        assert!(
            ready.elapsed() < Duration::from_secs(60),
            "the gateway never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let accounts = test_subgraphs::by_name(&subgraphs, "accounts");
    accounts.set_delay(Duration::from_secs(120));
    let stuck = tokio::spawn({
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.post(&url)
                .json(&json!({ "query": "{ me { name } }" }))
                .send()
                .await
        }
    });
    while accounts.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    let exit = tokio::task::spawn_blocking(move || {
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return Some(status);
            }
            // A guard against a gateway that never stops.
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .expect("waiter");
    let exit = exit.expect("the gateway stopped after SIGTERM despite the stuck request");
    assert!(exit.success(), "{exit:?}");
    println!(
        "SIGTERM to exit with a stuck request: {}",
        millis(started.elapsed())
    );
    stuck.abort();
    let _ = std::fs::remove_dir_all(&dir);
}
