//! The browser tests of `web-tests/` (the admin console and GraphiQL in Debian's Chromium,
//! driven by playwright-core) against the embedded platform, as `cargo test` runs them.

mod support;

use std::{path::Path, process::Command};

/// Copy of the lock file `web-tests/node_modules` was installed from.
const STAMP: &str = "node_modules/.alpes-installed-lock.json";

/// Installs playwright-core from the lock file unless already installed from it (no
/// browser download: the package has none to run, and `--ignore-scripts` forbids any).
fn install(dir: &Path) {
    let lock = std::fs::read(dir.join("package-lock.json")).expect("web-tests/package-lock.json");
    if std::fs::read(dir.join(STAMP)).ok().as_deref() == Some(lock.as_slice()) {
        return;
    }
    let output = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .output()
        .expect("the browser tests need Node.js and npm (Debian: apt-get install nodejs npm)");
    assert!(
        output.status.success(),
        "npm ci in web-tests failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(dir.join(STAMP), lock).expect("write the install stamp");
}

#[test]
fn the_console_and_graphiql_work_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    assert!(
        Path::new(&chromium).is_file(),
        "the browser tests need Debian's chromium at {chromium} (apt-get install chromium; .ci/run installs it)"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web-tests");
    install(&dir);

    let data_dir = std::env::temp_dir().join(format!("alpes-web-{}", std::process::id()));
    std::fs::remove_dir_all(&data_dir).ok();
    let launched = support::launch(&data_dir);
    let gateway = launched.urls[0].trim_end_matches("/graphql").to_owned();
    let artifacts = dir.join("artifacts");
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .current_dir(&dir)
        .env("ALPES_GATEWAY_URL", &gateway)
        .env("ALPES_ARTIFACTS", &artifacts)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{report}");
    assert!(output.status.success(), "browser tests failed:\n{report}");
    for page in [
        "login",
        "panel",
        "busqueda",
        "afiliado",
        "cliente",
        "acciones",
        "acciones-error",
        "pago",
        "graphiql",
        "graphiql-operaciones",
        "graphiql-suscripcion",
        "panel-movil",
    ] {
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "screenshot of {page} in {}",
            artifacts.display()
        );
    }
    support::stop(launched);
    std::fs::remove_dir_all(&data_dir).ok();
}
