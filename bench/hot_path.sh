#!/usr/bin/env bash
# Hot-path benchmark: the tenant-scoped list (GET /v1/users?limit=50) through
# the whole API, against the raw Postgres ceiling of the same work measured
# in the same run (pgbench: BEGIN; set_config; SELECT 50 rows; COMMIT).
#
#   bash bench/hot_path.sh            # 10 s per measurement, 32 connections
#   DURATION=30 CONNS=64 bash bench/hot_path.sh
#
# Prints the throughputs and their ratios (API / raw Postgres; the console's
# cross-origin requests / the same requests without an Origin). It asserts
# nothing: speed is reported, not tested.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
DB_OWNER=postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_test
DB_APP=postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test

bash scripts/services.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null; }

cargo build --release --bin qhub
QHUB=$CARGO_TARGET_DIR/release/qhub
DATABASE_URL=$DB_OWNER $QHUB migrate

# The API rate limit is lifted: this measures the path, not the limiter's
# refusals (the limiter's Redis round trip is still on the path).
BIND_ADDR=127.0.0.1:$PORT APP_DATABASE_URL=$DB_APP DB_MAX_CONNECTIONS=$CONNS \
  RATE_LIMIT_API=1000000000/60 RATE_LIMIT_AUTH_IP=1000000/60 SMTP_URL=smtp://127.0.0.1:1 \
  JWT_SECRET=bench-secret-bench-secret-bench-secret-00 RUST_LOG=warn \
  $QHUB serve &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
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
PGPASSWORD=qhub_app pgbench -n -h 127.0.0.1 -U qhub_app -c "$CONNS" -j 2 -T "$DURATION" \
  -f "$WORK/read.sql" qhub_test > "$WORK/pgbench.txt"
pg_tps=$(grep -E '^tps' "$WORK/pgbench.txt" | head -1 | awk '{print $3}')

# wrk_run <name> <description> <header>...: one wrk run of the list
# endpoint; prints its report and sets <name>_rps.
wrk_run() {
  local name=$1 what=$2; shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  echo "==> API GET /v1/users?limit=50 $what: $CONNS connections, ${DURATION}s"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" "${args[@]}" \
    "http://127.0.0.1:$PORT/v1/users?limit=50" > "$WORK/wrk_$name.txt"
  cat "$WORK/wrk_$name.txt"
  printf -v "${name}_rps" '%s' "$(grep 'Requests/sec' "$WORK/wrk_$name.txt" | awk '{print $2}')"
}

wrk_run api "with a JWT" "authorization: Bearer $token"
wrk_run key "with an API key" "x-api-key: $key"
# As the console sends it: a JWT and the console's Origin, so the CORS layer
# matches the origin and adds its headers to every response.
wrk_run cors "from the console's origin (CORS)" "authorization: Bearer $token" \
  "origin: http://127.0.0.1:5173"
# The JWT run once more, last: the runs are sequential, so any drift over
# the run (the usage writer, Redis keys piling up) shows as a difference
# between the two JWT runs, and CORS is compared with their mean.
wrk_run api2 "with a JWT, again" "authorization: Bearer $token"
non2xx=$(cat "$WORK"/wrk_*.txt | grep -c 'Non-2xx' || true)

python3 - "$pg_tps" "$api_rps" "$key_rps" "$cors_rps" "$api2_rps" "$non2xx" <<'PY'
import sys
pg, api, key, cors, api2 = (float(a) for a in sys.argv[1:6])
bad = int(sys.argv[6])
print(f"raw postgres tenant read:   {pg:10.0f} tx/s")
print(f"API GET /v1/users (JWT):    {api:10.0f} req/s   ratio {api / pg:.2f}")
print(f"API GET /v1/users (API key):{key:10.0f} req/s   ratio {key / pg:.2f}")
print(f"API GET /v1/users (console, CORS):{cors:10.0f} req/s   ratio {cors / pg:.2f}   vs JWT without Origin (mean of both runs) {cors / ((api + api2) / 2):.2f}")
print(f"API GET /v1/users (JWT again):{api2:10.0f} req/s   ratio {api2 / pg:.2f}   drift {api2 / api:.2f}")
if bad:
    print("WARNING: wrk saw non-2xx responses; the run is not valid")
PY
