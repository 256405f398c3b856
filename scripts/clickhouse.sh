#!/usr/bin/env bash
# ClickHouse for QHub: installs Debian's clickhouse-server/-client (18.16)
# when missing and starts it without systemd, with its data under a
# project-local directory. Reuses a server already answering on 8123.
#
#   scripts/clickhouse.sh start   # (default) install if needed, start, wait
#   scripts/clickhouse.sh stop    # stop the server this script started
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT=${CLICKHOUSE_HTTP_PORT:-8123}
TCP_PORT=${CLICKHOUSE_TCP_PORT:-9000}
DIR=${CLICKHOUSE_DIR:-$PWD/.dev/clickhouse}
PID=$DIR/clickhouse.pid
log() { echo "[clickhouse] $*"; }

up() { curl -sf "http://127.0.0.1:$HTTP_PORT/ping" >/dev/null 2>&1; }

stop() {
  local pid
  pid=$(cat "$PID" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "stopped"
  fi
}

start() {
  if up; then
    log "already answering on 127.0.0.1:$HTTP_PORT"
    return 0
  fi
  if ! command -v clickhouse-server >/dev/null; then
    log "installing clickhouse-server and clickhouse-client from Debian"
    [ -n "$(find /var/lib/apt/lists -name '*Packages*' -newermt '-1 day' 2>/dev/null | head -1)" ] || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
  fi
  mkdir -p "$DIR/data" "$DIR/tmp" "$DIR/log" "$DIR/format_schemas"
  cp /etc/clickhouse-server/users.xml "$DIR/users.xml"
  cat > "$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$DIR/log/clickhouse-server.log</log>
        <errorlog>$DIR/log/clickhouse-server.err.log</errorlog>
    </logger>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$DIR/data/</path>
    <tmp_path>$DIR/tmp/</tmp_path>
    <format_schema_path>$DIR/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
XML
  # Runs as the invoking user; the data directory belongs to it.
  clickhouse-server --config-file="$DIR/config.xml" --pid-file="$PID" --daemon
  for _ in $(seq 150); do
    if up; then
      log "ClickHouse $(curl -sf "http://127.0.0.1:$HTTP_PORT/?query=SELECT%20version()") on 127.0.0.1:$HTTP_PORT (data in $DIR)"
      return 0
    fi
    sleep 0.2
  done
  log "did not start; see $DIR/log/" >&2
  tail -20 "$DIR/log/clickhouse-server.err.log" >&2 || true
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
