//! The integrator's contract: a Python client generated from `openapi.yaml`
//! by openapi-python-client, unedited, runs a whole scenario against a real
//! server (core/tests/integrator/scenario.py). If generation warns, fails
//! or the scenario needs an edit to the generated code, the spec is wrong.
//!
//! Needs the project venv (`bash scripts/pyenv.sh`, run by `make test`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestApp;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn venv_bin(name: &str) -> PathBuf {
    let bin = root().join(".venv/bin").join(name);
    assert!(
        bin.exists(),
        "{} missing: run `bash scripts/pyenv.sh` (make test does)",
        bin.display()
    );
    bin
}

#[tokio::test]
async fn generated_python_client_runs_the_integrator_scenario() {
    let app = TestApp::spawn().await;
    let out = std::env::temp_dir().join(format!("qhub-pyclient-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&out).unwrap();

    // Generate from the committed spec (openapi.rs checks it matches the code).
    let venv = root().join(".venv/bin");
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let gen = Command::new(venv_bin("openapi-python-client"))
        .args(["generate", "--meta", "none", "--output-path"])
        .arg(out.join("qhub_client"))
        .arg("--path")
        .arg(root().join("openapi.yaml"))
        .env("PATH", &path)
        .output()
        .expect("run openapi-python-client");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&gen.stdout),
        String::from_utf8_lossy(&gen.stderr)
    );
    assert!(gen.status.success(), "generation failed:\n{log}");
    // A warning means a piece of the API is missing from the client.
    assert!(!log.contains("Warning"), "generation warned:\n{log}");

    let run = tokio::process::Command::new(venv_bin("python"))
        .arg(root().join("core/tests/integrator/scenario.py"))
        .env("PYTHONPATH", &out)
        .env("QHUB_API_URL", &app.base)
        .output()
        .await
        .expect("run the scenario");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "scenario failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("integrator scenario passed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&out);
}
