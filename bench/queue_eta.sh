#!/usr/bin/env bash
# Queue position and start estimates as the API reports them, compared with
# what happened, over a run of a few hundred jobs (issue 15).
#
#   bash bench/queue_eta.sh                  # 3 organizations, 300 jobs
#   JOBS=600 TENANTS=4 bash bench/queue_eta.sh
#
# One `qhub serve` with JOB_WORKER_SLOTS workers (default 2). The
# organizations submit jobs of mixed size (14–20 qubits, 5–20 layers) in
# five bursts;
# for every job the bench records the `queue` the submit answered (position
# and estimated_start_at), and after the run compares them with the order
# and the times at which the jobs really started. Prints the error of the
# start estimate (seconds: median, p90, mean absolute, mean signed) and of
# the position (jobs). Asserts nothing: it reports.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-300}
TENANTS=${TENANTS:-3}
SLOTS=${SLOTS:-2}
PORT=${PORT:-18093}
DB=qhub_bench_queue
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
OWNER_URL=postgres://qhub_owner:qhub_owner@127.0.0.1:5432/$DB
APP_URL=postgres://qhub_app:qhub_app@127.0.0.1:5432/$DB

bash scripts/services.sh >/dev/null
if [ -n "${QHUB_BIN:-}" ]; then
  QHUB=$QHUB_BIN
else
  cargo build --release --locked --bin qhub >/dev/null
  QHUB=$CARGO_TARGET_DIR/release/qhub
fi
psql_admin() { psql -w -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@" 2>/dev/null || su postgres -c "psql -d postgres -v ON_ERROR_STOP=1 -qAt $(printf "%q " "$@")"; }
psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB OWNER qhub_owner"
DATABASE_URL=$OWNER_URL CLICKHOUSE_DATABASE=qhub_bench "$QHUB" migrate >/dev/null 2>&1

work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
BIND_ADDR=127.0.0.1:$PORT APP_DATABASE_URL=$APP_URL DATABASE_URL=$OWNER_URL \
  CLICKHOUSE_DATABASE=qhub_bench OBJECT_STORE=file:$work/objects \
  RATE_LIMIT_API=1000000/60 RATE_LIMIT_AUTH_IP=100000/60 \
  JOB_WORKER_SLOTS=$SLOTS JOB_SIM_THREADS=1 \
  "$QHUB" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/live" && break; sleep 0.1; done

python3 - "$PORT" "$JOBS" "$TENANTS" "$SLOTS" <<'PY'
import datetime as dt, json, random, statistics, sys, time, urllib.request, urllib.error

port, jobs, tenants, slots = (int(x) for x in sys.argv[1:5])
base = f"http://127.0.0.1:{port}"

def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

tokens = []
for i in range(tenants):
    slug = f"queue-{i}-{random.randrange(10**6)}"
    r = call("POST", "/v1/tenants", body={"name": f"Queue {i}", "slug": slug,
             "owner_email": f"o@{slug}.test", "owner_password": "correct horse battery",
             "owner_name": "O"})
    tokens.append(r["access_token"])

def circuit(n, layers):
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];"]
    for l in range(layers):
        lines += [f"rx({0.1 + l / 100}) q[{q}];" for q in range(n)]
        lines += [f"cx q[{q}],q[{q + 1}];" for q in range(n - 1)]
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"

rng = random.Random(15)
submitted = []  # (id, token, submit time, position, estimated start)
per_round = max(1, jobs // 5)
while len(submitted) < jobs:
    for k in range(per_round):
        if len(submitted) >= jobs:
            break
        t = tokens[rng.randrange(tenants)] if k % 3 else tokens[len(submitted) % tenants]
        n = rng.choice([14, 16, 18, 20])
        j = call("POST", "/v1/jobs", t, {"backend": "qhub-statevector",
                 "program": circuit(n, rng.choice([5, 10, 20])), "shots": 256})
        q = j.get("queue") or {}
        submitted.append((j["id"], t, time.time(), q.get("position"),
                          ts(q["estimated_start_at"]) if q.get("estimated_start_at") else None))
    time.sleep(0.5)

done = {}
while len(done) < len(submitted):
    for jid, t, *_ in submitted:
        if jid in done:
            continue
        j = call("GET", f"/v1/jobs/{jid}", t)
        if j["status"] in ("completed", "failed", "cancelled"):
            done[jid] = j
    time.sleep(0.5)

start_order = sorted(done.values(), key=lambda j: ts(j["started_at"]))
rank = {j["id"]: i for i, j in enumerate(start_order)}
errs, pos_errs, no_estimate = [], [], 0
for jid, _t, at, pos, est in submitted:
    j = done[jid]
    started = ts(j["started_at"])
    if est is None:
        no_estimate += 1
    else:
        errs.append(est - started)
    if pos is not None:
        # Jobs that really started after this one was submitted and before it.
        ahead = sum(1 for o in done.values() if at <= ts(o["started_at"]) < started)
        pos_errs.append((pos - 1) - ahead)

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")

abs_errs = [abs(e) for e in errs]
run = [j["usage"]["run_ms"] for j in done.values()]
wait = [ts(j["started_at"]) - ts(j["created_at"]) for j in done.values()]
print(f"jobs {len(done)}, organizations {tenants}, worker slots {slots}")
print(f"run time ms: median {statistics.median(run):.0f}, mean {statistics.mean(run):.0f}; "
      f"wait s: median {statistics.median(wait):.2f}, max {max(wait):.2f}")
print(f"start estimate error s (estimated - actual): median |e| {pct(abs_errs, .5):.2f}, "
      f"p90 |e| {pct(abs_errs, .9):.2f}, mean |e| {statistics.mean(abs_errs):.2f}, "
      f"mean signed {statistics.mean(errs):+.2f}; {no_estimate} without an estimate")
abs_pos = [abs(e) for e in pos_errs]
print(f"position error (reported ahead - jobs that started before it): median |e| "
      f"{pct(abs_pos, .5):.0f}, p90 |e| {pct(abs_pos, .9):.0f}, mean signed "
      f"{statistics.mean(pos_errs):+.1f} over {len(pos_errs)} jobs")
PY
