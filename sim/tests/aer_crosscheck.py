"""Cross-check QHub's simulator against qiskit-aer.

usage: aer_crosscheck.py QHUB_SIM_BINARY

For each circuit (qiskit random circuits up to 16 qubits, and hand-made ones
covering every standard gate qiskit.qasm2.dumps can write): Aer's exact
final statevector (method="statevector", save_statevector) against QHub's
(fidelity >= 1 - 1e-9); QHub's counts (4096 shots, fixed seed) against the
exact distribution (no outcome of probability 0; every one-qubit marginal
and every neighbouring two-qubit parity within 5 sigma of its binomial
expectation); Qiskit's depth() of the dumped program against QHub's.
Circuits with mid-circuit measurement, reset and `if` compare per-clbit
frequencies against Aer's own counts. Exits non-zero on any failure.
"""

import json
import math
import subprocess
import sys

import numpy as np
from qiskit import QuantumCircuit, ClassicalRegister, QuantumRegister, qasm2, transpile
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.circuit.random import random_circuit
from qiskit_aer import AerSimulator

SHOTS = 4096
BIN = sys.argv[1]
SIM = AerSimulator(method="statevector")
failures = []
passed = 0


def qhub(text, shots=SHOTS, seed=7, statevector=True):
    args = [BIN, "--shots", str(shots), "--seed", str(seed), "-"]
    if statevector:
        args.insert(1, "--statevector")
    r = subprocess.run(args, input=text, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"qhub-sim exit {r.returncode}: {r.stdout[:500]} {r.stderr[:500]}")
    return json.loads(r.stdout)


def aer_statevector(qc):
    c = qc.copy()
    c.save_statevector()
    res = SIM.run(transpile(c, SIM, optimization_level=0)).result()
    return np.asarray(res.get_statevector(), dtype=complex)


def check(name, qc):
    global passed
    n = qc.num_qubits
    try:
        exact = aer_statevector(qc)
        qm = qc.copy()
        qm.measure_all()
        text = qasm2.dumps(qm)
        out = qhub(text)
        sv = np.array([complex(a, b) for a, b in out["statevector"]])
        fid = abs(np.vdot(exact, sv)) ** 2 / (np.vdot(sv, sv).real * np.vdot(exact, exact).real)
        problems = []
        if not fid >= 1 - 1e-9:
            problems.append(f"fidelity {fid!r}")
        counts = out["counts"]
        total = sum(counts.values())
        if total != SHOTS:
            problems.append(f"counts sum to {total}")
        probs = np.abs(exact) ** 2
        # measure_all: one register 'meas' of n bits, highest bit first
        idx_counts = {}
        for k, v in counts.items():
            k = k.split(" ")[0]  # 'meas' is declared last: leftmost
            if len(k) != n:
                problems.append(f"key {k!r} has {len(k)} bits")
                break
            idx_counts[int(k, 2)] = v
        for i in idx_counts:
            if probs[i] < 1e-12:
                problems.append(f"outcome {i} has probability {probs[i]}")
                break
        idx = np.arange(len(probs))
        tests = [((idx >> q) & 1) == 1 for q in range(n)]
        tests += [(((idx >> q) ^ (idx >> (q + 1))) & 1) == 1 for q in range(n - 1)]
        for mask in tests:
            p = float(probs[mask].sum())
            k = sum(v for i, v in idx_counts.items() if mask[i])
            sd = math.sqrt(max(SHOTS * p * (1 - p), 1e-12))
            if abs(k - SHOTS * p) > 5 * sd + 1e-6:
                problems.append(f"marginal {k}/{SHOTS} vs p={p:.4f}")
                break
        want_depth = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS).depth()
        if out["depth"] != want_depth:
            problems.append(f"depth {out['depth']} != qiskit {want_depth}")
    except Exception as e:  # noqa: BLE001
        problems = [f"{type(e).__name__}: {e}"]
    if problems:
        failures.append(name)
        print(f"FAIL {name} ({n} qubits): {'; '.join(problems)}")
    else:
        passed += 1
        print(f"ok   {name} ({n} qubits) fidelity-1={1 - fid:.1e} passes={out['memory_passes']} depth={out['depth']}")


def check_dynamic(name, qc):
    """Mid-circuit measurement / reset / if: compare clbit frequencies with Aer's."""
    global passed
    text = qasm2.dumps(qc)
    problems = []
    try:
        out = qhub(text, statevector=False)
        aer = SIM.run(transpile(qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS), SIM, optimization_level=0), shots=SHOTS, seed_simulator=11).result().get_counts()
        ncl = qc.num_clbits

        def bitfreq(counts):
            f = np.zeros(ncl)
            for k, v in counts.items():
                bits = k.replace(" ", "")
                for b in range(ncl):
                    if bits[-1 - b] == "1":
                        f[b] += v
            return f / sum(counts.values())

        if sum(out["counts"].values()) != SHOTS:
            problems.append("counts do not sum to shots")
        if set(len(k) for k in out["counts"]) != set(len(k) for k in aer):
            problems.append(f"key format {list(out['counts'])[:2]} vs aer {list(aer)[:2]}")
        fq, fa = bitfreq(out["counts"]), bitfreq(aer)
        for b in range(ncl):
            p = (fq[b] + fa[b]) / 2
            sd = math.sqrt(max(2 * p * (1 - p) / SHOTS, 1e-12))
            if abs(fq[b] - fa[b]) > 5 * sd + 1e-9:
                problems.append(f"clbit {b}: qhub {fq[b]:.3f} aer {fa[b]:.3f}")
        # outcomes QHub saw must be ones Aer can produce when Aer's are few
        if len(aer) <= 16 and not set(out["counts"]) <= set(aer):
            problems.append(f"outcomes {sorted(set(out['counts']) - set(aer))} never seen by aer")
    except Exception as e:  # noqa: BLE001
        problems = [f"{type(e).__name__}: {e}"]
    if problems:
        failures.append(name)
        print(f"FAIL {name}: {'; '.join(problems)}")
    else:
        passed += 1
        print(f"ok   {name} (per-shot)")


def all_gates_circuits(seed):
    """Every standard gate with float parameters, on random qubits of 6."""
    rng = np.random.default_rng(seed)
    skip = {"measure", "reset", "delay", "barrier", "global_phase", "store"}
    gates = []
    for name, g in sorted(get_standard_gate_name_mapping().items()):
        if name in skip or not hasattr(g, "num_qubits") or g.num_qubits > 6:
            continue
        params = [float(rng.uniform(-np.pi, np.pi)) for _ in g.params]
        try:
            gates.append(type(g)(*params) if params else g)
        except TypeError:
            continue
    circuits = []
    chunk = 12
    for start in range(0, len(gates), chunk):
        qc = QuantumCircuit(6)
        for q in range(6):
            qc.u(*rng.uniform(-np.pi, np.pi, 3), q)
        for g in gates[start:start + chunk]:
            qs = [int(x) for x in rng.permutation(6)[: g.num_qubits]]
            qc.append(g, qs)
            qc.h(qs[0])
        circuits.append((f"all-gates-{start // chunk}[{','.join(g.name for g in gates[start:start + chunk])}]", qc))
    return circuits


def qft(n):
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.rx(0.3 * (q + 1), q)
    for j in reversed(range(n)):
        qc.h(j)
        for k in reversed(range(j)):
            qc.cp(np.pi / 2 ** (j - k), k, j)
    for q in range(n // 2):
        qc.swap(q, n - 1 - q)
    return qc


def user_gates():
    text = """OPENQASM 2.0;
include "qelib1.inc";
gate mine(a, b) x, y { rx(a) x; cx x, y; ry(b/2 + a^2) y; rzz(-a*b) x, y; }
gate outer(t) p, q, r { mine(t, 2*t) p, q; mine(sin(t), -t) q, r; ccx p, q, r; }
qreg q[5];
outer(0.7) q[0], q[1], q[2];
outer(-1.3e-1) q[2], q[3], q[4];
mine(pi/3, ln(2)) q[4], q[0];
u(1,2,3) q[1]; U(0.5, 0.25, -1) q[3]; CX q[1], q[3];
"""
    return qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)


def main():
    circuits = []
    for i, (n, d) in enumerate([(2, 5), (3, 10), (4, 8), (5, 12), (6, 10), (7, 6), (8, 10), (9, 5), (10, 8),
                                (11, 6), (12, 10), (13, 5), (14, 6), (15, 4), (16, 5), (16, 10), (5, 30),
                                (3, 40), (12, 20), (16, 3)]):
        circuits.append((f"random-{n}q-d{d}-s{100 + i}", random_circuit(n, d, max_operands=3, seed=100 + i)))
    for i, (n, d) in enumerate([(6, 8), (10, 6), (16, 4)]):
        circuits.append((f"random4op-{n}q-d{d}", random_circuit(n, d, max_operands=4, seed=300 + i)))
    circuits += all_gates_circuits(5)
    from qiskit.circuit.library import C3XGate, C4XGate, RC3XGate, RCCXGate, C3SXGate
    mc = QuantumCircuit(6)
    for q in range(6):
        mc.h(q)
        mc.t(q)
    for k, g in enumerate([C3XGate(), C4XGate(), RC3XGate(), RCCXGate(), C3SXGate()]):
        mc.append(g, [(k + j) % 6 for j in range(g.num_qubits)])
        mc.rx(0.3 * k + 0.1, k)
    circuits.append(("multi-controlled", mc))
    circuits += [("qft-5", qft(5)), ("qft-12", qft(12)), ("qft-16", qft(16))]
    circuits.append(("user-gates", user_gates()))
    for name, qc in circuits:
        check(name, qc)

    # teleportation with if
    q = QuantumRegister(3, "q")
    a, b, res = ClassicalRegister(1, "a"), ClassicalRegister(1, "b"), ClassicalRegister(1, "res")
    tp = QuantumCircuit(q, a, b, res)
    tp.ry(1.1, 0)
    tp.h(1)
    tp.cx(1, 2)
    tp.cx(0, 1)
    tp.h(0)
    tp.measure(0, a[0])
    tp.measure(1, b[0])
    with tp.if_test((b, 1)):
        tp.x(2)
    with tp.if_test((a, 1)):
        tp.z(2)
    tp.measure(2, res[0])
    check_dynamic("teleport", tp)
    # reset and mid-circuit measurement, 14 qubits (parallel path)
    r = random_circuit(14, 4, max_operands=2, seed=9)
    r.add_register(ClassicalRegister(2, "mid"))
    r.measure(3, r.clbits[0])
    r.reset(3)
    r.h(3)
    r.cx(3, 7)
    r.measure(7, r.clbits[1])
    r.measure_all()
    check_dynamic("mid-measure-reset-14q", r)

    print(f"{passed} passed, {len(failures)} failed")
    if failures or passed < 20:
        sys.exit(1)


main()
