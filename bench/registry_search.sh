#!/usr/bin/env bash
# Registry search over 10,000 published apps (issue 14's target: p95 <= 50 ms
# on this machine). `GET /v1/registry?q=…` through the whole API (rate limit,
# session, tenant transaction, ranked tsvector + pg_trgm query, JSON), one
# client sending requests back to back over a kept-alive connection, against
# the same SQL straight to Postgres as qhub_app in a tenant transaction
# (pgbench, one client: the typo correction against the registry's words
# and the ranked full-text query, as one statement), in the same run.
#
#   bash bench/registry_search.sh                 # 10,000 apps, 1,000 requests
#   APPS=50000 REQUESTS=3000 bash bench/registry_search.sh
#
# The apps belong to 20 organizations and are seeded with SQL (as the owner
# role, in each organization's context); names, tags and descriptions are
# drawn from a vocabulary of quantum-computing words, so searches match a
# few to a few hundred apps. Queries: single words, two words, misspellings
# (trigram matches), and a filter. Prints p50/p95/p99 of both and their
# ratio. It asserts nothing: speed is reported, not tested.
set -euo pipefail
cd "$(dirname "$0")/.."

APPS=${APPS:-10000}
REQUESTS=${REQUESTS:-1000}
PORT=${PORT:-18090}
DURATION=${DURATION:-10}
DB=qhub_bench_registry
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
OWNER_URL=postgres://qhub_owner:qhub_owner@127.0.0.1:5432/$DB
APP_URL=postgres://qhub_app:qhub_app@127.0.0.1:5432/$DB

bash scripts/services.sh >/dev/null
command -v pgbench >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null; }
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
  "$QHUB" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/live" && break; sleep 0.1; done

# 20 organizations (real signups), then the apps by SQL in each one's context.
tenants=()
for i in $(seq 1 20); do
  slug="bench-$i-$RANDOM"
  body=$(curl -fsS -X POST "http://127.0.0.1:$PORT/v1/tenants" -H 'content-type: application/json' \
    -d "{\"name\":\"Bench Org $i\",\"slug\":\"$slug\",\"owner_email\":\"o@$slug.test\",\"owner_password\":\"correct horse battery\",\"owner_name\":\"O\"}")
  tenants+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["id"])' <<<"$body")")
  [ "$i" = 20 ] && TOKEN=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$body")
done
per=$(( (APPS + 19) / 20 ))
words="ARRAY['grover','shor','qaoa','vqe','teleportation','entanglement','fourier','phase','estimation','annealing','chemistry','portfolio','optimization','error','correction','surface','code','bell','ghz','walk','amplitude','kernel','classifier','sampling','simulation','hamiltonian','trotter','variational','tomography','benchmark','noise','mitigation','routing','compiler','transpiler','oracle','search','factoring','finance','molecule']"
seed=$(date +%s%N)
for t in "${tenants[@]}"; do
  psql "$OWNER_URL" -v ON_ERROR_STOP=1 -q <<SQL
BEGIN;
SELECT set_config('app.tenant_id', '$t', true);
SELECT setseed(0.$((RANDOM % 1000)));
WITH w AS (SELECT $words AS a),
     g AS (SELECT i, (SELECT a FROM w) AS a FROM generate_series(1, $per) i)
INSERT INTO apps (id, tenant_id, name, slug, description, app_type, visibility, license, tags,
                  status, registry_published_at, publisher_name, latest_version, sdks,
                  downloads, rating_sum, rating_count, created_by)
SELECT gen_random_uuid(), '$t',
       initcap(a[1 + (random() * 39)::int]) || ' ' || initcap(a[1 + (random() * 39)::int]) || ' ' || i,
       'app-' || i, 'An implementation of ' || a[1 + (random() * 39)::int] || ' with '
         || a[1 + (random() * 39)::int] || ' and ' || a[1 + (random() * 39)::int] || '.',
       (ARRAY['algorithm','application','library','circuit'])[1 + (random() * 3)::int],
       'public', (ARRAY['MIT','Apache-2.0','GPL-3.0-only'])[1 + (random() * 2)::int],
       ARRAY[a[1 + (random() * 39)::int], a[1 + (random() * 39)::int]],
       'published', now() - random() * interval '300 days', 'Bench Org', '1.0.0',
       ARRAY[(ARRAY['openqasm2','qiskit','cirq'])[1 + (random() * 2)::int]],
       (random() * 10000)::bigint, 0, 0, gen_random_uuid()
FROM g;
COMMIT;
SQL
done
psql "$OWNER_URL" -qc "ANALYZE apps" >/dev/null

queries=(grover "teleportation" "error correction" "phase estimaton" "entanglment" "qaoa portfolio" "variational chemistry" "surface code" "amplitude" "fourier" "hamiltonian trotter" "noise mitigation" "compiler" "grovr search" "bell")
printf '%s\n' "${queries[@]}" >"$work/queries.txt"

# Through the API: one client, back to back, kept-alive connection.
python3 - "$PORT" "$TOKEN" "$REQUESTS" "$work/queries.txt" >"$work/api.txt" <<'PY'
import http.client, json, sys, time, urllib.parse
port, token, n, qfile = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
queries = [l.strip() for l in open(qfile) if l.strip()]
conn = http.client.HTTPConnection("127.0.0.1", port)
lat, hits = [], []
for i in range(n + 50):
    q = queries[i % len(queries)]
    extra = "&type=algorithm" if i % 5 == 4 else ""
    t0 = time.perf_counter()
    conn.request("GET", f"/v1/registry?limit=20&q={urllib.parse.quote(q)}{extra}",
                 headers={"authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read()
    dt = (time.perf_counter() - t0) * 1000
    assert r.status == 200, (r.status, body[:200])
    if i >= 50:  # warm-up excluded
        lat.append(dt)
        hits.append(len(json.loads(body)["items"]))
lat.sort()
p = lambda x: lat[min(len(lat) - 1, int(len(lat) * x))]
print(f"{p(0.50):.2f} {p(0.95):.2f} {p(0.99):.2f} {sum(hits)/len(hits):.1f}")
PY
read -r api50 api95 api99 apihits <"$work/api.txt"

# The same query straight to Postgres (pgbench, one client, per-transaction log).
tenant=${tenants[0]}
{
  echo "\\set i random(1, ${#queries[@]})"
  echo "BEGIN;"
  echo "SELECT set_config('app.tenant_id', '$tenant', true);"
  qs=$(printf "'%s'," "${queries[@]}" | sed 's/,$//')
  # As the server: the correction first, then the search with its result
  # as a parameter (\gset keeps it; -M prepared sends it as one).
  echo "SELECT string_agg('(' || array_to_string(ARRAY[w] || ARRAY(SELECT r.word FROM registry_words r WHERE char_length(w) >= 4 AND r.word % w AND r.word <> w ORDER BY r.word <-> w, r.word LIMIT 3), ' | ') || ')', ' & ') AS tsq FROM unnest(regexp_split_to_array(lower((ARRAY[$qs])[:i]), '[^a-z0-9]+')) w WHERE w <> '' \\gset"
  echo "SELECT a.id, a.name, a.slug, a.publisher_name, a.description, a.app_type, a.license, a.tags, a.sdks, a.latest_version, a.downloads, a.rating_sum, a.rating_count, a.status, a.registry_published_at FROM apps a, (SELECT to_tsquery('english', :tsq) AS tsq) query WHERE a.visibility = 'public' AND a.registry_published_at IS NOT NULL AND a.search @@ query.tsq ORDER BY ts_rank_cd(a.search, query.tsq, 32) DESC, a.registry_published_at DESC, a.id DESC LIMIT 21;"
  echo "COMMIT;"
} >"$work/search.sql"
(cd "$work" && PGSSLMODE=disable pgbench -n -M prepared -c 1 -T "$DURATION" -f search.sql -l --log-prefix=pg "$APP_URL" >/dev/null 2>"$work/pgbench.err") || { cat "$work/pgbench.err" >&2; exit 1; }
python3 - "$work" >"$work/pg.txt" <<'PY'
import glob, sys
lat = sorted(int(l.split()[2]) / 1000 for f in glob.glob(sys.argv[1] + "/pg*") for l in open(f))
p = lambda x: lat[min(len(lat) - 1, int(len(lat) * x))]
print(f"{p(0.50):.2f} {p(0.95):.2f} {p(0.99):.2f} {len(lat)}")
PY
read -r pg50 pg95 pg99 pgn <"$work/pg.txt"

echo "registry search over $APPS published apps (20 organizations), ${#queries[@]} queries incl. misspellings"
printf '%-28s %8s %8s %8s\n' "" "p50 ms" "p95 ms" "p99 ms"
printf '%-28s %8s %8s %8s\n' "raw Postgres (pgbench, $pgn)" "$pg50" "$pg95" "$pg99"
printf '%-28s %8s %8s %8s\n' "QHub API ($REQUESTS requests)" "$api50" "$api95" "$api99"
python3 -c "print(f'QHub p95 / Postgres p95: {float(\"$api95\") / float(\"$pg95\"):.2f}   (target: QHub p95 <= 50 ms: {\"met\" if float(\"$api95\") <= 50 else \"MISSED\"}); mean hits per page {\"$apihits\"}')"
# KEEP_DB=1 keeps the seeded database for EXPLAIN ANALYZE.
[ -n "${KEEP_DB:-}" ] || psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
