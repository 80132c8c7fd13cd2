//! The embedded launcher as a user runs it: a real process, real ports, SQLite files.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use serde_json::{Value, json};

struct Launched {
    child: Child,
    urls: Vec<String>,
    stdout: mpsc::Receiver<String>,
}

/// A base port that, with its next five ports, is free right now.
fn free_base_port() -> u16 {
    for _ in 0..50 {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind probe");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        let base = port.saturating_sub(1);
        let free = (0..=5).all(|n| std::net::TcpListener::bind(("127.0.0.1", base + n)).is_ok());
        if free && base > 1024 {
            return base;
        }
    }
    panic!("no free port range");
}

fn launch(data_dir: &std::path::Path) -> Launched {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alpes-partners"))
        .args(["--data-dir", data_dir.to_str().expect("utf-8 path")])
        .args(["--base-port", &free_base_port().to_string()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("launcher starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut urls = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("launcher prints its URLs");
        if let Some(url) = line.split_whitespace().find(|w| w.ends_with("/graphql")) {
            urls.push(url.to_owned());
        }
        if line.contains("Press Ctrl-C") {
            break;
        }
    }
    Launched {
        child,
        urls,
        stdout: rx,
    }
}

async fn total(http: &reqwest::Client, url: &str, field: &str) -> u64 {
    let body: Value = http
        .post(url)
        .json(&json!({ "query": format!("{{ {field} {{ paginacion {{ total }} }} }}") }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    body["data"][field]["paginacion"]["total"]
        .as_u64()
        .unwrap_or_else(|| panic!("{body}"))
}

fn stop(mut launched: Launched) {
    let pid = launched.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = launched.child.wait().expect("exit");
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    let rest: Vec<String> = launched.stdout.try_iter().collect();
    assert!(rest.iter().any(|l| l == "Stopped."), "{rest:?}");
}

#[tokio::test]
async fn embedded_mode_serves_every_subgraph_with_demo_data_once() {
    let data_dir = std::env::temp_dir().join(format!("alpes-launcher-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let http = reqwest::Client::new();

    let launched = launch(&data_dir);
    assert_eq!(
        launched.urls.len(),
        5,
        "gateway + 4 subgraphs: {:?}",
        launched.urls
    );
    for url in &launched.urls {
        let health: Value = http
            .get(url.replace("/graphql", "/health"))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        assert_eq!(health["status"], "up", "{url}");
    }
    let gateway = &launched.urls[0];
    assert_eq!(total(&http, &launched.urls[1], "clientes").await, 300);
    let afiliados = total(&http, &launched.urls[2], "afiliados").await;
    assert!(afiliados > 150, "demo partners not deleted: {afiliados}");
    // The gateway serves both subgraphs through one federated schema, with GraphiQL.
    assert_eq!(total(&http, gateway, "clientes").await, 300);
    assert_eq!(total(&http, gateway, "afiliados").await, afiliados);
    // Demo campaigns belong to demo clientes: the gateway joins them across subgraphs.
    assert_eq!(total(&http, gateway, "campanias").await, 60);
    let body: Value = http
        .post(gateway)
        .json(&json!({ "query": "{ campanias(paginacion: {perPage: 100}) { items { cliente { nombre } } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    let items = body["data"]["campanias"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 60, "{body}");
    assert!(
        items.iter().all(|c| c["cliente"]["nombre"].is_string()),
        "{body}"
    );
    // Demo conversions point at demo campaigns and partners: four subgraphs in one query.
    let body: Value = http
        .post(gateway)
        .json(&json!({ "query": "{ conversiones(paginacion: {perPage: 50}) { paginacion { total } items { campania { nombre cliente { nombre } } afiliado { nombre } } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["conversiones"]["paginacion"]["total"]
            .as_u64()
            .is_some_and(|n| n >= 1000),
        "{body}"
    );
    let items = body["data"]["conversiones"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 50, "{body}");
    assert!(
        items.iter().all(|c| c["campania"]["nombre"].is_string()
            && c["campania"]["cliente"]["nombre"].is_string()
            && c["afiliado"]["nombre"].is_string()),
        "{body}"
    );
    // Demo users log in for tokens the gateway accepts.
    let login: Value = http
        .post(gateway.replace("/graphql", "/auth/login"))
        .json(&json!({ "username": "operador", "password": "operador" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    assert_eq!(login["scopes"], json!(["lectura", "escritura"]), "{login}");
    let token = login["token"].as_str().expect("token");
    let status = http
        .post(gateway)
        .bearer_auth(token)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("query")
        .status();
    assert_eq!(status, 200);
    let graphiql = http
        .get(gateway.replace("/graphql", "/graphiql"))
        .send()
        .await
        .expect("graphiql");
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql.text().await.expect("html").contains("<html"));
    stop(launched);
    assert!(data_dir.join("clientes.db").exists());

    // A second start migrates nothing new and loads no second copy of the demo data.
    let again = launch(&data_dir);
    assert_eq!(total(&http, &again.urls[1], "clientes").await, 300);
    assert_eq!(total(&http, &again.urls[2], "afiliados").await, afiliados);
    stop(again);
    std::fs::remove_dir_all(&data_dir).ok();
}
