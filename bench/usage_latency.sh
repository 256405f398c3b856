#!/usr/bin/env bash
# Request latency with ClickHouse up versus down: the same authenticated
# request (GET /v1/tenant) through the whole API, measured with wrk while a
# private ClickHouse runs, then again after it is stopped (usage then goes
# to the spill). Prints both and their ratio; asserts nothing.
#
#   bash bench/usage_latency.sh          # 10 s per run, 32 connections
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
PORT=${PORT:-18081}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
DB_OWNER=postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_test
DB_APP=postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test
WORK=$(mktemp -d)
export CLICKHOUSE_HTTP_PORT=18124 CLICKHOUSE_TCP_PORT=19001 CLICKHOUSE_DIR=$WORK/clickhouse

bash scripts/services.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bash scripts/clickhouse.sh start
cargo build --release --bin qhub
QHUB=$CARGO_TARGET_DIR/release/qhub
export CLICKHOUSE_URL=http://127.0.0.1:$CLICKHOUSE_HTTP_PORT CLICKHOUSE_DATABASE=qhub_bench
DATABASE_URL=$DB_OWNER $QHUB migrate

BIND_ADDR=127.0.0.1:$PORT APP_DATABASE_URL=$DB_APP DB_MAX_CONNECTIONS=$CONNS \
  RATE_LIMIT_API=1000000000/60 RATE_LIMIT_AUTH_IP=1000000/60 SMTP_URL=smtp://127.0.0.1:1 \
  USAGE_SPILL_DIR=$WORK/spill JWT_SECRET=bench-secret-bench-secret-bench-secret-00 RUST_LOG=warn \
  $QHUB serve &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; bash scripts/clickhouse.sh stop >/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.1; done

slug="lat-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
token=$(curl -sf -XPOST "http://127.0.0.1:$PORT/v1/tenants" -H 'content-type: application/json' \
  -d "{\"name\":\"Bench\",\"slug\":\"$slug\",\"owner_email\":\"o@$slug.test\",\"owner_password\":\"bench-password\",\"owner_name\":\"O\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

run() {
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "authorization: Bearer $token" \
    "http://127.0.0.1:$PORT/v1/tenant" > "$WORK/$1.txt"
  grep -E 'Requests/sec|Non-2xx|^ +50%|^ +99%' "$WORK/$1.txt" | sed "s/^/  [$1] /"
}
echo "==> ClickHouse up"
run up
echo "==> ClickHouse down"
bash scripts/clickhouse.sh stop
run down
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E 'outcome="(spilled|dropped|written)"' | sed 's/^/  /'

python3 - "$WORK/up.txt" "$WORK/down.txt" <<'PY'
import re, sys
def parse(path):
    t = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def ms(p):
        v, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", t, re.M).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return rps, ms(50), ms(99)
up, down = parse(sys.argv[1]), parse(sys.argv[2])
print(f"up:   {up[0]:8.0f} req/s  p50 {up[1]:6.2f} ms  p99 {up[2]:6.2f} ms")
print(f"down: {down[0]:8.0f} req/s  p50 {down[1]:6.2f} ms  p99 {down[2]:6.2f} ms")
print(f"ratio down/up: throughput {down[0]/up[0]:.2f}, p50 {down[1]/up[1]:.2f}, p99 {down[2]/up[2]:.2f}")
PY
