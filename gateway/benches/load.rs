//! Load benchmark; numbers are printed, never asserted. `cargo bench -p gateway --bench load`.
//!
//! The `gateway` binary runs as its own process (peak RSS from `/proc/<pid>/status`) in front
//! of the in-process benchmark subgraphs. Closed-loop clients post `BENCH_QUERY` to it
//! ("gateway"), then replay the subgraph requests the gateway makes for it, wave by wave
//! as its plan orders them ("direct"): the difference is the gateway's overhead.
//!
//! Beside it, in the same run: the gateway with in-flight deduplication off ("no-dedupe"),
//! and a reference router ("reference", Hive Router's `hive_router` binary when
//! `BENCH_REFERENCE_BIN` names it or it is on `PATH`/in `~/.cargo/bin`; a bench-time tool,
//! never a dependency). CPU per request is the router process's user + system time over the
//! requests it answered.
//!
//! Environment: `BENCH_CONCURRENCY` (comma list, default `1,8,32`), `BENCH_SECONDS` per run
//! (default 5), `BENCH_REQUESTS` (a fixed request count per run instead of seconds, e.g. under
//! a profiler), `BENCH_MODES` (default `gateway,no-dedupe,reference,direct`),
//! `BENCH_GATEWAY_WRAPPER` (a command prefix for the gateway, e.g. `valgrind
//! --tool=callgrind`), `BENCH_GATEWAY_BIN` (another gateway binary, e.g. a build with debug
//! info for `perf`), `BENCH_REFERENCE_BIN` (the reference router's binary).

#[path = "../tests/common/js_composer.rs"]
#[allow(dead_code)]
mod js_composer;

use std::{
    collections::{HashMap, VecDeque},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::body::Bytes;
use futures::future::{BoxFuture, FutureExt, join_all};
use gateway::compose::{SubgraphSdl, compose};
use reqwest::{Client, header::CONTENT_TYPE};
use serde_json::{Value, json};
use test_subgraphs::{TestSubgraph, benchmark};

const WARMUP: Duration = Duration::from_secs(1);

struct Config {
    concurrency: Vec<usize>,
    duration: Duration,
    requests: Option<usize>,
    modes: Vec<Mode>,
    wrapper: Vec<String>,
}

impl Config {
    fn from_env() -> Self {
        // `cargo bench` passes `--bench`; anything else (`cargo test --benches`) is a smoke run.
        let full = std::env::args().any(|a| a == "--bench");
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let concurrency = var("BENCH_CONCURRENCY")
            .unwrap_or_else(|| if full { "1,8,32" } else { "1" }.to_owned())
            .split(',')
            .map(|c| {
                c.trim()
                    .parse()
                    .expect("BENCH_CONCURRENCY: comma-separated numbers")
            })
            .collect();
        let seconds: f64 = var("BENCH_SECONDS")
            .map(|s| s.parse().expect("BENCH_SECONDS: a number"))
            .unwrap_or(if full { 5.0 } else { 0.5 });
        let modes =
            var("BENCH_MODES").unwrap_or_else(|| "gateway,no-dedupe,reference,direct".to_owned());
        let modes = modes
            .split(',')
            .map(|m| Mode::parse(m.trim()).unwrap_or_else(|| panic!("BENCH_MODES: unknown {m}")))
            .collect();
        Self {
            concurrency,
            duration: Duration::from_secs_f64(seconds),
            requests: var("BENCH_REQUESTS").map(|n| n.parse().expect("BENCH_REQUESTS: a number")),
            modes,
            wrapper: var("BENCH_GATEWAY_WRAPPER")
                .map(|w| w.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        }
    }
}

/// A router process (ours or the reference); it is stopped on drop.
struct RouterProcess {
    child: Child,
    url: String,
}

/// The reference router's binary: `BENCH_REFERENCE_BIN`, else `hive_router` on `PATH` or
/// in `~/.cargo/bin`.
fn reference_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("BENCH_REFERENCE_BIN") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var("HOME")
        .ok()
        .map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(PathBuf::from)
        .chain(home)
        .map(|dir| dir.join("hive_router"))
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    // Bind, read, release: the router binds it right after.
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl RouterProcess {
    /// Our gateway on the supergraph file, deduplicating in-flight requests or not.
    fn gateway(supergraph: &Path, wrapper: &[String], dedupe: bool) -> Self {
        let port = free_port();
        let binary = std::env::var("BENCH_GATEWAY_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_gateway").to_owned());
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&binary);
                command
            }
            None => Command::new(&binary),
        };
        let child = command
            .arg("serve")
            .arg("--supergraph")
            .arg(supergraph)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .env("GATEWAY_TRAFFIC_SHAPING__DEDUPE", dedupe.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        }
    }

    /// The reference router on the supergraph file.
    fn reference(binary: &Path, supergraph: &Path) -> Self {
        let port = free_port();
        let child = Command::new(binary)
            .env("SUPERGRAPH_FILE_PATH", supergraph)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("LOG_LEVEL", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
        }
    }

    /// Waits until it answers a query (`{ __typename }`).
    async fn wait_ready(&mut self, client: &Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the router exited at start-up: {status}");
            }
            let probe = client
                .post(&self.url)
                .header(CONTENT_TYPE, "application/json")
                .body(r#"{"query":"{ __typename }"}"#)
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the router did not answer {} within 60 s", self.url);
    }

    /// `VmHWM` (peak resident set) in MB.
    fn peak_rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.child.id(), "VmHWM:").map(|kb| kb as f64 / 1024.0)
    }

    /// `VmRSS` (current resident set) in MB.
    fn rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.child.id(), "VmRSS:").map(|kb| kb as f64 / 1024.0)
    }

    /// CPU time used so far (user + system), in seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command (which may hold spaces): utime and stime are the 12th
        // and 13th, in clock ticks (100 per second on Linux).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }
}

impl Drop for RouterProcess {
    fn drop(&mut self) {
        // SIGTERM first so a wrapper (valgrind) can write its output.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proc_status_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The expected `data` of `BENCH_QUERY`, built from the fixture's documented data rules.
fn expected_data() -> Value {
    let reviews_by = |pick: fn(usize) -> usize, id: usize| -> Vec<usize> {
        (1..=30).filter(|&n| pick(n) == id).collect()
    };
    let author = |n: usize| (n - 1) % 10 + 1;
    let product_of = |n: usize| (7 * (n - 1)) % 10 + 1;
    let review = |n: usize| {
        json!({
            "id": n.to_string(),
            "body": format!(
                "Review {n} of product {} by user{}: sturdy, well packed, arrived on time, would order again.",
                product_of(n),
                author(n)
            ),
        })
    };
    let product = |p: usize| {
        let (price, weight) = (150 * p, 10 * p);
        json!({
            "inStock": !p.is_multiple_of(3),
            "name": format!("Product {p}"),
            "price": price,
            "shippingEstimate": if price > 1000 { 0 } else { weight / 2 },
            "upc": p.to_string(),
            "weight": weight,
        })
    };
    let user = |u: usize| json!({ "id": u.to_string(), "username": format!("user{u}"), "name": format!("User {u}") });
    let with = |mut object: Value, key: &str, value: Value| {
        object[key] = value;
        object
    };
    // author { ...User reviews { ...Review product { ...Product } } }
    let deep_user = |u: usize| {
        let reviews = reviews_by(author, u)
            .into_iter()
            .map(|r| with(review(r), "product", product(product_of(r))))
            .collect();
        with(user(u), "reviews", Value::Array(reviews))
    };
    // product { ...Product reviews { ...Review author { <deep_user> } } }
    let deep_product = |p: usize| {
        let reviews = reviews_by(product_of, p)
            .into_iter()
            .map(|r| with(review(r), "author", deep_user(author(r))))
            .collect();
        with(product(p), "reviews", Value::Array(reviews))
    };
    let users = (1..=10)
        .map(|u| {
            let reviews = reviews_by(author, u)
                .into_iter()
                .map(|r| with(review(r), "product", deep_product(product_of(r))))
                .collect();
            with(user(u), "reviews", Value::Array(reviews))
        })
        .collect();
    let top_products = (1..=5).map(deep_product).collect();
    json!({ "users": Value::Array(users), "topProducts": Value::Array(top_products) })
}

/// The subgraph requests of one `BENCH_QUERY`, shaped like the gateway's plan.
enum Replay {
    Sequence(Vec<Replay>),
    Parallel(Vec<Replay>),
    Fetch { url: String, body: Bytes },
}

impl Replay {
    fn fetches(&self) -> usize {
        match self {
            Replay::Sequence(nodes) | Replay::Parallel(nodes) => {
                nodes.iter().map(Replay::fetches).sum()
            }
            Replay::Fetch { .. } => 1,
        }
    }

    /// Runs every fetch (waves in order); the response bytes, or why it failed. `verify`
    /// also checks each answer has data and no errors.
    fn run<'a>(&'a self, client: &'a Client, verify: bool) -> BoxFuture<'a, Result<usize, String>> {
        async move {
            match self {
                Replay::Sequence(nodes) => {
                    let mut bytes = 0;
                    for node in nodes {
                        bytes += node.run(client, verify).await?;
                    }
                    Ok(bytes)
                }
                Replay::Parallel(nodes) => {
                    let results = join_all(nodes.iter().map(|n| n.run(client, verify))).await;
                    results.into_iter().sum()
                }
                Replay::Fetch { url, body } => {
                    let response = client
                        .post(url)
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let status = response.status();
                    let body = response.bytes().await.map_err(|e| e.to_string())?;
                    if !status.is_success() {
                        return Err(format!("{url}: HTTP {status}"));
                    }
                    if verify {
                        let json: Value =
                            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                        if json.get("errors").is_some() || json["data"].is_null() {
                            return Err(format!("{url}: {json}"));
                        }
                    }
                    Ok(body.len())
                }
            }
        }
        .boxed()
    }

    /// Builds the replay of `node` (the plan's JSON) from the logged requests.
    fn from_plan(
        node: &Value,
        urls: &HashMap<String, String>,
        logged: &mut HashMap<String, VecDeque<Value>>,
    ) -> Option<Replay> {
        let children = |logged: &mut HashMap<String, VecDeque<Value>>| -> Vec<Replay> {
            node["nodes"]
                .as_array()
                .expect("plan nodes")
                .iter()
                .filter_map(|n| Replay::from_plan(n, urls, logged))
                .collect()
        };
        let fetch = |fetch: &Value, logged: &mut HashMap<String, VecDeque<Value>>| {
            let service = fetch["serviceName"].as_str().expect("serviceName");
            let operation = &fetch["operation"];
            let queue = logged.get_mut(service)?;
            // Absent when the gateway skipped the fetch (nothing to ask).
            // The plan names fetches `Operation__…`; requests carry the client's name.
            let unnamed = |q: &Value| {
                q.as_str()
                    .and_then(|q| q.split_once("__"))
                    .map(|(_, rest)| rest.to_owned())
            };
            let position = queue
                .iter()
                .position(|r| unnamed(&r["query"]) == unnamed(operation))?;
            let request = queue.remove(position)?;
            Some(Replay::Fetch {
                url: urls[service].clone(),
                body: serde_json::to_vec(&request).expect("JSON").into(),
            })
        };
        match node["kind"].as_str().expect("plan node kind") {
            "Sequence" => Some(Replay::Sequence(children(logged))),
            "Parallel" => Some(Replay::Parallel(children(logged))),
            "Fetch" => fetch(node, logged),
            "Flatten" | "Batch" => fetch(&node["node"], logged),
            other => panic!("plan node {other} is not replayable"),
        }
    }
}

/// What a run measures.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
enum Mode {
    /// Our gateway.
    Gateway,
    /// Our gateway with in-flight deduplication off.
    NoDedupe,
    /// The reference router.
    Reference,
    /// The plan's subgraph requests sent straight to the subgraphs.
    Direct,
}

impl Mode {
    fn parse(name: &str) -> Option<Self> {
        [Mode::Gateway, Mode::NoDedupe, Mode::Reference, Mode::Direct]
            .into_iter()
            .find(|m| m.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Gateway => "gateway",
            Mode::NoDedupe => "no-dedupe",
            Mode::Reference => "reference",
            Mode::Direct => "direct",
        }
    }
}

/// A router under test: where it listens and the size of its answer to `BENCH_QUERY`.
struct Router {
    process: RouterProcess,
    bytes: usize,
}

struct Target {
    client: Client,
    gateway_body: Bytes,
    routers: HashMap<Mode, Router>,
    replay: Replay,
    direct_bytes: usize,
}

impl Target {
    /// One request of `mode`: its response bytes, or why it does not count.
    async fn request(&self, mode: Mode) -> Result<usize, String> {
        if mode == Mode::Direct {
            let bytes = self.replay.run(&self.client, false).await?;
            if bytes != self.direct_bytes {
                return Err(format!("{bytes} bytes"));
            }
            return Ok(bytes);
        }
        let router = &self.routers[&mode];
        let response = self
            .client
            .post(&router.process.url)
            .header(CONTENT_TYPE, "application/json")
            .body(self.gateway_body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() || body.len() != router.bytes {
            return Err(format!("HTTP {status}, {} bytes", body.len()));
        }
        Ok(body.len())
    }
}

struct RunResult {
    latencies_us: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
    bytes: usize,
    elapsed: Duration,
}

/// A closed loop: `concurrency` clients, each sending its next request when one answers.
async fn closed_loop(
    target: &Arc<Target>,
    mode: Mode,
    concurrency: usize,
    duration: Duration,
    requests: Option<usize>,
) -> RunResult {
    let start = Instant::now();
    let deadline = start + duration;
    let remaining = Arc::new(AtomicUsize::new(requests.unwrap_or(usize::MAX)));
    let clients = (0..concurrency).map(|_| {
        let target = target.clone();
        let remaining = remaining.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut first_error, mut bytes) = (0, None, 0);
            loop {
                let stop = match requests {
                    Some(_) => remaining
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .is_err(),
                    None => Instant::now() >= deadline,
                };
                if stop {
                    break;
                }
                let sent = Instant::now();
                match target.request(mode).await {
                    Ok(n) => {
                        latencies.push(sent.elapsed().as_micros() as u64);
                        bytes = n;
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (latencies, errors, first_error, bytes)
        })
    });
    let mut result = RunResult {
        latencies_us: Vec::new(),
        errors: 0,
        first_error: None,
        bytes: 0,
        elapsed: Duration::ZERO,
    };
    for client in join_all(clients).await {
        let (latencies, errors, first_error, bytes) = client.expect("client task");
        result.latencies_us.extend(latencies);
        result.errors += errors;
        result.first_error = result.first_error.or(first_error);
        result.bytes = result.bytes.max(bytes);
    }
    result.elapsed = start.elapsed();
    result.latencies_us.sort_unstable();
    result
}

fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    sorted_us[rank.clamp(1, sorted_us.len()) - 1] as f64 / 1000.0
}

/// Forgets the subgraphs' request logs every 100 ms (they grow without bound under load),
/// counting what they held.
fn drain_logs(subgraphs: Arc<Vec<TestSubgraph>>, count: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            for subgraph in subgraphs.iter() {
                count.fetch_add(subgraph.requests().len() as u64, Ordering::Relaxed);
                subgraph.clear_requests();
            }
        }
    });
}

fn supergraph_sdl(subgraphs: &[TestSubgraph]) -> String {
    let inputs: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|s| SubgraphSdl {
            name: s.name().to_owned(),
            url: s.url().to_owned(),
            sdl: s.sdl().to_owned(),
        })
        .collect();
    match compose(&inputs) {
        Ok(sdl) => sdl,
        Err(error) => {
            eprintln!("gateway::compose failed ({error}); composing with the JavaScript composer");
            js_composer::compose_with_js(&inputs)
        }
    }
}

/// Posts `body` to the gateway: the raw response body.
async fn post_raw(client: &Client, url: &str, body: &Bytes, plan: bool) -> Bytes {
    let mut request = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body.clone());
    if plan {
        request = request.header(gateway::server::EXPOSE_PLAN_HEADER, "true");
    }
    let response = request.send().await.expect("gateway answers");
    assert!(response.status().is_success(), "HTTP {}", response.status());
    response.bytes().await.expect("response body")
}

/// Starts a router, checks its answer to `BENCH_QUERY`; `None` (said why) when it is wrong.
async fn start_router(
    mode: Mode,
    supergraph: &Path,
    config: &Config,
    client: &Client,
    body: &Bytes,
    expected: &Value,
) -> Option<Router> {
    let mut process = match mode {
        Mode::Gateway => RouterProcess::gateway(supergraph, &config.wrapper, true),
        Mode::NoDedupe => RouterProcess::gateway(supergraph, &[], false),
        Mode::Reference => {
            let Some(binary) = reference_binary() else {
                println!("reference: no hive_router binary (BENCH_REFERENCE_BIN, PATH): skipped");
                return None;
            };
            RouterProcess::reference(&binary, supergraph)
        }
        Mode::Direct => return None,
    };
    process.wait_ready(client).await;
    let raw = post_raw(client, &process.url, body, false).await;
    let answer: Value = serde_json::from_slice(&raw).expect("JSON response");
    if answer.get("errors").is_some() || &answer["data"] != expected {
        let text = answer.to_string();
        println!(
            "{}: wrong answer, skipped: {}",
            mode.name(),
            text.get(..300).unwrap_or(&text)
        );
        return None;
    }
    Some(Router {
        process,
        bytes: raw.len(),
    })
}

/// What a run sends and expects, and how to reach the subgraphs directly.
struct Scenario {
    /// The supergraph file the routers load.
    supergraph: PathBuf,
    /// The client request.
    body: Bytes,
    /// Its expected `data`.
    expected: Value,
    /// The same subgraph requests, sent straight to the subgraphs.
    replay: Replay,
    /// The subgraphs whose logs count requests per query (none for raw subgraphs).
    subgraphs: Arc<Vec<TestSubgraph>>,
    /// Kept alive for the run.
    _raw: Option<tokio::task::JoinHandle<()>>,
}

fn write_supergraph(sdl: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("gateway-bench-{}.graphql", std::process::id()));
    std::fs::write(&path, sdl).expect("supergraph file written");
    path
}

/// The gateways benchmark's 4 subgraphs and `BENCH_QUERY`; the direct requests are those
/// of our gateway's plan.
async fn benchmark_scenario(client: &Client) -> Scenario {
    let subgraphs = Arc::new(benchmark::start().await);
    let supergraph = write_supergraph(&supergraph_sdl(&subgraphs));
    let body: Bytes = serde_json::to_vec(&json!({ "query": benchmark::BENCH_QUERY }))
        .expect("JSON")
        .into();
    let mut planner = RouterProcess::gateway(&supergraph, &[], true);
    planner.wait_ready(client).await;
    subgraphs.iter().for_each(TestSubgraph::clear_requests);
    let planned: Value = serde_json::from_slice(&post_raw(client, &planner.url, &body, true).await)
        .expect("JSON response");
    assert_eq!(planned["data"], expected_data(), "BENCH_QUERY data");
    drop(planner);
    let urls: HashMap<String, String> = subgraphs
        .iter()
        .map(|s| (s.name().to_owned(), s.url().to_owned()))
        .collect();
    let mut logged: HashMap<String, VecDeque<Value>> = subgraphs
        .iter()
        .map(|s| (s.name().to_owned(), s.requests().into()))
        .collect();
    let plan = &planned["extensions"]["queryPlan"];
    let replay = Replay::from_plan(&plan["plan"]["node"], &urls, &mut logged)
        .unwrap_or_else(|| panic!("a plan with fetches: {plan}"));
    let unmatched: usize = logged.values().map(VecDeque::len).sum();
    assert_eq!(unmatched, 0, "logged requests not in the plan: {logged:?}");
    println!("plan:\n{}", plan["text"].as_str().unwrap_or_default());
    println!("{} subgraph requests per query", replay.fetches());
    Scenario {
        supergraph,
        body,
        expected: expected_data(),
        replay,
        subgraphs,
        _raw: None,
    }
}

const LARGE_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { points: [Point!]! }
type Point { id: ID! x: Float! y: Float! label: String! tags: [String!]! }
"#;

/// One subgraph answering about 8 MiB (`BENCH_LARGE_POINTS` points, default 60,000):
/// shortest round-trip floats, strings, short lists.
async fn large_scenario() -> Scenario {
    let points: usize = std::env::var("BENCH_LARGE_POINTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60_000);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let items: Vec<String> = (0..points)
        .map(|i| {
            let x = (next() >> 11) as f64 / (1u64 << 53) as f64 * 1000.0 - 500.0;
            let y = f64::from_bits(next() >> 2);
            let y = if y.is_finite() { y } else { 0.5 };
            format!(
                r#"{{"id":"p{i}","x":{x},"y":{y:e},"label":"point {i} of the large answer","tags":["a{}","b{}"]}}"#,
                i % 7,
                i % 13
            )
        })
        .collect();
    let answer = Bytes::from(format!(r#"{{"data":{{"points":[{}]}}}}"#, items.join(",")));
    let expected: Value = serde_json::from_slice::<Value>(&answer).expect("JSON")["data"].clone();
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || {
            let answer = answer.clone();
            async move { ([("content-type", "application/json")], answer) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let raw = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let supergraph = compose(&[SubgraphSdl {
        name: "points".into(),
        url: url.clone(),
        sdl: LARGE_SDL.into(),
    }])
    .expect("the large scenario composes");
    let query = "{ points { id x y label tags } }";
    Scenario {
        supergraph: write_supergraph(&supergraph),
        body: serde_json::to_vec(&json!({ "query": query }))
            .expect("JSON")
            .into(),
        expected,
        replay: Replay::Fetch {
            url,
            body: serde_json::to_vec(&json!({ "query": query }))
                .expect("JSON")
                .into(),
        },
        subgraphs: Arc::new(Vec::new()),
        _raw: Some(raw),
    }
}

async fn run(config: Config) {
    let client = Client::builder()
        .http1_only()
        .pool_max_idle_per_host(256)
        .build()
        .expect("HTTP client");
    let large = std::env::var("BENCH_SCENARIO").is_ok_and(|s| s == "large");
    let scenario = if large {
        large_scenario().await
    } else {
        benchmark_scenario(&client).await
    };
    let direct_bytes = scenario
        .replay
        .run(&client, true)
        .await
        .expect("direct replay");
    println!(
        "scenario {}: answer {:.2} MB",
        if large { "large" } else { "benchmark" },
        direct_bytes as f64 / 1e6
    );
    let Scenario {
        supergraph,
        body: gateway_body,
        expected,
        replay,
        subgraphs,
        _raw,
    } = scenario;

    let mut routers = HashMap::new();
    for &mode in &config.modes {
        let started = start_router(
            mode,
            &supergraph,
            &config,
            &client,
            &gateway_body,
            &expected,
        );
        if let Some(router) = started.await {
            println!(
                "{}: pid {}, RSS at idle {:.1} MB",
                mode.name(),
                router.process.child.id(),
                router.process.rss_mb().unwrap_or(f64::NAN)
            );
            routers.insert(mode, router);
        }
    }
    let modes: Vec<Mode> = config
        .modes
        .iter()
        .copied()
        .filter(|m| *m == Mode::Direct || routers.contains_key(m))
        .collect();
    let target = Arc::new(Target {
        client,
        gateway_body,
        routers,
        replay,
        direct_bytes,
    });

    let stop_drain = Arc::new(AtomicBool::new(false));
    let subgraph_requests = Arc::new(AtomicU64::new(0));
    drain_logs(
        subgraphs.clone(),
        subgraph_requests.clone(),
        stop_drain.clone(),
    );
    let warm_requests = config.requests.map(|n| n.min(50));
    for &mode in &modes {
        closed_loop(&target, mode, 8, WARMUP, warm_requests).await;
    }

    println!(
        "\n{:<10} {:>5} {:>9} {:>9} {:>8} {:>8} {:>8} {:>11} {:>6} {:>9} {:>10} {:>8}",
        "mode",
        "conc",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "resp bytes",
        "errors",
        "sub/req",
        "CPU ms/req",
        "peak MB"
    );
    let mut p50s: HashMap<(usize, Mode), f64> = HashMap::new();
    for &concurrency in &config.concurrency {
        for &mode in &modes {
            // Count this run's subgraph requests only.
            tokio::time::sleep(Duration::from_millis(150)).await;
            subgraph_requests.store(0, Ordering::Relaxed);
            let process = target.routers.get(&mode).map(|r| &r.process);
            let cpu_before = process.and_then(RouterProcess::cpu_seconds);
            let result =
                closed_loop(&target, mode, concurrency, config.duration, config.requests).await;
            let cpu = process
                .and_then(RouterProcess::cpu_seconds)
                .zip(cpu_before)
                .map(|(after, before)| after - before);
            tokio::time::sleep(Duration::from_millis(150)).await;
            let requests = result.latencies_us.len();
            let sub_per_req = subgraph_requests.load(Ordering::Relaxed) as f64
                / (requests + result.errors) as f64;
            let p50 = percentile_ms(&result.latencies_us, 50.0);
            p50s.insert((concurrency, mode), p50);
            let cpu_per_request = cpu.map_or("-".to_owned(), |s| {
                format!("{:.3}", s * 1000.0 / (requests.max(1)) as f64)
            });
            let peak = process
                .and_then(RouterProcess::peak_rss_mb)
                .map_or("-".to_owned(), |mb| format!("{mb:.1}"));
            println!(
                "{:<10} {:>5} {:>9} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>11} {:>6} {:>9.2} {:>10} {:>8}",
                mode.name(),
                concurrency,
                requests,
                requests as f64 / result.elapsed.as_secs_f64(),
                p50,
                percentile_ms(&result.latencies_us, 95.0),
                percentile_ms(&result.latencies_us, 99.0),
                result.bytes,
                result.errors,
                sub_per_req,
                cpu_per_request,
                peak,
            );
            if let Some(error) = result.first_error {
                println!("  first error: {error}");
            }
        }
    }
    stop_drain.store(true, Ordering::Relaxed);

    if modes.contains(&Mode::Direct) {
        println!();
        for &concurrency in &config.concurrency {
            let direct = p50s[&(concurrency, Mode::Direct)];
            for &mode in modes.iter().filter(|m| **m != Mode::Direct) {
                let p50 = p50s[&(concurrency, mode)];
                println!(
                    "{} overhead at concurrency {concurrency}: p50 {p50:.2} ms − {direct:.2} ms = {:.2} ms",
                    mode.name(),
                    p50 - direct
                );
            }
        }
    }
    let _ = std::fs::remove_file(&supergraph);
}

fn main() {
    let config = Config::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(config));
}
