//! Test set-up: composes subgraph SDLs with a standard JavaScript composer,
//! `@theguild/federation-composition` from npm (tests/js-composer, installed on first use).

use std::{
    io::Write,
    path::PathBuf,
    process::{Command, Stdio},
    sync::OnceLock,
};

use gateway::compose::SubgraphSdl;

fn composer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js-composer")
}

/// Runs `npm ci` once per test process if `node_modules` is missing.
fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = composer_dir();
        if dir
            .join("node_modules/@theguild/federation-composition")
            .is_dir()
        {
            return;
        }
        let npm = Command::new("npm").arg("--version").output();
        assert!(
            npm.is_ok_and(|o| o.status.success()),
            "npm is missing: the JavaScript composer test needs Node.js and npm \
             (Debian: apt-get install nodejs npm)"
        );
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("npm ci runs");
        assert!(
            output.status.success(),
            "npm ci failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Composes `subgraphs` with `@theguild/federation-composition`; panics with its errors.
pub(crate) fn compose_with_js(subgraphs: &[SubgraphSdl]) -> String {
    install();
    let input = serde_json::Value::Array(
        subgraphs
            .iter()
            .map(|s| serde_json::json!({ "name": s.name, "url": s.url, "sdl": s.sdl }))
            .collect(),
    );
    let mut child = Command::new("node")
        .arg("compose.mjs")
        .current_dir(composer_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts (installed with npm)");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.to_string().as_bytes())
        .expect("subgraphs written to node");
    let output = child.wait_with_output().expect("node finishes");
    assert!(
        output.status.success(),
        "the JavaScript composer failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 supergraph")
}

/// The fixture subgraphs under tests/fixtures/js-composer (accounts, products, reviews).
pub(crate) fn fixture_subgraphs() -> Vec<SubgraphSdl> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/js-composer");
    ["accounts", "products", "reviews"]
        .iter()
        .zip(4201..)
        .map(|(name, port)| SubgraphSdl {
            name: (*name).to_owned(),
            url: format!("http://127.0.0.1:{port}/graphql"),
            sdl: std::fs::read_to_string(dir.join(format!("{name}.graphql")))
                .expect("fixture subgraph SDL"),
        })
        .collect()
}
