#!/usr/bin/env bash
# The console's end-to-end run: a real QHub server (real Postgres, Redis,
# ClickHouse and an SMTP sink), the built SPA served on its own origin, and
# Debian's Chromium driven by playwright-core (web/e2e).
#
#   bash scripts/e2e.sh        up, run the browser tests, down
#   bash scripts/e2e.sh up     start everything and leave it running
#   bash scripts/e2e.sh down   stop what `up` started
#
# The server binary is $QHUB_BIN (default: the cargo debug build). It has
# databases of its own (Postgres and ClickHouse qhub_e2e, Redis db 2), so its
# mail sender never takes mail the Rust tests wait for, and vice versa.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
QHUB_BIN=${QHUB_BIN:-$CARGO_TARGET_DIR/debug/qhub}
API_PORT=${E2E_API_PORT:-18080}
WEB_PORT=${E2E_WEB_PORT:-14173}
SMTP_PORT=${E2E_SMTP_PORT:-2527}
state=$root/.dev/e2e
export QHUB_API_URL=http://127.0.0.1:$API_PORT
export QHUB_WEB_URL=http://127.0.0.1:$WEB_PORT
export QHUB_MAIL_DIR=${E2E_MAIL_DIR:-/tmp/qhub-e2e-mail}
export QHUB_SCREENSHOT_DIR=${E2E_SCREENSHOT_DIR:-$root/web/e2e/screenshots}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# playwright-core never downloads a browser; this keeps any helper from trying.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

log() { printf '[e2e] %s\n' "$*" >&2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() { # wait_http <url> <what> <log>
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "$2 did not come up; its log:"; tail -n 40 "$3" >&2 || true; return 1
}

ensure_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then log "install Debian's chromium (need root)"; exit 1; fi
  log "installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
}

stop_pidfile() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  stop_pidfile "$state/web.pid"
  stop_pidfile "$state/qhub.pid"
}

up() {
  bash scripts/services.sh
  bash scripts/smtp_sink.sh "$SMTP_PORT" "$QHUB_MAIL_DIR"
  ensure_chromium
  bash scripts/web_deps.sh
  mkdir -p "$state" "$QHUB_SCREENSHOT_DIR"
  down
  for port in "$API_PORT" "$WEB_PORT"; do
    if listening "$port"; then log "port $port is taken by something else"; exit 1; fi
  done

  [ -x "$QHUB_BIN" ] || { log "no server binary at $QHUB_BIN (cargo build first)"; exit 1; }
  export DATABASE_URL=${E2E_DATABASE_URL:-postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_e2e}
  export APP_DATABASE_URL=${E2E_APP_DATABASE_URL:-postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_e2e}
  export CLICKHOUSE_DATABASE=${E2E_CLICKHOUSE_DATABASE:-qhub_e2e}
  # The server's Redis, and the binary: web/e2e/marketplace.spec.ts runs
  # `$QHUB_BIN close-period` with this environment (same databases, and the
  # bill notices reach the server's live streams through the same Redis).
  export REDIS_URL=${E2E_REDIS_URL:-redis://127.0.0.1:6379/2}
  export QHUB_BIN
  "$QHUB_BIN" migrate >"$state/migrate.log" 2>&1 || { cat "$state/migrate.log" >&2; exit 1; }

  log "QHub on $QHUB_API_URL (log: $state/qhub.log)"
  BIND_ADDR=127.0.0.1:$API_PORT \
    SMTP_URL=smtp://127.0.0.1:$SMTP_PORT \
    WEB_URL=$QHUB_WEB_URL \
    JWT_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '\n') \
    USAGE_FLUSH_MS=200 USAGE_SPILL_DIR=$state/spill OUTBOX_POLL_MS=200 \
    RATE_LIMIT_API=100000/60 RATE_LIMIT_AUTH_IP=100000/60 RATE_LIMIT_ACCOUNT=1000/60 \
    LOG_FORMAT=json \
    bash scripts/spawn.sh "$state/qhub.pid" "$state/qhub.log" "$QHUB_BIN" serve
  wait_http "$QHUB_API_URL/health/live" "QHub" "$state/qhub.log"

  log "building the console (web/dist)"
  (cd web && npm run --silent build >"$state/build.log" 2>&1) \
    || { tail -n 40 "$state/build.log" >&2; exit 1; }
  # The deployable build, pointed at this server by its runtime config.
  rm -rf "$state/web" && cp -r web/dist "$state/web"
  printf '{"apiUrl": "%s"}\n' "$QHUB_API_URL" >"$state/web/config.json"
  log "console on $QHUB_WEB_URL (log: $state/web.log)"
  bash scripts/spawn.sh "$state/web.pid" "$state/web.log" web/node_modules/.bin/vite preview web \
    --outDir "$state/web" --host 127.0.0.1 --port "$WEB_PORT" --strictPort
  wait_http "$QHUB_WEB_URL/config.json" "the console" "$state/web.log"

  cat <<EOF
export QHUB_API_URL=$QHUB_API_URL
export QHUB_WEB_URL=$QHUB_WEB_URL
export QHUB_MAIL_DIR=$QHUB_MAIL_DIR
export QHUB_SCREENSHOT_DIR=$QHUB_SCREENSHOT_DIR
export CHROMIUM=$CHROMIUM
export QHUB_BIN=$QHUB_BIN
export DATABASE_URL=$DATABASE_URL
export APP_DATABASE_URL=$APP_DATABASE_URL
export CLICKHOUSE_DATABASE=$CLICKHOUSE_DATABASE
export REDIS_URL=$REDIS_URL
EOF
}

case ${1:-all} in
  up) up ;;
  down) down ;;
  all)
    trap down EXIT
    up >/dev/null
    log "browser tests (web/e2e), screenshots in $QHUB_SCREENSHOT_DIR"
    (cd web && npm run --silent e2e)
    ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
