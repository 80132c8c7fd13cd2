//! The deployed topology as local processes (`deploy/run-local.sh`): five subgraphs with
//! campanias twice, two gateways, on PostgreSQL and Redis. A federated query and a live
//! subscription work through both gateways; killing one campanias replica under load
//! fails no request; docker-compose.yml names the same services, ports and variables.

#[path = "support/ports.rs"]
mod ports;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

/// Ports the topology takes above its base (gateways 0 and 10, campanias-2 13).
const SPAN: u16 = 14;

/// What the script started: name → (port, variable names).
type Manifest = BTreeMap<String, (u16, BTreeSet<String>)>;

struct Topology {
    root: PathBuf,
    run_dir: PathBuf,
    env: Vec<(&'static str, String)>,
    postgres: String,
    db_prefix: String,
    redis: String,
    stream: String,
}

impl Topology {
    fn script(&self, command: &str) -> std::process::Output {
        Command::new(self.root.join("deploy/run-local.sh"))
            .arg(command)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("deploy/run-local.sh runs")
    }

    fn manifest(&self) -> Manifest {
        std::fs::read_to_string(self.run_dir.join("services.tsv"))
            .expect("services.tsv")
            .lines()
            .map(|line| {
                let mut cells = line.split('\t');
                let name = cells.next().expect("name").to_owned();
                let port = cells.next().expect("port").parse().expect("port number");
                let vars = cells
                    .next()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect();
                (name, (port, vars))
            })
            .collect()
    }

    fn pid(&self, service: &str) -> String {
        std::fs::read_to_string(self.run_dir.join(format!("{service}.pid")))
            .expect("pid file")
            .trim()
            .to_owned()
    }
}

impl Drop for Topology {
    /// Stops every process and drops what the run created, pass or fail.
    fn drop(&mut self) {
        let _ = self.script("down");
        for context in [
            "clientes",
            "afiliados",
            "campanias",
            "conversiones",
            "pagos",
        ] {
            let _ = Command::new("psql")
                .args(["-w", &self.postgres, "-qc"])
                .arg(format!(
                    "drop database if exists \"{}_{context}\" with (force)",
                    self.db_prefix
                ))
                .status();
        }
        let (redis, stream) = (self.redis.clone(), self.stream.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let options = eventbus::RedisOptions {
                    stream,
                    ..Default::default()
                };
                if let Ok(bus) = eventbus::RedisBus::connect(&redis, options).await {
                    let _ = bus.delete_stream().await;
                }
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}

fn start() -> Topology {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let id = std::process::id();
    let base = ports::free_ports(SPAN);
    let run_dir = std::env::temp_dir().join(format!("alpes-topology-{id}"));
    let postgres = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    // `alpes_test_` databases are dropped by .ci/run if a run is interrupted.
    let db_prefix = format!("alpes_test_topology_{id}");
    let stream = format!("alpes-test-topology-{id}:events");
    let topology = Topology {
        env: vec![
            ("ALPES_BIN", env!("CARGO_BIN_EXE_alpes-partners").to_owned()),
            ("POSTGRES_URL", postgres.clone()),
            ("DB_PREFIX", db_prefix.clone()),
            ("REDIS_URL", redis.clone()),
            ("EVENT_STREAM", stream.clone()),
            ("CACHE_PREFIX", format!("alpes-test-topology-{id}")),
            ("PORT_BASE", base.to_string()),
            ("RUN_DIR", run_dir.display().to_string()),
        ],
        root,
        run_dir,
        postgres,
        db_prefix,
        redis,
        stream,
    };
    let output = topology.script("up");
    assert!(
        output.status.success(),
        "deploy/run-local.sh up failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    topology
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    match http
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(error) => (0, json!({ "transport": error.to_string() })),
    }
}

/// The compose file's services: name → (published ports, environment variable names,
/// whether it has a health check).
fn compose(path: &Path) -> BTreeMap<String, (Vec<String>, BTreeSet<String>, bool)> {
    let text = std::fs::read_to_string(path).expect("docker-compose.yml");
    let docs = YamlLoader::load_from_str(&text).expect("docker-compose.yml is YAML");
    let services = docs[0]["services"].as_hash().expect("services");
    services
        .iter()
        .map(|(name, service)| {
            let ports = service["ports"]
                .as_vec()
                .map(|p| {
                    p.iter()
                        .filter_map(Yaml::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let vars = service["environment"]
                .as_hash()
                .map(|e| {
                    e.keys()
                        .filter_map(Yaml::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let healthy = !service["healthcheck"].is_badvalue();
            (
                name.as_str().expect("name").to_owned(),
                (ports, vars, healthy),
            )
        })
        .collect()
}

const CAMPANIAS: &str = "query($page: Int!, $perPage: Int!) { campanias(paginacion: {page: $page, perPage: $perPage}) { paginacion { total } items { nombre cliente { nombre } } } }";
const CONTADORES: &str = "subscription { contadoresDashboard { totalClientes totalConversiones } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_deployed_topology_survives_a_replica_and_matches_docker_compose() {
    let topology = start();
    let manifest = topology.manifest();
    let base = manifest["gateway-1"].0;
    let gateways: Vec<String> = ["gateway-1", "gateway-2"]
        .iter()
        .map(|g| format!("http://127.0.0.1:{}/graphql", manifest[*g].0))
        .collect();
    let http = reqwest::Client::new();
    // The gateways share the JWT secret: one admin token serves both.
    let login: Value = http
        .post(gateways[0].replace("/graphql", "/auth/login"))
        .json(&json!({ "username": "admin", "password": "admin" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();

    // Subgraphs answer only the gateways: forged claims straight to one are refused.
    for subgraph in ["clientes", "pagos"] {
        let forged = http
            .post(format!("http://127.0.0.1:{}/graphql", manifest[subgraph].0))
            .header(
                "x-gateway-claims",
                r#"{"sub":"intruso","scope":"lectura escritura admin pii"}"#,
            )
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("direct request");
        assert_eq!(
            forged.status(),
            401,
            "{subgraph} refuses callers without the secret"
        );
    }

    // A federated query through each gateway (campanias joined with clientes).
    for gateway in &gateways {
        let (status, body) = post(
            &http,
            gateway,
            &token,
            CAMPANIAS,
            json!({ "page": 1, "perPage": 3 }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"]["campanias"]["items"][0]["cliente"]["nombre"].is_string(),
            "{body}"
        );
    }

    // A live subscription through each gateway: both see a conversion registered through
    // the first, carried across processes by the Redis bus.
    let mut subscribers = Vec::new();
    for gateway in &gateways {
        let mut client = testkit::WsClient::connect(
            &gateway.replace("http://", "ws://"),
            json!({ "Authorization": format!("Bearer {token}") }),
        )
        .await
        .expect("websocket");
        client
            .subscribe("1", CONTADORES, json!({}))
            .await
            .expect("subscribe");
        let first = client
            .next_payload(Duration::from_secs(30))
            .await
            .expect("a result")
            .expect("the counters at once");
        let before = first["data"]["contadoresDashboard"]["totalConversiones"]
            .as_u64()
            .unwrap_or_else(|| panic!("{first}"));
        subscribers.push((client, before));
    }
    let (_, setup) = post(&http, &gateways[0], &token,
        "{ afiliados(filtro: {estado: ACTIVO}, paginacion: {perPage: 1}) { items { id configuracionComisiones { minimoPago { moneda } } } }
           campanias(filtro: {estado: ACTIVA}, paginacion: {perPage: 1}) { items { id } } }", json!({})).await;
    let afiliado = &setup["data"]["afiliados"]["items"][0];
    let input = json!({ "input": {
        "afiliadoId": afiliado["id"], "campaniaId": setup["data"]["campanias"]["items"][0]["id"],
        "tipo": "VENTA", "valor": { "valor": "25", "moneda": afiliado["configuracionComisiones"]["minimoPago"]["moneda"] },
        "canal": "web", "referenciaExterna": "topologia-0001" } });
    let mut registered = Value::Null;
    // conversiones learns the demo's partners and campaigns from the bus after start.
    for _ in 0..240 {
        registered = post(&http, &gateways[0], &token,
            "mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id } } }",
            input.clone()).await.1;
        if registered.get("errors").is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(registered.get("errors").is_none(), "{registered}");
    for (client, before) in &mut subscribers {
        let mut seen = 0;
        for _ in 0..20 {
            let pushed = client
                .next_payload(Duration::from_secs(30))
                .await
                .expect("a result")
                .expect("a push after the conversion");
            seen = pushed["data"]["contadoresDashboard"]["totalConversiones"]
                .as_u64()
                .unwrap_or(0);
            if seen == *before + 1 {
                break;
            }
        }
        assert_eq!(seen, *before + 1, "the new conversion counted");
    }

    // Health and operations over Redis Streams and PostgreSQL: every context's event flow
    // caught up, its own groups on the shared stream, in /health and /metrics.
    operations_are_reported(&http, &gateways[0], &topology.stream, &manifest).await;

    // Load on both gateways; one campanias replica dies in the middle.
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let counter = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for k in 0..8 {
        let (http, gateway, token) = (http.clone(), gateways[k % 2].clone(), token.clone());
        let (stop, answered, failed, counter) = (
            stop.clone(),
            answered.clone(),
            failed.clone(),
            counter.clone(),
        );
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                // Each request different: none is answered from the response cache.
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let variables = json!({ "page": n / 60 + 1, "perPage": n % 60 + 1 });
                let (status, body) = post(&http, &gateway, &token, CAMPANIAS, variables).await;
                if status == 200
                    && body.get("errors").is_none()
                    && body["data"]["campanias"].is_object()
                {
                    answered.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("failed through {gateway}: {status} {body}");
                }
            }
        }));
    }
    // Load flowing through both gateways before the kill.
    until_answered(&answered, 50).await;
    let killed = Command::new("kill")
        .args(["-KILL", &topology.pid("campanias")])
        .status()
        .expect("kill");
    assert!(killed.success());
    let at_kill = answered.load(Ordering::Relaxed);
    // Load goes on after the kill: poll, with a deadline, instead of a fixed window.
    until_answered(&answered, at_kill + 100).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("load client");
    }
    let total = answered.load(Ordering::Relaxed);
    assert!(
        total > at_kill + 50,
        "load went on after the kill: {at_kill} → {total}"
    );
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "no failed request of {total}"
    );

    // The old BFF's health document sees the dead replica: its service degraded, not down.
    let bff: Value = http
        .get(gateways[1].replace("/graphql", "/api/v1/health"))
        .send()
        .await
        .expect("BFF health")
        .json()
        .await
        .expect("json");
    assert_eq!(bff["status"], "degraded", "{bff}");
    let campanias = &bff["services"]["campanias_service"];
    assert_eq!(campanias["status"], "degraded", "{bff}");
    assert!(
        campanias["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("1 of 2 replicas down")),
        "{bff}"
    );
    assert_eq!(bff["services"]["pagos_service"]["status"], "up", "{bff}");
    let metrics: Value = http
        .get(gateways[1].replace("/graphql", "/api/v1/metrics"))
        .send()
        .await
        .expect("BFF metrics")
        .json()
        .await
        .expect("json");
    assert!(metrics["count"].as_u64() > Some(50), "{metrics}");
    assert!(
        metrics["p99"].as_f64() >= metrics["p50"].as_f64(),
        "{metrics}"
    );

    // docker-compose.yml: the same application services, ports and variables, plus
    // PostgreSQL, Redis and the load balancer; every service checked for health.
    let services = compose(&topology.root.join("docker-compose.yml"));
    let names: BTreeSet<&str> = services.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = manifest
        .keys()
        .map(String::as_str)
        .chain(["postgres", "redis", "lb"])
        .collect();
    assert_eq!(names, expected);
    for (name, (port, vars)) in &manifest {
        let (ports, compose_vars, healthy) = &services[name];
        let port = port - base + 4000;
        assert_eq!(ports, &vec![format!("{port}:{port}")], "{name}'s port");
        assert_eq!(compose_vars, vars, "{name}'s variables");
        assert!(healthy, "{name} has a health check");
    }
    for name in ["postgres", "redis"] {
        assert!(services[name].2, "{name} has a health check");
    }
}

const CONTEXTS: [&str; 5] = [
    "clientes",
    "afiliados",
    "campanias",
    "conversiones",
    "pagos",
];

/// The gateway's `/health` shows every context's event flow on the Redis stream, caught up
/// with the demo data's events; `/api/v1/health` and both `/metrics` agree.
async fn operations_are_reported(
    http: &reqwest::Client,
    gateway: &str,
    stream: &str,
    manifest: &Manifest,
) {
    let replica = |health: &Value, name: &str| -> Value {
        health["subgraphs"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let caught_up = |events: &Value| {
        events["status"] == "up"
            && events["outbox"]["backlog"] == 0
            && events["bus"]["groups"].as_array().is_some_and(|groups| {
                groups.iter().all(|g| {
                    g["pending"] == 0 && g["lag"] == 0 && g["consumers"].as_u64() >= Some(1)
                })
            })
    };
    let mut health = Value::Null;
    for _ in 0..600 {
        health = http
            .get(gateway.replace("/graphql", "/health"))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("json");
        if health["status"] == "up"
            && CONTEXTS
                .iter()
                .all(|c| caught_up(&replica(&health, c)["events"]))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for context in CONTEXTS {
        let events = &replica(&health, context)["events"];
        assert!(caught_up(events), "{context}: {health}");
        assert_eq!(events["bus"]["kind"], "redis", "{health}");
        assert_eq!(events["bus"]["stream"], stream, "{health}");
        assert!(
            events["outbox"]["lastPublishedSeq"].is_number(),
            "{context}: {health}"
        );
    }
    let groups: Vec<Value> = replica(&health, "pagos")["events"]["bus"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["group"].clone())
        .collect();
    assert_eq!(
        groups,
        [
            json!("pagos.afiliados"),
            json!("pagos.campanias"),
            json!("pagos.comisiones"),
            json!("pagos.reversiones")
        ],
        "{health}"
    );

    let bff: Value = http
        .get(gateway.replace("/graphql", "/api/v1/health"))
        .send()
        .await
        .expect("BFF health")
        .json()
        .await
        .expect("json");
    assert_eq!(bff["status"], "healthy", "{bff}");
    assert_eq!(
        bff["services"].as_object().map(|s| s.len()),
        Some(5),
        "{bff}"
    );
    // The old pagos service's outbox statistics, served by the gateway alone from the pagos
    // subgraph's own /health, as `/spec` documents them.
    let outbox = http
        .get(gateway.replace("/graphql", "/pagos/outbox/estadisticas"))
        .send()
        .await
        .expect("outbox statistics");
    assert_eq!(outbox.status(), 200);
    let outbox: Value = outbox.json().await.expect("json");
    assert!(outbox["outbox"]["backlog"].is_u64(), "{outbox}");
    assert!(
        outbox["inbox"].as_array().is_some_and(|i| !i.is_empty()),
        "{outbox}"
    );

    let text = http
        .get(gateway.replace("/graphql", "/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for context in CONTEXTS {
        let up = format!("events_up{{subgraph=\"{context}\"}} 1.0");
        assert!(text.lines().any(|l| l == up), "{up}\n{text}");
    }
    assert!(
        text.contains(
            r#"events_consumer_group_lag{subgraph="pagos",group="pagos.comisiones"} 0.0"#
        ),
        "{text}"
    );
    // Each subgraph's own /metrics, open to a scraper without the gateway's credential.
    let own = http
        .get(format!("http://127.0.0.1:{}/metrics", manifest["pagos"].0))
        .send()
        .await
        .expect("subgraph metrics")
        .text()
        .await
        .expect("text");
    assert!(
        own.lines().any(|l| l == r#"events_up{subgraph="pagos"} 1"#),
        "{own}"
    );
}

/// Polls until `answered` reaches `n` (at most 60 s).
async fn until_answered(answered: &AtomicUsize, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::Relaxed) < n {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} answered",
            answered.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
