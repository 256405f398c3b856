//! Command-line front end for tests and benchmarks.
//!
//! `qhub-sim [--shots N] [--seed S] [--statevector] [--threads T] [--repeat R] FILE|-`
//! prints one JSON object: counts, optionally the statevector, circuit
//! facts, memory passes and the median wall time of `run()` alone (seconds).
//! `qhub-sim --bandwidth [--threads T]` prints the best read-modify-write
//! bandwidth (bytes/s) of an in-place multiply over a 256 MiB complex128 buffer.

use std::io::Read;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use qhub_sim::{memory_passes, parse, run, statevector_bytes, Limits, RunOptions};
use rayon::prelude::*;
use serde_json::{json, Map, Value};

fn fail(msg: &str) -> ! {
    eprintln!("qhub-sim: {msg}");
    std::process::exit(2)
}

fn bandwidth() -> f64 {
    let len = (256usize << 20) / 16;
    let mut buf = vec![[1.0f64, 0.5f64]; len];
    let (c, s) = (0.6f64, 0.8f64);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        buf.par_chunks_mut(1 << 16).for_each(|ch| {
            for a in ch {
                let (re, im) = (a[0], a[1]);
                a[0] = re * c - im * s;
                a[1] = re * s + im * c;
            }
        });
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&buf);
    2.0 * (256u64 << 20) as f64 / best
}

fn main() {
    let mut shots = 1024u32;
    let mut seed = 1u64;
    let mut sv = false;
    let mut threads = 0usize;
    let mut repeat = 1usize;
    let mut bw = false;
    let mut file: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--shots" => shots = val("--shots").parse().unwrap_or_else(|_| fail("bad --shots")),
            "--seed" => seed = val("--seed").parse().unwrap_or_else(|_| fail("bad --seed")),
            "--threads" => threads = val("--threads").parse().unwrap_or_else(|_| fail("bad --threads")),
            "--repeat" => repeat = val("--repeat").parse().unwrap_or_else(|_| fail("bad --repeat")),
            "--statevector" => sv = true,
            "--bandwidth" => bw = true,
            _ if file.is_none() => file = Some(a),
            _ => fail("usage: qhub-sim [--shots N] [--seed S] [--statevector] [--threads T] [--repeat R] FILE|-"),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    if bw {
        let b = pool.install(bandwidth);
        println!(
            "{}",
            json!({ "bytes_per_second": b, "threads": pool.current_num_threads() })
        );
        return;
    }
    let mut src = String::new();
    match file.as_deref() {
        None | Some("-") => {
            std::io::stdin()
                .read_to_string(&mut src)
                .unwrap_or_else(|e| fail(&e.to_string()));
        }
        Some(f) => src = std::fs::read_to_string(f).unwrap_or_else(|e| fail(&format!("{f}: {e}"))),
    }
    let circuit = match parse(&src, &Limits::default()) {
        Ok(c) => c,
        Err(e) => {
            println!(
                "{}",
                json!({ "error": { "code": e.code.as_str(), "line": e.line, "column": e.column, "message": e.message } })
            );
            std::process::exit(1);
        }
    };
    let opts = RunOptions {
        shots,
        seed,
        statevector: sv,
    };
    let cancel = AtomicBool::new(false);
    let mut times = Vec::new();
    let mut outcome = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let o = pool
            .install(|| run(&circuit, &opts, &cancel))
            .unwrap_or_else(|e| fail(&e.to_string()));
        times.push(t.elapsed().as_secs_f64());
        outcome = Some(o);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let Some(outcome) = outcome else {
        fail("no run")
    };
    let mut out = Map::new();
    out.insert("counts".into(), json!(outcome.counts));
    if let Some(v) = outcome.statevector {
        out.insert("statevector".into(), json!(v));
    }
    out.insert("num_qubits".into(), json!(circuit.num_qubits()));
    out.insert("num_clbits".into(), json!(circuit.num_clbits()));
    out.insert("gate_count".into(), json!(circuit.gate_count()));
    out.insert("depth".into(), json!(circuit.depth()));
    out.insert("gate_names".into(), json!(circuit.gate_names()));
    out.insert("memory_passes".into(), json!(memory_passes(&circuit)));
    out.insert(
        "state_bytes".into(),
        json!(statevector_bytes(circuit.num_qubits())),
    );
    out.insert("threads".into(), json!(pool.current_num_threads()));
    out.insert("seconds".into(), json!(times[times.len() / 2]));
    out.insert("seconds_all".into(), json!(times));
    println!("{}", Value::Object(out));
}
