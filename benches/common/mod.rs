//! Shared by the platform benchmarks: the embedded launcher as a child process, its health,
//! percentiles, and a multi-threaded runtime.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The subgraphs' credential the benchmarks start the launcher with, so their own
/// gateways can reach its subgraphs.
pub(crate) const SUBGRAPH_SECRET: &str = "credencial-de-los-benchmarks-0123456789";

/// Logs a demo user in through the launcher's gateway at `base`; returns its token.
#[allow(dead_code)] // not every benchmark logs in
pub(crate) async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let body: serde_json::Value = http
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({ "username": user, "password": user }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("token").to_owned()
}

/// The launcher on `base_port` (gateway; subgraphs above it), stopped when dropped.
pub(crate) struct Launcher(pub(crate) Child);

impl Drop for Launcher {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

impl Launcher {
    /// Starts the embedded platform on a data folder and waits until its gateway is healthy.
    pub(crate) async fn start(dir: &std::path::Path, base_port: u16) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_alpes-partners"))
            .arg("--data-dir")
            .arg(dir)
            .args(["--base-port", &base_port.to_string()])
            .env("RUST_LOG", "warn")
            .env("ALPES_GATEWAY_SECRET", SUBGRAPH_SECRET)
            .stdout(Stdio::null())
            .spawn()
            .expect("the launcher starts");
        let launcher = Self(child);
        let http = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{base_port}/health");
        for _ in 0..600 {
            if let Ok(response) = http.get(&url).send().await
                && response.status().is_success()
            {
                return launcher;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the launcher did not become healthy");
    }
}

/// The `p` quantile of sorted latencies, in milliseconds.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs a benchmark's async body on a multi-threaded runtime.
pub(crate) fn run<F: std::future::Future<Output = ()>>(body: F) {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body);
}
