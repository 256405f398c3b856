#!/usr/bin/env bash
# Hot-path benchmark: the tenant-scoped list (GET /v1/users?limit=50) through
# the whole API, against the raw Postgres ceiling of the same work measured
# in the same run (pgbench: BEGIN; set_config; SELECT 50 rows; COMMIT), and
# against a FastAPI peer doing the same work per request (bench/fastapi_peer:
# the same rate-limit script, JWT check, session check, cached role and
# tenant transaction, on the same database and Redis), also in the same run.
#
#   bash bench/hot_path.sh            # 10 s per measurement, 32 connections
#   DURATION=30 CONNS=64 bash bench/hot_path.sh
#
# Prints the throughputs and their ratios (API / raw Postgres; API / the
# FastAPI peer; the console's cross-origin requests / the same requests
# without an Origin), p99 latencies, and QHub's resident memory idle and
# after the load. It asserts nothing: speed is reported, not tested.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
PEER_PORT=${PEER_PORT:-18081}
# uvicorn worker processes of the FastAPI peer: one per core.
PEER_WORKERS=${PEER_WORKERS:-$(nproc)}
# The peer's Redis work per request: `combined`, QHub's SESSION_HIT script
# (one round trip, as QHub does it); `separate`, the rate-limit script, the
# session script and a GET of the role (three, as QHub did before).
PEER_REDIS=${PEER_REDIS:-combined}
JWT_SECRET=bench-secret-bench-secret-bench-secret-00
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
DB_OWNER=postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_test
DB_APP=postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test

bash scripts/services.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null; }
# The FastAPI peer's packages (PyPI), into the project's venv, unless the
# pinned versions are there already.
bash scripts/pyenv.sh
peer_deps_ok() {
  .venv/bin/python - bench/fastapi_peer/requirements.txt <<'PY'
import sys
from importlib import metadata

for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if line:
        name, version = line.split("==")
        try:
            if metadata.version(name) != version:
                sys.exit(1)
        except metadata.PackageNotFoundError:
            sys.exit(1)
PY
}
peer_deps_ok || .venv/bin/pip install -q --disable-pip-version-check -r bench/fastapi_peer/requirements.txt

# QHUB_BIN measures another build (e.g. an earlier commit's) with this script.
if [ -n "${QHUB_BIN:-}" ]; then
  QHUB=$QHUB_BIN
else
  cargo build --release --bin qhub
  QHUB=$CARGO_TARGET_DIR/release/qhub
fi
DATABASE_URL=$DB_OWNER $QHUB migrate

# The API rate limit is lifted: this measures the path, not the limiter's
# refusals (the limiter's Redis round trip is still on the path). The access
# token lives a day, so it outlasts every run, the peer's too.
BIND_ADDR=127.0.0.1:$PORT APP_DATABASE_URL=$DB_APP DB_MAX_CONNECTIONS=$CONNS \
  RATE_LIMIT_API=1000000000/60 RATE_LIMIT_AUTH_IP=1000000/60 SMTP_URL=smtp://127.0.0.1:1 \
  JWT_SECRET=$JWT_SECRET ACCESS_TOKEN_TTL_SECS=86400 RUST_LOG=warn \
  $QHUB serve &
SERVER=$!
PEER=
WORK=
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  [ -z "$PEER" ] || kill "$PEER" 2>/dev/null || true
  [ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT
WORK=$(mktemp -d)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done

# One tenant with 60 users.
slug="bench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
signup=$(curl -sf -XPOST "http://127.0.0.1:$PORT/v1/tenants" -H 'content-type: application/json' \
  -d "{\"name\":\"Bench\",\"slug\":\"$slug\",\"owner_email\":\"o@$slug.test\",\"owner_password\":\"bench-password\",\"owner_name\":\"O\"}")
token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$signup")
tenant=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["id"])' <<<"$signup")
for i in $(seq 1 59); do
  curl -sf -XPOST "http://127.0.0.1:$PORT/v1/users" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' \
    -d "{\"email\":\"u$i@$slug.test\",\"name\":\"U$i\",\"password\":\"bench-password\",\"role\":\"viewer\"}" >/dev/null
done

key=$(curl -sf -XPOST "http://127.0.0.1:$PORT/v1/api-keys" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' -d '{"name":"bench","scopes":["users:read"]}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

# Baseline: the same tenant-scoped read, straight to Postgres, as qhub_app.
cat > "$WORK/read.sql" <<SQL
BEGIN;
SELECT set_config('app.tenant_id', '$tenant', true);
SELECT id, email, name, role, is_active, email_verified_at, last_login_at, created_at, updated_at FROM users ORDER BY id LIMIT 51;
COMMIT;
SQL
echo "==> raw Postgres: $CONNS clients, ${DURATION}s"
PGSSLMODE=disable PGPASSWORD=qhub_app pgbench -n -h 127.0.0.1 -U qhub_app -c "$CONNS" -j 2 -T "$DURATION" \
  -f "$WORK/read.sql" qhub_test > "$WORK/pgbench.txt"
pg_tps=$(grep -E '^tps' "$WORK/pgbench.txt" | head -1 | awk '{print $3}')

# wrk_run <name> <description> <port> <header>...: one wrk run of the list
# endpoint on 127.0.0.1:<port>; prints its report and sets <name>_rps and
# <name>_p99 (wrk's latency distribution, e.g. 12.34ms).
wrk_run() {
  local name=$1 what=$2 port=$3; shift 3
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  echo "==> GET /v1/users?limit=50 $what: $CONNS connections, ${DURATION}s"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "${args[@]}" \
    "http://127.0.0.1:$port/v1/users?limit=50" > "$WORK/wrk_$name.txt"
  cat "$WORK/wrk_$name.txt"
  printf -v "${name}_rps" '%s' "$(grep 'Requests/sec' "$WORK/wrk_$name.txt" | awk '{print $2}')"
  printf -v "${name}_p99" '%s' "$(awk '$1 == "99%" {print $2}' "$WORK/wrk_$name.txt")"
}

# Resident memory of a process, KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# stop <pid>: SIGTERM to a server this script started, SIGKILL if it is
# still shutting down after 30 s.
stop() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

qhub_rss_idle=$(rss_kib "$SERVER")
wrk_run api "through QHub with a JWT" "$PORT" "authorization: Bearer $token"
wrk_run key "through QHub with an API key" "$PORT" "x-api-key: $key"
# As the console sends it: a JWT and the console's Origin, so the CORS layer
# matches the origin and adds its headers to every response.
wrk_run cors "through QHub from the console's origin (CORS)" "$PORT" \
  "authorization: Bearer $token" "origin: http://127.0.0.1:5173"
# The JWT run once more, last: the runs are sequential, so any drift over
# the run (the usage writer, Redis keys piling up) shows as a difference
# between the two JWT runs, and CORS is compared with their mean.
wrk_run api2 "through QHub with a JWT, again" "$PORT" "authorization: Bearer $token"
qhub_rss_loaded=$(rss_kib "$SERVER")

# QHub stops, so the peer has the machine to itself as QHub had it. The
# session, the role cache entry and the users stay in Redis and Postgres.
stop "$SERVER"
SERVER=

# The FastAPI peer: same secret, same database as qhub_app, same Redis, the
# same lifted rate limit; DB_MAX_CONNECTIONS Postgres connections in all,
# shared among the uvicorn workers.
JWT_SECRET=$JWT_SECRET APP_DATABASE_URL=$DB_APP DB_MAX_CONNECTIONS=$CONNS PEER_REDIS=$PEER_REDIS \
  WEB_CONCURRENCY=$PEER_WORKERS RATE_LIMIT_API=1000000000/60 RATE_LIMIT_AUTH_IP=1000000/60 \
  .venv/bin/python -m uvicorn --app-dir bench/fastapi_peer app:app \
  --host 127.0.0.1 --port "$PEER_PORT" --workers "$PEER_WORKERS" \
  --loop uvloop --http httptools --no-access-log --log-level warning &
PEER=$!
# Ready once every worker has answered (each says its pid), so none joins
# the load late and leaves the other with all of wrk's connections.
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PEER_PORT/health/live" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' >> "$WORK/peer_pids" 2>/dev/null || true
  [ "$(sort -u "$WORK/peer_pids" | wc -l)" -ge "$PEER_WORKERS" ] && break
  sleep 0.05
done
curl -sf "http://127.0.0.1:$PEER_PORT/v1/users?limit=50" -H "authorization: Bearer $token" >/dev/null ||
  { echo "the FastAPI peer does not answer GET /v1/users" >&2; exit 1; }
wrk_run peer "through the FastAPI peer ($PEER_WORKERS workers, Redis $PEER_REDIS) with a JWT" "$PEER_PORT" "authorization: Bearer $token"
peer_rss_loaded=$(( $(rss_kib "$PEER") + $(for p in $(pgrep -P "$PEER"); do rss_kib "$p"; done | awk '{s += $1} END {print s + 0}') ))
stop "$PEER"
PEER=

non2xx=$(cat "$WORK"/wrk_*.txt | grep -c 'Non-2xx' || true)

python3 - "$pg_tps" "$api_rps" "$key_rps" "$cors_rps" "$api2_rps" "$peer_rps" "$non2xx" \
  "$api_p99" "$key_p99" "$cors_p99" "$api2_p99" "$peer_p99" \
  "$qhub_rss_idle" "$qhub_rss_loaded" "$peer_rss_loaded" "$PEER_WORKERS" "$CONNS" "$DURATION" "$PEER_REDIS" <<'PY'
import re
import sys

pg, api, key, cors, api2, peer = (float(a) for a in sys.argv[1:7])
bad = int(sys.argv[7])


def ms(s):
    """wrk's latency (850.00us, 12.34ms, 1.02s) in ms."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        return float("nan")
    return float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m[2]]


p99 = dict(zip(("api", "key", "cors", "api2", "peer"), (ms(a) for a in sys.argv[8:13])))
rss_idle, rss_loaded, peer_rss = (int(a) / 1024 for a in sys.argv[13:16])
workers, conns, duration, redis_mode = sys.argv[16:20]
qhub = (api + api2) / 2
print(f"raw postgres tenant read:   {pg:10.0f} tx/s")
print(f"API GET /v1/users (JWT):    {api:10.0f} req/s   ratio {api / pg:.2f}   p99 {p99['api']:.1f} ms")
print(f"API GET /v1/users (API key):{key:10.0f} req/s   ratio {key / pg:.2f}   p99 {p99['key']:.1f} ms")
print(f"API GET /v1/users (console, CORS):{cors:10.0f} req/s   ratio {cors / pg:.2f}   vs JWT without Origin (mean of both runs) {cors / qhub:.2f}   p99 {p99['cors']:.1f} ms")
print(f"API GET /v1/users (JWT again):{api2:10.0f} req/s   ratio {api2 / pg:.2f}   drift {api2 / api:.2f}   p99 {p99['api2']:.1f} ms")
print(f"FastAPI peer (JWT, {workers} workers, Redis {redis_mode}):{peer:10.0f} req/s   ratio {peer / pg:.2f}   p99 {p99['peer']:.1f} ms")
print()
print(f"== GET /v1/users?limit=50 with a JWT, {conns} connections, {duration} s each")
print(f"raw Postgres (pgbench):       {pg:8.0f} tx/s")
print(f"QHub (mean of the JWT runs):  {qhub:8.0f} req/s   p99 {p99['api']:.1f} / {p99['api2']:.1f} ms")
print(f"FastAPI peer ({redis_mode}):      {peer:8.0f} req/s   p99 {p99['peer']:.1f} ms")
print(f"QHub / raw Postgres:          {qhub / pg:8.2f}")
print(f"QHub / FastAPI peer:          {qhub / peer:8.2f}")
print(f"QHub resident memory:         {rss_idle:8.1f} MiB idle before the load, {rss_loaded:.1f} MiB right after it")
print(f"FastAPI peer resident memory: {peer_rss:8.1f} MiB right after its load (all its processes)")
if bad:
    print("WARNING: wrk saw non-2xx responses; the run is not valid")
PY
