//! Supergraph hot reload: a changed file is served without a restart, with the most used
//! plans warmed, and no request fails during the swap; a broken file changes nothing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use gateway::{
    config::GatewayConfig,
    server::{AppState, serve_with},
    startup::{engine_from_file, reload, watch_supergraph},
};
use serde_json::{Value, json};

const SHOP: &str = include_str!("fixtures/shop.supergraph.graphql");

/// The shop supergraph with one more (accounts-owned) type and root field.
fn shop_with_extra() -> String {
    SHOP.replace(
        "  me: User @join__field(graph: ACCOUNTS)",
        "  me: User @join__field(graph: ACCOUNTS)\n  extra: Extra @join__field(graph: ACCOUNTS)",
    ) + "\ntype Extra\n  @join__type(graph: ACCOUNTS)\n{\n  id: ID!\n}\n"
}

struct Served {
    url: String,
    state: Arc<AppState>,
    config: GatewayConfig,
    dir: std::path::PathBuf,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn serve(poll_ms: u64) -> Served {
    let dir = std::env::temp_dir().join(format!("gateway-reload-{}-{poll_ms}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("supergraph.graphql");
    std::fs::write(&file, SHOP).expect("write supergraph");
    let config = GatewayConfig {
        supergraph: file,
        supergraph_poll_ms: poll_ms,
        ..GatewayConfig::default()
    };
    let state = AppState::new(engine_from_file(&config).expect("engine"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serve_config = config.clone();
    let serve_state = state.clone();
    tokio::spawn(async move {
        serve_with(listener, serve_state, &serve_config, async {
            let _ = stopped.await;
        })
        .await
    });
    Served {
        url,
        state,
        config,
        dir,
        _stop: stop,
    }
}

async fn extra_type(http: &reqwest::Client, url: &str) -> Value {
    let body: Value = http
        .post(url)
        .json(&json!({ "query": "{ __type(name: \"Extra\") { name } }" }))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    body["data"]["__type"].clone()
}

#[tokio::test]
async fn a_changed_supergraph_is_swapped_in_without_failed_requests() {
    let served = serve(0).await;
    let http = reqwest::Client::new();
    assert_eq!(extra_type(&http, &served.url).await, Value::Null);

    // Traffic during the reloads: every answer must be a success.
    let running = Arc::new(AtomicBool::new(true));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (http, url, running, answered) = (
            http.clone(),
            served.url.clone(),
            running.clone(),
            answered.clone(),
        );
        clients.push(tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                let response = http
                    .post(&url)
                    .json(&json!({ "query": "{ __typename }" }))
                    .send()
                    .await
                    .expect("no dropped connection");
                assert_eq!(response.status(), 200);
                let body: Value = response.json().await.expect("json");
                assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for round in 0..6 {
        let sdl = if round % 2 == 0 {
            shop_with_extra()
        } else {
            SHOP.to_owned()
        };
        std::fs::write(&served.config.supergraph, sdl).expect("rewrite");
        let before = answered.load(Ordering::Relaxed);
        let warmed = reload(&served.state, &served.config).expect("reload");
        assert!(warmed >= 1, "the used operation was planned ahead");
        // Traffic must reach the swapped-in supergraph before the next swap: wait for
        // answers after this reload instead of a fixed pause.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while answered.load(Ordering::Relaxed) < before + 4 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no answers after a reload"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    running.store(false, Ordering::Relaxed);
    for client in clients {
        client.await.expect("client task");
    }
    assert!(answered.load(Ordering::Relaxed) > 0);
    // Last round wrote the plain shop: the extra type is gone again.
    assert_eq!(extra_type(&http, &served.url).await, Value::Null);

    // A broken file is refused and the current supergraph stays.
    std::fs::write(&served.config.supergraph, "type Query {").expect("rewrite");
    assert!(reload(&served.state, &served.config).is_err());
    assert_eq!(
        extra_type(&http, &served.url).await,
        Value::Null,
        "still serving the previous supergraph"
    );
    std::fs::remove_dir_all(&served.dir).ok();
}

#[tokio::test]
async fn the_watcher_reloads_a_changed_file() {
    let served = serve(50).await;
    let watcher = watch_supergraph(served.state.clone(), served.config.clone()).expect("watching");
    let http = reqwest::Client::new();
    assert_eq!(extra_type(&http, &served.url).await, Value::Null);
    std::fs::write(&served.config.supergraph, shop_with_extra()).expect("rewrite");
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = extra_type(&http, &served.url).await;
        if !seen.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, json!({ "name": "Extra" }));
    watcher.abort();
    std::fs::remove_dir_all(&served.dir).ok();
}

/// A subgraph under development: its `_service { sdl }` answers whatever SDL it holds now;
/// `served` counts the answers.
async fn dev_subgraph(sdl: Arc<std::sync::Mutex<String>>, served: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || {
            let (sdl, served) = (sdl.clone(), served.clone());
            async move {
                let sdl = sdl.lock().expect("lock").clone();
                served.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({ "data": { "_service": { "sdl": sdl } } }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    url
}

fn subgraph_sdl(fields: &str) -> String {
    format!(
        "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.3\", import: [\"@key\"])\n\ntype Query {{\n{fields}\n}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_mode_recomposes_when_a_subgraph_changes() {
    let sdl = Arc::new(std::sync::Mutex::new(subgraph_sdl("  hola: String")));
    let served = Arc::new(AtomicUsize::new(0));
    let url = dev_subgraph(sdl.clone(), served.clone()).await;
    let mut config = GatewayConfig::default();
    config.introspect.subgraphs.insert("saludos".into(), url);
    config.introspect.poll_ms = 30;
    config.validate().expect("valid");
    let (engine, sdls) = gateway::startup::engine_from_subgraphs(&config, Default::default())
        .await
        .expect("composed from the running subgraph");
    let state = AppState::new(engine);
    let watcher = gateway::startup::watch_subgraphs(state.clone(), config.clone(), sdls);
    let fields = || {
        let engine = state.engine();
        let mut names: Vec<String> = engine
            .supergraph()
            .api_schema
            .get_object("Query")
            .map(|q| q.fields.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default();
        names.sort();
        names
    };
    assert_eq!(fields(), ["hola"]);

    *sdl.lock().expect("lock") = subgraph_sdl("  hola: String\n  adios: String");
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = fields();
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen,
        ["adios", "hola"],
        "the new field is served without a restart"
    );

    // An SDL that does not compose keeps the last good supergraph.
    *sdl.lock().expect("lock") = subgraph_sdl("  hola: NoSuchType");
    // Polls are sequential: two more answers mean the broken SDL was read and handled.
    let asked = served.load(Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while served.load(Ordering::SeqCst) < asked + 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no poll after the change"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fields(), ["adios", "hola"]);
    watcher.abort();
}
