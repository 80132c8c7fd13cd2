//! A subgraph served by several replicas: requests take turns over them, killing one under
//! load fails no query (each is retried on the next replica), a mutation is never sent
//! twice, and probes take a failing replica out of turn and bring it back.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use gateway::{
    compose::{SubgraphSdl, compose},
    config::{GatewayConfig, SubgraphConfig},
    server::{AppState, serve},
    startup::engine_from_config,
};
use serde_json::{Value, json};
use test_subgraphs::TestSubgraph;

const QUERY: &str = "{ topProducts(first: 3) { upc name } }";

struct Setup {
    url: String,
    /// The other subgraphs, kept running.
    _others: Vec<TestSubgraph>,
    replicas: Vec<TestSubgraph>,
}

/// The conformance subgraphs with `name` served by two replicas behind one gateway.
async fn two_replicas_of(name: &str, probe_ms: u64) -> Setup {
    let mut others = test_subgraphs::conformance::start().await;
    let at = others
        .iter()
        .position(|s| s.name() == name)
        .expect("fixture");
    let first = others.remove(at);
    let second = first
        .subgraph()
        .clone()
        .start()
        .await
        .expect("second replica");
    let mut sdls: Vec<SubgraphSdl> = others
        .iter()
        .chain([&first])
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    sdls.sort_by(|a, b| a.name.cmp(&b.name));
    let supergraph = compose(&sdls).expect("compose");
    let mut config = GatewayConfig {
        replica_probe_ms: probe_ms,
        ..GatewayConfig::default()
    };
    config.subgraphs.insert(
        name.to_owned(),
        SubgraphConfig {
            urls: vec![first.url().to_owned(), second.url().to_owned()],
            ..Default::default()
        },
    );
    config.validate().expect("valid configuration");
    let engine = engine_from_config(&supergraph, &config).expect("engine");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    tokio::spawn(serve(
        listener,
        AppState::new(engine),
        std::future::pending(),
    ));
    Setup {
        url,
        _others: others,
        replicas: vec![first, second],
    }
}

async fn post(http: &reqwest::Client, url: &str, query: &str) -> (u16, Value) {
    let response = http
        .post(url)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the gateway answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_a_replica_under_load_fails_no_query() {
    let setup = Arc::new(two_replicas_of("products", 200).await);
    let http = reqwest::Client::new();
    for _ in 0..10 {
        let (status, body) = post(&http, &setup.url, QUERY).await;
        assert_eq!(status, 200, "{body}");
    }
    assert!(
        setup.replicas.iter().all(|r| !r.requests().is_empty()),
        "requests take turns over both replicas"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (http, setup, stop) = (http.clone(), setup.clone(), stop.clone());
        let (answered, failed) = (answered.clone(), failed.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = post(&http, &setup.url, QUERY).await;
                let ok = status == 200
                    && body.get("errors").is_none()
                    && body["data"]["topProducts"]
                        .as_array()
                        .is_some_and(|p| p.len() == 3);
                if ok {
                    answered.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("failed: {status} {body}");
                }
            }
        }));
    }
    until_answered(&answered, 20).await;
    setup.replicas[0].kill();
    let killed_at = answered.load(Ordering::Relaxed);
    // Load goes on after the kill: poll, with a deadline, instead of a fixed window.
    until_answered(&answered, killed_at + 100).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("client");
    }
    let total = answered.load(Ordering::Relaxed);
    assert!(
        total > killed_at + 20,
        "load went on after the kill: {killed_at} → {total}"
    );
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "no failed request of {total}"
    );
}

#[tokio::test]
async fn a_mutation_is_never_sent_twice() {
    // No probes: the gateway learns of the dead replica only by failing on it.
    let setup = two_replicas_of("accounts", 0).await;
    let http = reqwest::Client::new();
    setup.replicas[0].kill();
    let mutation = "mutation { increment(by: 1) }";
    // Turns start at the first replica: the first mutation reaches the dead one.
    let (status, body) = post(&http, &setup.url, mutation).await;
    assert!(status == 200 || status >= 500, "{status}");
    let errors = body["errors"].as_array().expect("an error, not a retry");
    assert_eq!(
        errors[0]["extensions"]["code"], "SUBREQUEST_HTTP_ERROR",
        "{body}"
    );
    assert!(
        setup.replicas[1].requests().is_empty(),
        "not resent to the other replica: {:?}",
        setup.replicas[1].requests()
    );
    // The dead replica now sits out: the next mutations go to the live one, once each.
    for _ in 0..3 {
        let (_, body) = post(&http, &setup.url, mutation).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(setup.replicas[1].requests().len(), 3);
}

/// Queries a replica received (probes are `{ __typename }`).
fn queries(replica: &TestSubgraph) -> usize {
    replica
        .requests()
        .iter()
        .filter(|q| {
            q["query"]
                .as_str()
                .is_some_and(|q| q.contains("topProducts"))
        })
        .count()
}

#[tokio::test]
async fn probes_take_a_failing_replica_out_and_bring_it_back() {
    let setup = two_replicas_of("products", 100).await;
    let http = reqwest::Client::new();
    // Answering, but not well: only a probe can tell (no connection fails).
    setup.replicas[0].set_status(503);
    // The probe interval is the gateway's timer: poll until two queries in a row skip it.
    until_turns(&http, &setup, |first| first == 0).await;
    setup.replicas.iter().for_each(TestSubgraph::clear_requests);
    for _ in 0..10 {
        let (status, body) = post(&http, &setup.url, QUERY).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(queries(&setup.replicas[0]), 0, "out of service");
    assert_eq!(queries(&setup.replicas[1]), 10);
    setup.replicas[0].set_status(200);
    until_turns(&http, &setup, |first| first > 0).await;
    setup.replicas.iter().for_each(TestSubgraph::clear_requests);
    for _ in 0..10 {
        post(&http, &setup.url, QUERY).await;
    }
    assert!(queries(&setup.replicas[0]) >= 4, "back in turn");
}

/// Polls until `answered` reaches `n` (at most 30 s).
async fn until_answered(answered: &AtomicUsize, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::Relaxed) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} answered",
            answered.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends two queries at a time until `holds` is true of the queries the first replica got
/// of them (turns alternate: 0 means it is out of service), at most 30 s.
async fn until_turns(http: &reqwest::Client, setup: &Setup, holds: impl Fn(usize) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        setup.replicas.iter().for_each(TestSubgraph::clear_requests);
        for _ in 0..2 {
            post(http, &setup.url, QUERY).await;
        }
        if holds(queries(&setup.replicas[0])) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the probes never decided"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
