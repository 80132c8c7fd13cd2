//! The embedded launcher as a test starts it: the real binary on free ports.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

mod ports;

/// A running launcher: its process, the `/graphql` URLs it printed (gateway first) and the
/// rest of its output.
pub(crate) struct Launched {
    child: Child,
    pub(crate) urls: Vec<String>,
    stdout: mpsc::Receiver<String>,
}

/// A base port that, with its next five ports, is free right now.
fn free_base_port() -> u16 {
    ports::free_ports(6)
}

/// The line the launcher prints when the demo's month end (reviews and payouts) is done.
pub(crate) const DEMO_MONEY_DONE: &str = "Demo month end done";

/// Starts the launcher on a data folder and waits for its URLs; on a new folder, also for
/// the demo's month end, so a test never races the demo's reviews and payouts.
pub(crate) fn launch(data_dir: &std::path::Path) -> Launched {
    let fresh = !data_dir.join("pagos.db").exists();
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
    if fresh {
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(240))
                .expect("the demo's month end completes");
            if line.starts_with(DEMO_MONEY_DONE) {
                break;
            }
        }
    }
    Launched {
        child,
        urls,
        stdout: rx,
    }
}

impl Drop for Launched {
    /// A failed test must not leave the launcher running (it holds the test's pipes).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs a demo user in (its password is its name) through the gateway whose `/graphql`
/// URL is `gateway`; returns the bearer token.
#[allow(dead_code)] // not every test binary logs in
pub(crate) async fn login(http: &reqwest::Client, gateway: &str, user: &str) -> String {
    let body: serde_json::Value = http
        .post(gateway.replace("/graphql", "/auth/login"))
        .json(&serde_json::json!({ "username": user, "password": user }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{user} logs in: {body}"))
        .to_owned()
}

impl Launched {
    /// The lines it printed since its URLs (or since the last call), without waiting.
    #[allow(dead_code)] // not every test binary reads them
    pub(crate) fn output(&self) -> Vec<String> {
        self.stdout.try_iter().collect()
    }
}

/// Stops the launcher with SIGTERM and checks it exits cleanly.
pub(crate) fn stop(mut launched: Launched) {
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
