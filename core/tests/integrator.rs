//! The integrator's contract: a Python client generated from `openapi.yaml`
//! by openapi-python-client, unedited, runs a whole scenario against a real
//! server (core/tests/integrator/scenario.py), quantum jobs included. If
//! generation warns, fails or the scenario needs an edit to the generated
//! code, the spec is wrong. Then the `qhub` command line (clients/cli),
//! built on the same generated client, logs in, submits a Bell circuit from
//! a file and reads it back.
//!
//! Needs the project venv (`bash scripts/pyenv.sh`, run by `make test`).
//! The server runs one job worker, which claims from the shared queue of
//! the test database like the job tests' workers.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestApp;
use serde_json::Value;

const BELL: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";
/// A missing comma on line 6.
const BROKEN: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0] q[1];\nmeasure q -> c;\n";

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

/// What a `qhub` run printed and how it exited.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> &str {
        assert_eq!(
            self.code,
            Some(0),
            "qhub failed:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("qhub --json printed no JSON ({e}):\n{}", self.stdout))
    }
}

/// `python -m qhub_cli` with the generated client on PYTHONPATH, its
/// config in `dir`, none of the caller's QHUB_* settings.
struct Cli {
    pythonpath: String,
    dir: PathBuf,
}

impl Cli {
    fn config(&self) -> PathBuf {
        self.dir.join("config/qhub.json")
    }

    async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        // Async: the server answering it runs on this test's runtime.
        let out = tokio::process::Command::new(venv_bin("python"))
            .args(["-m", "qhub_cli"])
            .args(args)
            .current_dir(&self.dir)
            .env("PYTHONPATH", &self.pythonpath)
            .env("HOME", &self.dir)
            .env("QHUB_CONFIG", self.config())
            .env_remove("QHUB_URL")
            .env_remove("QHUB_API_KEY")
            .env_remove("XDG_CONFIG_HOME")
            .envs(env.iter().copied())
            .output()
            .await
            .expect("run qhub");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

fn assert_bell_counts(counts: &Value, shots: u64) {
    let counts = counts.as_object().expect("counts");
    let mut keys: Vec<&str> = counts.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["00", "11"], "Bell outcomes only: {counts:?}");
    let sum: u64 = counts.values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(sum, shots, "the counts sum to the shots: {counts:?}");
}

#[tokio::test]
async fn generated_python_client_runs_the_integrator_scenario() {
    // One job worker in this server: the scenario's jobs run.
    let mut config = common::test_config();
    config.jobs.slots = 1;
    let app = TestApp::spawn_with(config).await;
    let out = std::env::temp_dir().join(format!("qhub-pyclient-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&out).unwrap();

    // Generate from the committed spec (openapi.rs checks it matches the code).
    // clients/cli/generate.sh runs the same command for the CLI's users.
    let venv = root().join(".venv/bin");
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let gen = Command::new(venv_bin("openapi-python-client"))
        .args(["generate", "--meta", "none", "--config"])
        .arg(root().join("clients/openapi-python-client.yaml"))
        .arg("--output-path")
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

    // The command line, on the same generated client, against the same
    // server, with a key of the jobs scopes of a fresh organization.
    let t = app.signup().await;
    let (_, key) = app.api_key(&t.access, &["jobs:read", "jobs:write"]).await;
    let dir = out.join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let cli = Cli {
        pythonpath: format!("{}:{}", out.display(), root().join("clients/cli").display()),
        dir: dir.clone(),
    };

    // Before login: a clear error, exit 1.
    let r = cli.run(&["backends"]).await;
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not logged in"), "{}", r.stderr);

    // Login checks the key and stores it, readable by its owner only.
    let r = cli
        .run(&[
            "login",
            "--url",
            app.base.as_str(),
            "--api-key",
            key.as_str(),
        ])
        .await;
    assert!(r.ok().contains("Logged in"), "{}", r.stdout);
    assert!(
        !r.stdout.contains(&key) && !r.stderr.contains(&key),
        "the key is not echoed"
    );
    let mode = std::fs::metadata(cli.config())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "config file mode {mode:o}");
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(cli.config()).unwrap()).unwrap();
    assert_eq!(stored["api_key"], key.as_str());
    // A bad key is refused at login and not stored.
    let r = cli
        .run_with(
            &[
                "login",
                "--url",
                app.base.as_str(),
                "--api-key",
                "qh_live_not-a-key",
            ],
            &[("QHUB_CONFIG", dir.join("other.json").to_str().unwrap())],
        )
        .await;
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("unauthenticated"), "{}", r.stderr);
    assert!(!dir.join("other.json").exists());

    // Backends: a table, and JSON.
    let r = cli.run(&["backends"]).await;
    let table = r.ok();
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("qhub-statevector") && l.contains("online")),
        "{table}"
    );
    let backends = cli.run(&["backends", "--json"]).await.json();
    assert!(backends
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["name"] == "qhub-statevector" && b["status"] == "online"));
    // The same from the environment alone, without the config file.
    let r = cli
        .run_with(
            &["--json", "backends"],
            &[
                ("QHUB_CONFIG", dir.join("none.json").to_str().unwrap()),
                ("QHUB_URL", app.base.as_str()),
                ("QHUB_API_KEY", key.as_str()),
            ],
        )
        .await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&r.json()), names(&backends));

    // Submit a Bell circuit from a file and wait: the counts, as JSON.
    let bell = dir.join("bell.qasm");
    std::fs::write(&bell, BELL).unwrap();
    let bell = bell.to_str().unwrap();
    let v = cli
        .run(&[
            "jobs",
            "submit",
            bell,
            "--backend",
            "qhub-statevector",
            "--shots",
            "256",
            "--seed",
            "11",
            "--name",
            "cli bell",
            "--tag",
            "cli",
            "--wait",
            "--json",
        ])
        .await
        .json();
    assert_eq!(v["job"]["status"], "completed", "{v}");
    assert_eq!(v["job"]["shots"], 256);
    assert_eq!(v["job"]["program"], BELL);
    assert_eq!(v["result"]["shots"], 256);
    assert_bell_counts(&v["result"]["counts"], 256);
    let id = v["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["result"]["job_id"], id.as_str());

    // Without --json: the job, then a counts table.
    let r = cli
        .run(&["jobs", "submit", bell, "--shots", "64", "--wait"])
        .await;
    let text = r.ok();
    assert!(text.contains("completed"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("OUTCOME")), "{text}");
    assert!(text.contains("64 shots"), "{text}");

    // List, show, result.
    let text = cli.run(&["jobs", "list"]).await.ok().to_owned();
    assert!(text.starts_with("ID"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&id) && l.contains("completed") && l.contains("cli bell")),
        "{text}"
    );
    let page = cli
        .run(&[
            "jobs",
            "list",
            "--status",
            "completed",
            "--limit",
            "1",
            "--json",
        ])
        .await
        .json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert!(
        page["next_cursor"].is_string(),
        "two jobs, one a page: {page}"
    );
    let text = cli
        .run(&["jobs", "show", id.as_str()])
        .await
        .ok()
        .to_owned();
    assert!(
        text.contains(&id) && text.contains("completed") && text.contains("cli bell"),
        "{text}"
    );
    let shown = cli
        .run(&["jobs", "show", id.as_str(), "--json"])
        .await
        .json();
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["tags"], serde_json::json!(["cli"]));
    let result = cli
        .run(&["jobs", "result", id.as_str(), "--json"])
        .await
        .json();
    assert_eq!(result["counts"], v["result"]["counts"]);
    let text = cli
        .run(&["jobs", "result", id.as_str()])
        .await
        .ok()
        .to_owned();
    assert!(text.lines().any(|l| l.starts_with("00 ")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("11 ")), "{text}");

    // Cancel: a finished job stays as it was; a new one is cancelled (or
    // the worker finished it first).
    let done = cli
        .run(&["jobs", "cancel", id.as_str(), "--json"])
        .await
        .json();
    assert_eq!(done["status"], "completed");
    let queued = cli
        .run(&["jobs", "submit", bell, "--shots", "16", "--json"])
        .await
        .json();
    let new_id = queued["id"].as_str().unwrap();
    let c = cli.run(&["jobs", "cancel", new_id, "--json"]).await.json();
    let status = c["status"].as_str().unwrap();
    assert!(
        ["cancelled", "cancelling", "completed"].contains(&status),
        "{c}"
    );

    // Errors: the problem's detail and exit 1; a program error names the
    // file, line and column.
    let broken = dir.join("broken.qasm");
    std::fs::write(&broken, BROKEN).unwrap();
    let r = cli
        .run(&["jobs", "submit", broken.to_str().unwrap(), "--shots", "10"])
        .await;
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("broken.qasm:6:"), "{}", r.stderr);
    assert!(r.stderr.contains("program_invalid"), "{}", r.stderr);
    let r = cli
        .run(&["jobs", "submit", broken.to_str().unwrap(), "--json"])
        .await;
    assert_eq!(r.code, Some(1));
    let problem: Value = serde_json::from_str(&r.stdout).expect("the problem as JSON");
    assert_eq!(problem["error"]["code"], "program_invalid");
    assert_eq!(problem["error"]["line"], 6);
    let r = cli
        .run(&["jobs", "result", uuid::Uuid::now_v7().to_string().as_str()])
        .await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("not_found"), "{}", r.stderr);
    let r = cli.run(&["jobs", "show", "not-an-id"]).await;
    assert_eq!(r.code, Some(2), "{}", r.stderr);

    let _ = std::fs::remove_dir_all(&out);
}
