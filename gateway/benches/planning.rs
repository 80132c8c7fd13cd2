//! Planning benchmark; numbers are printed, never asserted.
//! `cargo bench -p gateway --bench planning`.
//!
//! Plans each query cold (no plan cache: a fresh `plan` call every time) and prints the
//! median and 99th percentile planning time and the subgraph requests the plan sends
//! (root fetches, entity fetches and batches, one request each).
//! Environment: `BENCH_ITERATIONS` (default 200).

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

fn supergraph(subgraphs: &[(String, String)]) -> Supergraph {
    let sdls: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|(name, sdl)| SubgraphSdl {
            name: name.clone(),
            url: format!("http://{name}.invalid/graphql"),
            sdl: sdl.clone(),
        })
        .collect();
    Supergraph::parse(&compose(&sdls).expect("the fixture composes")).expect("valid supergraph")
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

fn main() {
    let iterations = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let benchmark: Vec<(String, String)> = test_subgraphs::benchmark::subgraphs()
        .iter()
        .map(|s| (s.name().to_owned(), s.sdl().to_owned()))
        .collect();
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
