#!/usr/bin/env bash
# QHub's statevector simulator (qhub-sim) against qiskit-aer, same machine,
# same run, same OpenQASM 2 programs.
#
# Circuits (20 and 24 qubits, measure_all, 1024 shots): qiskit random_circuit
# depth 20 (seed 1234), QFT (h + cp + final swaps), 10 layers of rz on every
# qubit + a cx ladder, 5 layers of h on every qubit, 10 cx ladders after one h.
#
# Timed: Aer — `sim.run(tqc, shots=1024, seed_simulator=1).result()` wall time
# for a circuit loaded from the same QASM and transpiled for the simulator
# beforehand (AerSimulator(method="statevector"), default fusion), with
# max_parallel_threads=1 and with all threads. QHub — the wall time of
# `qhub_sim::run()` alone (parse excluded), in the CLI, on a rayon pool of 1
# thread and of all threads. Both include allocating the state, evolving it
# and sampling the shots. Median of REPS runs (default 3).
#
# Floor: memory passes the executor makes for the circuit × 2 × state bytes
# (read + write) ÷ the machine's read-modify-write bandwidth (an in-place
# complex multiply over a 256 MiB buffer, best of 5, same thread count).
#
# Usage: bash bench/simulator.sh            (env: REPS, SIZES="20 24", FAMILIES)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/qhub-target}"
REPS="${REPS:-3}"
SIZES="${SIZES:-20 24}"
FAMILIES="${FAMILIES:-random qft rzcx h cx}"
nice -n 10 cargo build --release -q -p qhub-sim
bash scripts/pyenv.sh
BIN="$CARGO_TARGET_DIR/release/qhub-sim"
THREADS="$(nproc)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

BW1="$("$BIN" --bandwidth --threads 1)"
BWN="$("$BIN" --bandwidth --threads "$THREADS")"

REPS="$REPS" SIZES="$SIZES" FAMILIES="$FAMILIES" BIN="$BIN" THREADS="$THREADS" WORK="$WORK" \
BW1="$BW1" BWN="$BWN" .venv/bin/python - <<'PY'
import json, os, statistics, subprocess, time
import numpy as np
from qiskit import QuantumCircuit, qasm2, transpile
from qiskit.circuit.random import random_circuit
from qiskit_aer import AerSimulator

REPS = int(os.environ["REPS"])
BIN = os.environ["BIN"]
THREADS = int(os.environ["THREADS"])
WORK = os.environ["WORK"]
BW = {1: json.loads(os.environ["BW1"])["bytes_per_second"], THREADS: json.loads(os.environ["BWN"])["bytes_per_second"]}


def qft(n):
    qc = QuantumCircuit(n)
    for j in reversed(range(n)):
        qc.h(j)
        for k in reversed(range(j)):
            qc.cp(np.pi / 2 ** (j - k), k, j)
    for q in range(n // 2):
        qc.swap(q, n - 1 - q)
    return qc


def rzcx(n):
    qc = QuantumCircuit(n)
    for layer in range(10):
        for q in range(n):
            qc.rz(0.1 * (q + 1) + layer, q)
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


def honly(n):
    qc = QuantumCircuit(n)
    for _ in range(5):
        for q in range(n):
            qc.h(q)
    return qc


def cxonly(n):
    qc = QuantumCircuit(n)
    qc.h(0)
    for _ in range(10):
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


BUILD = {"random": lambda n: random_circuit(n, 20, seed=1234), "qft": qft, "rzcx": rzcx, "h": honly, "cx": cxonly}

print(f"read-modify-write bandwidth: 1 thread {BW[1] / 1e9:.2f} GB/s, {THREADS} threads {BW[THREADS] / 1e9:.2f} GB/s")
print()
print("| circuit | qubits | threads | aer s | qhub s | aer/qhub | qhub passes | floor s | qhub/floor |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for n in [int(x) for x in os.environ["SIZES"].split()]:
    for fam in os.environ["FAMILIES"].split():
        qc = BUILD[fam](n)
        qc.measure_all()
        text = qasm2.dumps(qc)
        path = os.path.join(WORK, f"{fam}-{n}.qasm")
        with open(path, "w") as f:
            f.write(text)
        loaded = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        for threads in sorted({1, THREADS}):
            sim = AerSimulator(method="statevector", max_parallel_threads=threads if threads == 1 else 0)
            tqc = transpile(loaded, sim)
            times = []
            for _ in range(REPS):
                t0 = time.perf_counter()
                res = sim.run(tqc, shots=1024, seed_simulator=1).result()
                times.append(time.perf_counter() - t0)
                assert res.success
            aer = statistics.median(times)
            out = subprocess.run([BIN, "--threads", str(threads), "--repeat", str(REPS), "--shots", "1024", path],
                                 capture_output=True, text=True, check=True)
            d = json.loads(out.stdout)
            qhub = d["seconds"]
            floor = d["memory_passes"] * 2 * d["state_bytes"] / BW[threads]
            print(f"| {fam} | {n} | {threads} | {aer:.3f} | {qhub:.3f} | {aer / qhub:.2f} | {d['memory_passes']} | {floor:.3f} | {qhub / floor:.1f} |", flush=True)
PY
