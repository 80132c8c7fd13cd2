//! Randomised inputs on stable Rust: documents through parse → validate → limits → plan
//! (`Engine::dry_run`), and arbitrary bodies through the HTTP handler. No input may panic,
//! and every refusal carries `extensions.code`. Inputs come from a seeded generator
//! (grammar-aware documents from the fixture schema's names, token soup, byte-level
//! mutations of seeds), for a bounded time: `FUZZ_SECONDS` (default 2 per target; `.ci/run`
//! gives more), seed `FUZZ_SEED` (printed, to replay a run). Inputs that once crashed are
//! kept under `tests/fuzz/` and replayed first. `cargo +nightly fuzz` runs the same two
//! targets with libFuzzer where nightly and cargo-fuzz are installed (`gateway/fuzz/`).

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::PathBuf,
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use gateway::{
    config::GatewayConfig,
    engine::Engine,
    pipeline::{GraphqlRequest, MAX_REPORTED_ERRORS},
    server::{AppState, router_with},
    startup::engine_from_config,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};
use tower::ServiceExt;

const SHOP: &str = include_str!("fixtures/shop.supergraph.graphql");

/// A configuration whose subgraphs refuse connections at once (port 9, discard): valid
/// operations run to their first fetch and fail fast.
fn config() -> GatewayConfig {
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
    config.limits.request_timeout_ms = 10_000;
    config
}

fn budget() -> Duration {
    let seconds = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(2.0);
    Duration::from_secs_f64(seconds.max(0.0))
}

fn rng(target: &str) -> StdRng {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    println!("fuzz {target}: FUZZ_SEED={seed}");
    StdRng::seed_from_u64(seed)
}

/// Inputs kept because they once crashed or stalled something (one per file).
fn regressions() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut found: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter_map(|p| {
                    let bytes = std::fs::read(&p).ok()?;
                    Some((p, String::from_utf8_lossy(&bytes).into_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

const NAMES: &[&str] = &[
    "me",
    "topProducts",
    "search",
    "name",
    "reviews",
    "body",
    "author",
    "upc",
    "price",
    "id",
    "product",
    "text",
    "first",
    "__typename",
    "__schema",
    "__type",
    "types",
    "fields",
    "Query",
    "User",
    "Product",
    "Review",
    "Node",
    "addReview",
    "nope",
];
const PUNCTUATION: &[&str] = &[
    "{", "}", "(", ")", "[", "]", ":", "...", "@", "$", "!", "=", ",", "|", "&", "\"", "#",
];
const KEYWORDS: &[&str] = &[
    "query",
    "mutation",
    "subscription",
    "fragment",
    "on",
    "true",
    "false",
    "null",
    "@skip(if: true)",
    "@include(if: $v)",
    "@defer",
    "\"\"\"block\"\"\"",
    "\"é\\u00e9\\n\"",
    "-0",
    "1e400",
    "99999999999999999999",
];

/// A random selection set over the schema's names, nested at most `depth` deep.
fn selection(rng: &mut StdRng, depth: u32, fragments: u32) -> String {
    let mut out = String::from("{ ");
    for _ in 0..rng.random_range(1..5) {
        match rng.random_range(0..10) {
            0 if fragments > 0 => {
                out.push_str(&format!("...F{} ", rng.random_range(0..fragments)));
            }
            1 => {
                out.push_str("... on ");
                out.push_str(NAMES.choose(rng).unwrap_or(&"Query"));
                out.push(' ');
                out.push_str(&selection(rng, depth.saturating_sub(1), fragments));
            }
            _ => {
                if rng.random_bool(0.2) {
                    out.push_str(&format!("a{}: ", rng.random_range(0..5)));
                }
                out.push_str(NAMES.choose(rng).unwrap_or(&"me"));
                if rng.random_bool(0.2) {
                    let value = match rng.random_range(0..4) {
                        0 => rng.random_range(-5..100_000).to_string(),
                        1 => "$v".to_owned(),
                        2 => "\"x\"".to_owned(),
                        _ => "[1, {a: null}]".to_owned(),
                    };
                    out.push_str(&format!(
                        "({}: {value})",
                        NAMES.choose(rng).unwrap_or(&"first")
                    ));
                }
                if depth > 0 && rng.random_bool(0.6) {
                    out.push(' ');
                    out.push_str(&selection(rng, depth - 1, fragments));
                }
                out.push(' ');
            }
        }
    }
    out.push('}');
    out
}

/// A document: structured (operations and fragments, bombs and cycles among them), token
/// soup, or a mutation of a seed.
fn document(rng: &mut StdRng, seeds: &[String]) -> String {
    match rng.random_range(0..6) {
        0 | 1 => {
            let fragments = rng.random_range(0..6);
            let mut doc = String::new();
            if rng.random_bool(0.3) {
                doc.push_str("query Q($v: Boolean = true, $n: Int) ");
            }
            let depth = rng.random_range(0..6);
            doc.push_str(&selection(rng, depth, fragments));
            for i in 0..fragments {
                let on = ["Query", "User", "Product", "Review", "Node"]
                    .choose(rng)
                    .unwrap_or(&"Query");
                let body = if rng.random_bool(0.3) && i > 0 {
                    let j = rng.random_range(0..fragments);
                    format!("{{ ...F{j} ...F{j} }}")
                } else {
                    selection(rng, 3, fragments)
                };
                doc.push_str(&format!("\nfragment F{i} on {on} {body}"));
            }
            doc
        }
        2 => {
            let mut doc = String::new();
            for _ in 0..rng.random_range(1..200) {
                let vocabulary = match rng.random_range(0..3) {
                    0 => NAMES,
                    1 => PUNCTUATION,
                    _ => KEYWORDS,
                };
                doc.push_str(vocabulary.choose(rng).unwrap_or(&"{"));
                doc.push(' ');
            }
            doc
        }
        3 => {
            // Deep or wide repetition of one piece.
            let piece = *["{", "[", "(", "{ me ", "...F ", "a: ", "\"", "#"]
                .choose(rng)
                .unwrap_or(&"{");
            let open = piece.repeat(rng.random_range(1..3000));
            if rng.random_bool(0.5) {
                format!("{open}{}", "}".repeat(rng.random_range(0..3000)))
            } else {
                open
            }
        }
        _ => {
            let seed = seeds.choose(rng).cloned().unwrap_or_default();
            mutate(rng, &seed)
        }
    }
}

/// A few random character edits (always valid UTF-8).
fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.random_range(1..8) {
        let at = if chars.is_empty() {
            0
        } else {
            rng.random_range(0..chars.len())
        };
        match rng.random_range(0..4) {
            0 if !chars.is_empty() => {
                chars.remove(at);
            }
            1 => {
                let c = char::from_u32(rng.random_range(0..0x11_0000)).unwrap_or('\u{fffd}');
                chars.insert(at, c);
            }
            2 => {
                let piece = PUNCTUATION.choose(rng).unwrap_or(&"{");
                for (k, c) in piece.chars().enumerate() {
                    chars.insert(at + k, c);
                }
            }
            _ if !chars.is_empty() => {
                let c = *chars.choose(rng).unwrap_or(&' ');
                chars[at] = c;
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Seeds: the fixture's realistic operations and the attack documents of issue 19.
fn seeds() -> Vec<String> {
    let mut seeds = vec![
        "{ me { name reviews { body product { name price } } } }".to_owned(),
        "query Top($n: Int = 3) { topProducts(first: $n) { upc name ...P } } fragment P on Product { price reviews { author { name } } }".to_owned(),
        "{ search(text: \"x\") { __typename ... on Product { upc } ... on User { name } } }".to_owned(),
        "mutation { addReview(upc: \"1\", body: \"x\") { id } }".to_owned(),
        "{ __schema { types { name fields { name } } } }".to_owned(),
    ];
    let mut bomb =
        String::from("query { ...L9 }\nfragment L0 on Query { __typename me { name } }\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "fragment L{i} on Query {{ ...L{} ...L{} }}\n",
            i - 1,
            i - 1
        ));
    }
    seeds.push(bomb);
    seeds.extend(regressions().into_iter().map(|(_, text)| text));
    seeds
}

/// Runs one document through the stages before execution; `Err` describes a crash or a
/// refusal without codes.
fn check_pipeline(engine: &Engine, query: &str, variables: Option<Value>) -> Result<(), String> {
    let request = GraphqlRequest {
        query: Some(query.to_owned()),
        variables: variables.and_then(|v| serde_json::from_value(v).ok()),
        ..Default::default()
    };
    match catch_unwind(AssertUnwindSafe(|| engine.dry_run(&request))) {
        Err(_) => Err("panicked".into()),
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            let body = error.to_response();
            let errors = body["errors"].as_array().cloned().unwrap_or_default();
            if errors.is_empty() || errors.len() > MAX_REPORTED_ERRORS + 1 {
                return Err(format!("{} errors", errors.len()));
            }
            match errors.iter().find(|e| !e["extensions"]["code"].is_string()) {
                Some(e) => Err(format!("an error without a code: {e}")),
                None => Ok(()),
            }
        }
    }
}

/// Where a crashing input is written for the report (and to copy under tests/fuzz/).
fn keep(target: &str, n: usize, input: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("gateway-fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{target}-{n}.txt"));
    let _ = std::fs::write(&path, input);
    path
}

#[test]
fn fuzz_parse_validate_limits_plan() {
    let engine = engine_from_config(SHOP, &config()).expect("engine");
    let seeds = seeds();
    let mut crashes = Vec::new();
    for (path, text) in regressions() {
        if let Err(why) = check_pipeline(&engine, &text, None) {
            crashes.push(format!("{}: {why}", path.display()));
        }
    }
    let mut rng = rng("pipeline");
    let (started, budget) = (Instant::now(), budget());
    let mut executions = 0usize;
    let mut slowest = (Duration::ZERO, String::new());
    while started.elapsed() < budget {
        let input = document(&mut rng, &seeds);
        let variables = rng
            .random_bool(0.3)
            .then(|| json!({ "v": rng.random_bool(0.5), "n": rng.random_range(-3..1000) }));
        let t = Instant::now();
        if let Err(why) = check_pipeline(&engine, &input, variables) {
            let path = keep("pipeline", crashes.len(), &input);
            crashes.push(format!("{why}: input in {}", path.display()));
        }
        let took = t.elapsed();
        if took > slowest.0 {
            slowest = (took, input.chars().take(80).collect());
        }
        executions += 1;
    }
    println!(
        "fuzz pipeline: {executions} executions in {:.1} s, {} crashes; slowest input {:.1} ms ({:?}…)",
        started.elapsed().as_secs_f64(),
        crashes.len(),
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1
    );
    assert!(crashes.is_empty(), "{crashes:#?}");
}

/// A random request to the HTTP handler, and its description (to keep if it crashes).
fn http_request(rng: &mut StdRng, seeds: &[String]) -> (Request<Body>, String) {
    let document = document(rng, seeds);
    let body: Vec<u8> = match rng.random_range(0..6) {
        0 => (0..rng.random_range(0..300))
            .map(|_| rng.random())
            .collect(),
        1 => mutate(rng, &json!({ "query": document }).to_string()).into_bytes(),
        2 => {
            let odd = [
                json!(null),
                json!(1),
                json!("x"),
                json!([1, 2]),
                json!({ "a": { "b": [] } }),
                json!(1e300),
            ];
            json!({
                "query": if rng.random_bool(0.8) { json!(document) } else { odd.choose(rng).cloned().unwrap_or_default() },
                "variables": odd.choose(rng).cloned().unwrap_or_default(),
                "operationName": odd.choose(rng).cloned().unwrap_or_default(),
                "extensions": if rng.random_bool(0.5) {
                    json!({ "persistedQuery": { "version": rng.random_range(0..3), "sha256Hash": "abc" } })
                } else {
                    odd.choose(rng).cloned().unwrap_or_default()
                },
            })
            .to_string()
            .into_bytes()
        }
        _ => json!({ "query": document, "variables": { "v": true, "n": 2 } })
            .to_string()
            .into_bytes(),
    };
    if rng.random_bool(0.15) {
        let encoded: String = document
            .bytes()
            .take(2000)
            .map(|b| format!("%{b:02X}"))
            .collect();
        let uri = format!("/graphql?query={encoded}");
        let request = Request::get(&uri).body(Body::empty()).unwrap_or_default();
        return (request, format!("GET {uri}"));
    }
    let content_type = *[
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/graphql-response+json",
    ]
    .choose(rng)
    .unwrap_or(&"application/json");
    let accept = *[
        "application/json",
        "application/graphql-response+json",
        "*/*",
        "text/event-stream",
    ]
    .choose(rng)
    .unwrap_or(&"application/json");
    let path = *["/graphql", "/graphql", "/graphql", "/auth/login"]
        .choose(rng)
        .unwrap_or(&"/graphql");
    let described = format!(
        "POST {path}\ncontent-type: {content_type}\naccept: {accept}\n\n{}",
        String::from_utf8_lossy(&body)
    );
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, accept)
        .body(Body::from(body))
        .unwrap_or_default();
    (request, described)
}

/// Sends one request; `Err` describes a crash: a 500 that is not a planning failure, or an
/// error answer without a readable code.
async fn check_http(app: &axum::Router, request: Request<Body>) -> Result<(), String> {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .map_err(|e| format!("no response: {e}"))?;
    let status = response.status();
    let event_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .map_err(|e| format!("unreadable body: {e}"))?;
    if event_stream {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|_| format!("{status}: not JSON: {}", String::from_utf8_lossy(&bytes)))?;
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>"))
                .collect()
        })
        .unwrap_or_default();
    if codes.contains(&"<none>") || codes.contains(&"INTERNAL_SERVER_ERROR") {
        return Err(format!("{status}: {body}"));
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR && !codes.contains(&"QUERY_PLANNING_FAILED") {
        return Err(format!("{status}: {body}"));
    }
    if !status.is_success() && codes.is_empty() && body.get("token").is_none() {
        return Err(format!("{status} without a GraphQL error: {body}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_http_handler() {
    let config = config();
    let engine = engine_from_config(SHOP, &config).expect("engine");
    let app = router_with(AppState::configured(engine, &config), &config);
    let seeds = seeds();
    let mut crashes = Vec::new();
    for (path, text) in regressions() {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "query": text }).to_string()))
            .unwrap_or_default();
        if let Err(why) = check_http(&app, request).await {
            crashes.push(format!("{}: {why}", path.display()));
        }
    }
    let mut rng = rng("http");
    let (started, budget) = (Instant::now(), budget());
    let mut executions = 0usize;
    while started.elapsed() < budget {
        let (request, described) = http_request(&mut rng, &seeds);
        if let Err(why) = check_http(&app, request).await {
            let path = keep("http", crashes.len(), &described);
            crashes.push(format!("{why}: {}", path.display()));
        }
        executions += 1;
    }
    println!(
        "fuzz http: {executions} executions in {:.1} s, {} crashes",
        started.elapsed().as_secs_f64(),
        crashes.len()
    );
    assert!(crashes.is_empty(), "{crashes:#?}");
}
