//! Cross-check against qiskit-aer: `aer_crosscheck.py` builds the circuits
//! with Qiskit, runs Aer and this crate's `qhub-sim` binary on the same
//! OpenQASM, and exits non-zero on any disagreement. The project's venv is
//! made (or completed) first with `scripts/pyenv.sh`; this test fails, never
//! skips, when that or the check fails.

use std::path::Path;
use std::process::Command;

#[test]
fn aer_crosscheck() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root");
    let status = Command::new("bash")
        .arg(root.join("scripts/pyenv.sh"))
        .current_dir(root)
        .status()
        .expect("run scripts/pyenv.sh");
    assert!(status.success(), "scripts/pyenv.sh failed");
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("sim/tests/aer_crosscheck.py"))
        .arg(env!("CARGO_BIN_EXE_qhub-sim"))
        .current_dir(root)
        .output()
        .expect("run aer_crosscheck.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "aer cross-check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
}
