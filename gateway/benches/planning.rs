//! Planning benchmark; numbers are printed, never asserted.
//! `cargo bench -p gateway --bench planning`.
//!
//! Plans each query cold (no plan cache: a fresh `plan` call every time) and prints the
//! median and 99th percentile planning time and the subgraph requests the plan sends
//! (root fetches, entity fetches and batches, one request each).
//! Then fills an engine's plan and document caches with `BENCH_DISTINCT` distinct queries
//! (default 10,000) under several budgets, each in a process of its own (small budgets, the
//! defaults with four times the queries, one they all fit in), and prints the process's
//! resident memory growth beside what the caches count (their byte weights).
//! Environment: `BENCH_ITERATIONS` (default 200).

// The gateway binary's allocator: what memory the caches hold is measured as it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/fixtures/seven_subgraphs.rs"]
#[allow(dead_code)]
mod seven;

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use gateway::{
    compose::{SubgraphSdl, compose},
    pipeline::{GraphqlRequest, HttpMethod, prepare},
    query_planner::QueryPlanner,
    supergraph::Supergraph,
};

/// The supergraph SDL of `(name, sdl)` subgraphs (their URLs never called).
fn supergraph_sdl(subgraphs: &[(String, String)]) -> String {
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|(name, sdl)| SubgraphSdl {
            name: name.clone(),
            url: format!("http://{name}.invalid/graphql"),
            sdl: sdl.clone(),
        })
        .collect();
    compose(&sdls).expect("the fixture composes")
}

fn supergraph(subgraphs: &[(String, String)]) -> Supergraph {
    Supergraph::parse(&supergraph_sdl(subgraphs)).expect("valid supergraph")
}

fn run(label: &str, supergraph: &Supergraph, query: &str, iterations: usize) {
    let request = GraphqlRequest {
        query: Some(query.into()),
        ..Default::default()
    };
    let prepared =
        prepare(&supergraph.api_schema, &request, HttpMethod::Post).expect("a valid query");
    let planner = QueryPlanner::new(supergraph);
    let labels = HashSet::new();
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    let mut requests = 0;
    for _ in 0..iterations {
        let start = Instant::now();
        let plan = planner
            .plan(supergraph, &prepared.document, &prepared.operation, &labels)
            .expect("the query plans");
        times.push(start.elapsed());
        requests = plan.fetches().len();
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{label:<40} plan p50 {:>9.3} ms  p99 {:>9.3} ms  subgraph requests {requests}",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
    );
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Distinct queries: each its own document and plan (aliases differ).
fn distinct_queries(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "query Q{i} {{ p{i}: topProducts {{ name upc reviews {{ body author {{ username r{i}: reviews {{ id }} }} }} }} u{i}: users {{ id name }} }}"
            )
        })
        .collect()
}

fn cache_memory(sdl: &str, label: &str, plans: u64, documents: u64, queries: &[String]) {
    let engine = gateway::startup::engine_from_sdl(sdl, Duration::from_secs(1))
        .expect("a valid supergraph")
        .with_cache_bytes(plans, documents);
    let before = rss_mb();
    let start = Instant::now();
    let planned = engine.warm(queries);
    let took = start.elapsed();
    let grown = rss_mb() - before;
    let counted = (engine.plan_cache_bytes() + engine.document_cache_bytes()) as f64 / 1048576.0;
    println!(
        "{label:<22} {} queries planned in {:.1} s; cached {} plans: counted {:.1} MB (plans {:.1} + documents {:.1}), resident growth {:.1} MB ({:.0}% of counted), {:.1} KB per plan",
        planned,
        took.as_secs_f64(),
        engine.cached_plans(),
        counted,
        engine.plan_cache_bytes() as f64 / 1048576.0,
        engine.document_cache_bytes() as f64 / 1048576.0,
        grown,
        grown / counted * 100.0,
        grown * 1024.0 / engine.cached_plans().max(1) as f64,
    );
}

fn main() {
    let iterations = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let benchmark: Vec<(String, String)> = test_subgraphs::benchmark::subgraphs()
        .iter()
        .map(|s| (s.name().to_owned(), s.sdl().to_owned()))
        .collect();
    let case = std::env::var("BENCH_CACHE_CASE")
        .ok()
        .and_then(|c| c.parse::<usize>().ok());
    if case.is_none() {
        run(
            "benchmark fixture, BENCH_QUERY",
            &supergraph(&benchmark),
            test_subgraphs::benchmark::BENCH_QUERY,
            iterations,
        );
        run(
            "seven subgraphs, 80-field deep query",
            &supergraph(&seven::subgraphs()),
            seven::DEEP_QUERY,
            iterations,
        );
    }
    let distinct = std::env::var("BENCH_DISTINCT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let sdl = supergraph_sdl(&benchmark);
    // Each budget in a process of its own: memory one engine freed would hide the next
    // one's growth.
    match case {
        Some(case) => {
            let (label, plans, documents, times) = CACHE_CASES[case];
            cache_memory(
                &sdl,
                label,
                plans,
                documents,
                &distinct_queries(distinct * times),
            );
        }
        None => {
            for case in 0..CACHE_CASES.len() {
                let status = std::process::Command::new(std::env::current_exe().expect("exe"))
                    .args(std::env::args().skip(1))
                    .env("BENCH_CACHE_CASE", case.to_string())
                    .stdout(std::process::Stdio::piped())
                    .output()
                    .expect("the case runs");
                print!("{}", String::from_utf8_lossy(&status.stdout));
            }
        }
    }
}

/// Cache budgets measured: label, plan and document bytes, and how many times
/// `BENCH_DISTINCT` queries are planned (more than fit: the caches evict all along).
const CACHE_CASES: [(&str, u64, u64, usize); 4] = [
    ("plans only (docs 1 B)", 8 << 20, 1, 1),
    ("8 + 4 MiB budget", 8 << 20, 4 << 20, 1),
    ("defaults, 4x overflow", 64 << 20, 32 << 20, 4),
    ("all fit (1 GiB budget)", 1 << 30, 1 << 30, 1),
];
