//! `schema.graphql` is the current supergraph of every subgraph.

use std::process::Command;

#[test]
fn checked_in_supergraph_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let output = Command::new(env!("CARGO_BIN_EXE_alpes-partners"))
        .args(["schema", "--check", "--output", path])
        .env("RUST_LOG", "warn")
        .output()
        .expect("launcher runs");
    assert!(
        output.status.success(),
        "schema.graphql is stale or does not compose: run `cargo run -- schema` and commit it\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn checked_in_supergraph_is_read_by_the_gateway() {
    let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists: run `cargo run -- schema`");
    let supergraph = gateway::supergraph::Supergraph::parse(&sdl).expect("schema.graphql parses");
    let names: Vec<_> = supergraph
        .subgraphs
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "afiliados",
            "campanias",
            "clientes",
            "conversiones",
            "pagos"
        ]
    );
}
