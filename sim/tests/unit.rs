//! Unit tests of the public API: known states, the parser's errors, limits,
//! and every qelib1 gate against its qelib1.inc definition in U and CX.

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::sync::atomic::AtomicBool;

use qhub_sim::{
    parse, parse_with_parameters, run, statevector_bytes, Circuit, ErrorCode, Limits, Outcome,
    RunError, RunOptions,
};

const HEAD: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n";

fn circ(src: &str) -> Circuit {
    parse(src, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn exec(c: &Circuit, shots: u32, seed: u64) -> Outcome {
    run(
        c,
        &RunOptions {
            shots,
            seed,
            statevector: true,
        },
        &AtomicBool::new(false),
    )
    .unwrap()
}

fn sv(src: &str) -> Vec<[f64; 2]> {
    exec(&circ(src), 0, 1).statevector.unwrap()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn fidelity(a: &[[f64; 2]], b: &[[f64; 2]]) -> f64 {
    let (mut re, mut im, mut na, mut nb) = (0.0, 0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        re += x[0] * y[0] + x[1] * y[1];
        im += x[0] * y[1] - x[1] * y[0];
        na += x[0] * x[0] + x[1] * x[1];
        nb += y[0] * y[0] + y[1] * y[1];
    }
    (re * re + im * im) / (na * nb)
}

fn err(src: &str) -> (ErrorCode, u32, u32) {
    match parse(src, &Limits::default()) {
        Ok(_) => panic!("parsed: {src}"),
        Err(e) => (e.code, e.line, e.column),
    }
}

#[test]
fn bell() {
    let c = circ(&format!(
        "{HEAD}qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n"
    ));
    let o = exec(&c, 1000, 3);
    let s = o.statevector.unwrap();
    let r = std::f64::consts::FRAC_1_SQRT_2;
    assert!((s[0][0] - r).abs() < 1e-12 && (s[3][0] - r).abs() < 1e-12);
    assert!(s[1][0].abs() + s[2][0].abs() < 1e-12);
    assert_eq!(
        o.counts.keys().cloned().collect::<Vec<_>>(),
        vec!["00", "11"]
    );
    assert_eq!(o.counts.values().sum::<u64>(), 1000);
    assert!(o.counts["00"] > 400 && o.counts["11"] > 400);
    assert_eq!(c.depth(), 3);
    assert_eq!(c.gate_count(), 4);
    assert_eq!(
        c.gate_names().into_iter().collect::<Vec<_>>(),
        vec!["cx", "h", "measure"]
    );
}

#[test]
fn ghz_parallel_and_deterministic() {
    let n = 18;
    let mut src = format!("{HEAD}qreg q[{n}];\ncreg c[{n}];\nh q[0];\n");
    for i in 0..n - 1 {
        src += &format!("cx q[{i}],q[{}];\n", i + 1);
    }
    src += "measure q -> c;\n";
    let c = circ(&src);
    let one = pool(1).install(|| exec(&c, 4096, 42));
    let two = pool(2).install(|| exec(&c, 4096, 42));
    assert_eq!(one.counts, two.counts, "same seed, different thread counts");
    assert_eq!(one.statevector, two.statevector);
    let zeros = "0".repeat(n);
    let ones = "1".repeat(n);
    assert_eq!(one.counts.len(), 2);
    assert!(one.counts[&zeros] > 1800 && one.counts[&ones] > 1800);
    let s = one.statevector.unwrap();
    let r = std::f64::consts::FRAC_1_SQRT_2;
    assert!((s[0][0] - r).abs() < 1e-12 && (s[(1 << n) - 1][0] - r).abs() < 1e-12);
    let other = pool(2).install(|| exec(&c, 4096, 43));
    assert_ne!(other.counts, two.counts, "another seed gives other counts");
}

fn qft_src(n: usize, input: usize) -> String {
    let mut s = format!("{HEAD}qreg q[{n}];\n");
    for b in 0..n {
        if input >> b & 1 == 1 {
            s += &format!("x q[{b}];\n");
        }
    }
    for j in (0..n).rev() {
        s += &format!("h q[{j}];\n");
        for k in (0..j).rev() {
            s += &format!("cp(pi/{}) q[{k}],q[{j}];\n", 1u64 << (j - k));
        }
    }
    for q in 0..n / 2 {
        s += &format!("swap q[{q}],q[{}];\n", n - 1 - q);
    }
    s
}

#[test]
fn qft_of_basis_states() {
    for (n, input, threads) in [(3, 5, 1), (6, 37, 1), (10, 700, 2), (16, 40_000, 2)] {
        let s = pool(threads).install(|| sv(&qft_src(n, input)));
        let dim = 1usize << n;
        let norm = 1.0 / (dim as f64).sqrt();
        for (k, a) in s.iter().enumerate() {
            let ph = 2.0 * PI * (input * k % dim) as f64 / dim as f64;
            assert!(
                (a[0] - norm * ph.cos()).abs() < 1e-10 && (a[1] - norm * ph.sin()).abs() < 1e-10,
                "n={n} k={k}: {a:?}"
            );
        }
    }
}

#[test]
fn teleportation_with_if() {
    let theta = 1.1f64;
    let src = format!(
        "{HEAD}qreg q[3];\ncreg a[1];\ncreg b[1];\ncreg res[1];\nry({theta}) q[0];\nh q[1];\ncx q[1],q[2];\ncx q[0],q[1];\nh q[0];\n\
         measure q[0] -> a[0];\nmeasure q[1] -> b[0];\nif (b==1) x q[2];\nif (a==1) z q[2];\nmeasure q[2] -> res[0];\n"
    );
    let c = circ(&src);
    let shots = 8192u32;
    let o = exec(&c, shots, 5);
    assert_eq!(o.counts.values().sum::<u64>(), shots as u64);
    let ones: u64 = o
        .counts
        .iter()
        .filter(|(k, _)| k.starts_with('1'))
        .map(|(_, v)| v)
        .sum();
    let p = (theta / 2.0).sin().powi(2);
    let sd = (shots as f64 * p * (1.0 - p)).sqrt();
    assert!(
        (ones as f64 - shots as f64 * p).abs() < 5.0 * sd,
        "{ones} vs {}",
        shots as f64 * p
    );
    // keys: res b a, space separated; all four (a, b) combinations appear
    for k in o.counts.keys() {
        assert_eq!(k.len(), 5, "{k}");
    }
    let ab: std::collections::BTreeSet<&str> = o.counts.keys().map(|k| &k[2..]).collect();
    assert_eq!(ab.len(), 4);
    // the teleported qubit ends in ry(theta)|0> in every shot (the returned
    // state is the last shot's before its trailing measurement)
    let last = o.statevector.unwrap();
    let p1: f64 = last
        .iter()
        .enumerate()
        .filter(|(i, _)| i & 4 != 0)
        .map(|(_, a)| a[0] * a[0] + a[1] * a[1])
        .sum();
    assert!((p1 - p).abs() < 1e-12, "{p1} vs {p}");
}

#[test]
fn reset_and_no_clbits() {
    let o = exec(
        &circ(&format!("{HEAD}qreg q[2];\nx q;\nreset q[0];\n")),
        10,
        1,
    );
    assert_eq!(o.counts, BTreeMap::from([(String::new(), 10)]));
    let s = o.statevector.unwrap();
    assert!((s[2][0] - 1.0).abs() < 1e-12);
}

#[test]
fn counts_key_order() {
    // first register declared is rightmost; highest bit first in each
    let c = circ(&format!("{HEAD}qreg q[3];\ncreg a[2];\ncreg b[1];\nx q[0];\nx q[2];\nmeasure q[0] -> a[1];\nmeasure q[1] -> a[0];\nmeasure q[2] -> b[0];\n"));
    assert_eq!(
        exec(&c, 5, 1).counts,
        BTreeMap::from([("1 10".to_string(), 5)])
    );
    assert_eq!(c.cregs(), &[("a".to_string(), 2), ("b".to_string(), 1)]);
}

#[test]
fn parse_errors_have_positions() {
    assert_eq!(
        err("OPENQASM 3.0;\nqreg q[1];"),
        (ErrorCode::UnsupportedVersion, 1, 10)
    );
    assert_eq!(err("OPENQASM 3;"), (ErrorCode::UnsupportedVersion, 1, 10));
    assert_eq!(
        err("OPENQASM 2.0;\nqreg q[2];\nh q[0];"),
        (ErrorCode::UnknownGate, 3, 1)
    );
    assert_eq!(
        err("OPENQASM 2.0;\ninclude \"foo.inc\";"),
        (ErrorCode::Unsupported, 2, 9)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\n  x q[5];")),
        (ErrorCode::IndexOutOfRange, 4, 7)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\nx r[0];")),
        (ErrorCode::UndefinedRegister, 4, 3)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\ncreg q[2];")),
        (ErrorCode::Redefinition, 4, 6)
    );
    assert_eq!(
        err(&format!("{HEAD}gate h a {{ U(0,0,0) a; }}")),
        (ErrorCode::Redefinition, 3, 6)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\ncx q[0];")),
        (ErrorCode::ArgumentMismatch, 4, 1)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\ncx q[0], q[0];")),
        (ErrorCode::ArgumentMismatch, 4, 10)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\nqreg r[3];\ncx q, r;")),
        (ErrorCode::ArgumentMismatch, 5, 7)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2];\ncreg c[3];\nmeasure q -> c;")),
        (ErrorCode::ArgumentMismatch, 5, 9)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[20];\nqreg r[13];")),
        (ErrorCode::TooManyQubits, 4, 8)
    );
    assert_eq!(
        err(&format!("{HEAD}creg c[1025];")),
        (ErrorCode::TooManyClbits, 3, 8)
    );
    let huge = Limits {
        max_qubits: 1000,
        ..Limits::default()
    };
    assert_eq!(
        parse(&format!("{HEAD}qreg q[64];"), &huge)
            .unwrap_err()
            .code,
        ErrorCode::TooManyQubits
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[2]\nx q;")),
        (ErrorCode::Syntax, 4, 1)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\nrx(1+) q[0];")),
        (ErrorCode::Syntax, 4, 6)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\n\0x q;")),
        (ErrorCode::Syntax, 4, 1)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\nx q;\u{7}")),
        (ErrorCode::Syntax, 4, 5)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\nx q; @")),
        (ErrorCode::Syntax, 4, 6)
    );
    assert_eq!(
        err(&format!("{HEAD}opaque magic a;\nqreg q[1];\nmagic q[0];")),
        (ErrorCode::Unsupported, 5, 1)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\ncreg c[1];\nif (d==1) x q;")),
        (ErrorCode::UndefinedRegister, 5, 5)
    );
    assert_eq!(
        err(&format!("{HEAD}gate g(t) a {{ rx(s) a; }}")),
        (ErrorCode::Syntax, 3, 18)
    );
    assert_eq!(
        err(&format!("{HEAD}qreg q[1];\n\"unterminated")),
        (ErrorCode::Syntax, 4, 1)
    );
    // deep nesting is a syntax error, not a stack overflow
    let deep = format!(
        "{HEAD}qreg q[1];\nrx({}1{}) q[0];",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(err(&deep).0, ErrorCode::Syntax);
    let minus = format!("{HEAD}qreg q[1];\nrx({}1) q[0];", "-".repeat(100_000));
    assert_eq!(err(&minus).0, ErrorCode::Syntax);
    let e = parse("OPENQASM 2.0;\nqreg q[1];\nfoo q;", &Limits::default()).unwrap_err();
    assert_eq!(e.code.as_str(), "unknown_gate");
    assert!(e.to_string().contains("3:1"), "{e}");
}

#[test]
fn parameters() {
    let src = format!("{HEAD}qreg q[1];\nrx(theta*2) q[0];\nrz(-phi + pi) q[0];\n");
    let mut p = BTreeMap::from([("theta".to_string(), 0.25), ("phi".to_string(), 0.5)]);
    assert!(parse_with_parameters(&src, &Limits::default(), &p).is_ok());
    p.insert("typo".to_string(), 1.0);
    let e = parse_with_parameters(&src, &Limits::default(), &p).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownParameter);
    p.remove("typo");
    p.remove("phi");
    let e = parse_with_parameters(&src, &Limits::default(), &p).unwrap_err();
    assert_eq!(
        (e.code, e.line, e.column),
        (ErrorCode::MissingParameter, 5, 5)
    );
    assert_eq!(
        parse(&src, &Limits::default()).unwrap_err().code,
        ErrorCode::MissingParameter
    );
    // a gate's own parameter is not looked up
    let g = format!("{HEAD}gate g(theta) a {{ rx(theta) a; }}\nqreg q[1];\ng(theta) q[0];\n");
    let p = BTreeMap::from([("theta".to_string(), 0.3)]);
    let a = exec(
        &parse_with_parameters(&g, &Limits::default(), &p).unwrap(),
        0,
        1,
    )
    .statevector
    .unwrap();
    let b = sv(&format!("{HEAD}qreg q[1];\nrx(0.3) q[0];\n"));
    assert!(fidelity(&a, &b) > 1.0 - 1e-12);
}

#[test]
fn expansion_cap() {
    let mut src = format!("{HEAD}qreg q[1];\ngate g0 a {{ x a; x a; }}\n");
    for i in 1..64 {
        src += &format!("gate g{i} a {{ g{} a; g{} a; }}\n", i - 1, i - 1);
    }
    src += "g63 q[0];\n";
    let t = std::time::Instant::now();
    let (code, line, _) = err(&src);
    assert_eq!((code, line), (ErrorCode::TooManyGates, 68));
    assert!(t.elapsed().as_secs_f64() < 1.0);
    let limits = Limits {
        max_gates: 1024,
        ..Limits::default()
    };
    let mut ok = format!("{HEAD}qreg q[1];\ngate g0 a {{ x a; x a; }}\n");
    for i in 1..9 {
        ok += &format!("gate g{i} a {{ g{} a; g{} a; }}\n", i - 1, i - 1);
    }
    let c = parse(&format!("{ok}g9 q[0];\n").replace("g9 q", "g8 q"), &limits).unwrap();
    assert_eq!(c.gate_count(), 512);
    let c2 = parse(&format!("{ok}g8 q[0];\ng8 q[0];\n"), &limits).unwrap();
    assert_eq!(c2.gate_count(), 1024);
    assert_eq!(
        parse(&format!("{ok}g8 q[0];\ng8 q[0];\nx q[0];\n"), &limits)
            .unwrap_err()
            .code,
        ErrorCode::TooManyGates
    );
    // broadcast counts too
    let wide = Limits {
        max_gates: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse(&format!("{HEAD}qreg q[11];\nh q;\n"), &wide)
            .unwrap_err()
            .code,
        ErrorCode::TooManyGates
    );
}

#[test]
fn cancel_stops() {
    let c = circ(&qft_src(12, 3));
    let r = run(
        &c,
        &RunOptions {
            shots: 10,
            seed: 1,
            statevector: false,
        },
        &AtomicBool::new(true),
    );
    assert_eq!(r.unwrap_err(), RunError::Cancelled);
    assert_eq!(statevector_bytes(24), 256 << 20);
}

/// qelib1.inc's definitions in U and CX (loaded without the include, so the
/// names are free), as the reference for the native matrices.
const REF: &str = "OPENQASM 2.0;
gate u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate u2(phi,lambda) q { U(pi/2,phi,lambda) q; }
gate u1(lambda) q { U(0,0,lambda) q; }
gate cx c,t { CX c,t; }
gate id a { U(0,0,0) a; }
gate u0(gamma) q { U(0,0,0) q; }
gate u(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate p(lambda) q { U(0,0,lambda) q; }
gate x a { u3(pi,0,pi) a; }
gate y a { u3(pi,pi/2,pi/2) a; }
gate z a { u1(pi) a; }
gate h a { u2(0,pi) a; }
gate s a { u1(pi/2) a; }
gate sdg a { u1(-pi/2) a; }
gate t a { u1(pi/4) a; }
gate tdg a { u1(-pi/4) a; }
gate rx(theta) a { u3(theta, -pi/2,pi/2) a; }
gate ry(theta) a { u3(theta,0,0) a; }
gate rz(phi) a { u1(phi) a; }
gate sx a { sdg a; h a; sdg a; }
gate sxdg a { s a; h a; s a; }
gate cz a,b { h b; cx a,b; h b; }
gate cy a,b { sdg b; cx a,b; s b; }
gate swap a,b { cx a,b; cx b,a; cx a,b; }
gate ch a,b { h b; sdg b; cx a,b; h b; t b; cx a,b; t b; h b; s b; x b; s a; }
gate ccx a,b,c { h c; cx b,c; tdg c; cx a,c; t c; cx b,c; tdg c; cx a,c; t b; t c; h c; cx a,b; t a; tdg b; cx a,b; }
gate cswap a,b,c { cx c,b; ccx a,b,c; cx c,b; }
gate crx(lambda) a,b { u1(pi/2) b; cx a,b; u3(-lambda/2,0,0) b; cx a,b; u3(lambda/2,-pi/2,0) b; }
gate cry(lambda) a,b { ry(lambda/2) b; cx a,b; ry(-lambda/2) b; cx a,b; }
gate crz(lambda) a,b { rz(lambda/2) b; cx a,b; rz(-lambda/2) b; cx a,b; }
gate cu1(lambda) a,b { u1(lambda/2) a; cx a,b; u1(-lambda/2) b; cx a,b; u1(lambda/2) b; }
gate cp(lambda) a,b { p(lambda/2) a; cx a,b; p(-lambda/2) b; cx a,b; p(lambda/2) b; }
gate cu3(theta,phi,lambda) c, t { u1((lambda+phi)/2) c; u1((lambda-phi)/2) t; cx c,t; u3(-theta/2,0,-(phi+lambda)/2) t; cx c,t; u3(theta/2,phi,0) t; }
gate csx a,b { h b; cu1(pi/2) a,b; h b; }
gate cu(theta,phi,lambda,gamma) c, t { p(gamma) c; p((lambda+phi)/2) c; p((lambda-phi)/2) t; cx c,t; u(-theta/2,0,-(phi+lambda)/2) t; cx c,t; u(theta/2,phi,0) t; }
gate rxx(theta) a,b { u3(pi/2, theta, 0) a; h b; cx a,b; u1(-theta) b; cx a,b; h b; u2(-pi, pi-theta) a; }
gate rzz(theta) a,b { cx a,b; u1(theta) b; cx a,b; }
";

#[test]
fn every_qelib1_gate_matches_its_definition() {
    let gates: &[(&str, usize, usize)] = &[
        ("u3", 3, 1),
        ("u2", 2, 1),
        ("u1", 1, 1),
        ("u", 3, 1),
        ("p", 1, 1),
        ("u0", 1, 1),
        ("id", 0, 1),
        ("x", 0, 1),
        ("y", 0, 1),
        ("z", 0, 1),
        ("h", 0, 1),
        ("s", 0, 1),
        ("sdg", 0, 1),
        ("t", 0, 1),
        ("tdg", 0, 1),
        ("sx", 0, 1),
        ("sxdg", 0, 1),
        ("rx", 1, 1),
        ("ry", 1, 1),
        ("rz", 1, 1),
        ("cx", 0, 2),
        ("cy", 0, 2),
        ("cz", 0, 2),
        ("ch", 0, 2),
        ("csx", 0, 2),
        ("crx", 1, 2),
        ("cry", 1, 2),
        ("crz", 1, 2),
        ("cu1", 1, 2),
        ("cp", 1, 2),
        ("cu3", 3, 2),
        ("cu", 4, 2),
        ("swap", 0, 2),
        ("ccx", 0, 3),
        ("cswap", 0, 3),
        ("rxx", 1, 2),
        ("rzz", 1, 2),
    ];
    let n = 5;
    for &(name, np, nq) in gates {
        for trial in 0..3 {
            // a random-ish entangled input, in U and CX only
            let mut body = format!("qreg q[{n}];\n");
            for i in 0..n {
                body += &format!(
                    "U({}, {}, {}) q[{i}];\n",
                    0.3 + 0.7 * i as f64 + trial as f64,
                    1.1 * i as f64 - 0.4,
                    0.2 * trial as f64 + 0.9
                );
            }
            for i in 0..n - 1 {
                body += &format!("CX q[{i}], q[{}];\n", i + 1);
                body += &format!("U({}, 0.5, -0.3) q[{i}];\n", 0.6 + i as f64);
            }
            let params: Vec<String> = (0..np)
                .map(|k| format!("{}", 0.37 + 1.3 * k as f64 - 0.9 * trial as f64))
                .collect();
            let qubits: Vec<String> = (0..nq)
                .map(|k| format!("q[{}]", (k * 2 + trial + 1) % n))
                .collect();
            let call = if np > 0 {
                format!("{name}({}) {};\n", params.join(", "), qubits.join(", "))
            } else {
                format!("{name} {};\n", qubits.join(", "))
            };
            let native = sv(&format!("{HEAD}{body}{call}"));
            let reference = sv(&format!("{REF}{body}{call}"));
            let f = fidelity(&native, &reference);
            assert!(f > 1.0 - 1e-12, "{name} trial {trial}: fidelity {f}");
        }
    }
}

#[test]
fn user_gates_and_broadcast() {
    let a = sv(&format!(
        "{HEAD}gate bell(t) a, b {{ h a; cx a, b; rz(t) b; }}\nqreg q[4];\nbell(pi/3) q[0], q[1];\nbell(-2*pi/3) q[2], q[3];\nh q;\nbarrier q;\ncz q[0], q[3];\n"
    ));
    let b = sv(&format!(
        "{HEAD}qreg q[4];\nh q[0];\ncx q[0],q[1];\nrz(pi/3) q[1];\nh q[2];\ncx q[2],q[3];\nrz(-2*pi/3) q[3];\nh q[0];\nh q[1];\nh q[2];\nh q[3];\ncz q[0], q[3];\n"
    ));
    assert!(fidelity(&a, &b) > 1.0 - 1e-12);
    // depth as Qiskit counts: a user gate is one instruction, barriers line up
    let c = circ(&format!(
        "{HEAD}gate g a, b {{ h a; cx a, b; h b; }}\nqreg q[3];\ncreg c[3];\ng q[0], q[1];\nx q[2];\nbarrier q;\nmeasure q -> c;\n"
    ));
    assert_eq!(c.depth(), 2);
    assert_eq!(c.gate_count(), 7);
}

#[test]
fn edge_cases() {
    // no qubits at all
    let c = circ("OPENQASM 2.0;\ncreg c[2];\n");
    let o = exec(&c, 7, 1);
    assert_eq!(o.counts, BTreeMap::from([("00".to_string(), 7)]));
    assert_eq!(o.statevector.unwrap(), vec![[1.0, 0.0]]);
    // no shots
    let c = circ(&format!(
        "{HEAD}qreg q[3];\ncreg c[3];\nh q;\nmeasure q -> c;\n"
    ));
    assert!(exec(&c, 0, 1).counts.is_empty());
    // comments, exponents, functions, a version without include
    let a = sv("OPENQASM 2.0; // hi\n/* block */ qreg q[1];\nU(2.5e-1*4, -sqrt(4)/2 + exp(0) - cos(0), ln(1)+tan(0)+sin(0)^2) q[0];\n");
    let b = sv("OPENQASM 2.0;\nqreg q[1];\nU(1, -1, 0) q[0];\n");
    assert!(fidelity(&a, &b) > 1.0 - 1e-12);
    // c3x / c4x flip the target only when every control is set
    for (gate, nq) in [("c3x", 4), ("c4x", 5)] {
        for input in 0..(1usize << nq) {
            let mut src = format!("{HEAD}qreg q[{nq}];\n");
            for b in 0..nq {
                if input >> b & 1 == 1 {
                    src += &format!("x q[{b}];\n");
                }
            }
            let args: Vec<String> = (0..nq).map(|i| format!("q[{i}]")).collect();
            src += &format!("{gate} {};\n", args.join(","));
            let s = sv(&src);
            let ctrl = (1usize << (nq - 1)) - 1;
            let want = if input & ctrl == ctrl {
                input ^ (1 << (nq - 1))
            } else {
                input
            };
            assert!((s[want][0] - 1.0).abs() < 1e-12, "{gate} {input}");
        }
    }
    // if on a multi-bit register value, and a conditioned measure
    let c = circ(&format!(
        "{HEAD}qreg q[3];\ncreg c[2];\ncreg d[1];\nx q[1];\nmeasure q[0] -> c[0];\nmeasure q[1] -> c[1];\nif (c==2) x q[2];\nif (c==3) x q[0];\nif (c==2) measure q[2] -> d[0];\n"
    ));
    assert_eq!(
        exec(&c, 4, 1).counts,
        BTreeMap::from([("1 10".to_string(), 4)])
    );
}
