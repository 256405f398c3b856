#!/usr/bin/env bash
# Brings up the services QHub needs on this machine and prepares its databases.
#
# - Installs PostgreSQL and Redis from Debian's packages when missing.
# - Reuses a server already listening on the standard port; starts one otherwise.
# - Creates the roles qhub_owner (owns the schema, runs migrations) and
#   qhub_app (the server: no superuser, no BYPASSRLS, owns nothing), and the
#   databases qhub (dev), qhub_test (tests), qhub_e2e (the console's browser tests)
#   and qhub_st (the schemathesis run).
#
# Idempotent: safe to run before every `make dev` / `make test`.
# `QHUB_FRESH_DATABASES="qhub_test …"` drops those databases first, so a
# test run starts from the migrations alone, whatever an earlier run (or an
# earlier version of a migration not yet landed) left in them.
set -euo pipefail

PGHOST_ADDR=${PGHOST_ADDR:-127.0.0.1}
PGPORT_NUM=${PGPORT_NUM:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
DATABASES=${QHUB_DATABASES:-"qhub qhub_test qhub_e2e qhub_st"}

log() { printf '[services] %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "need root to install $*; install them and re-run"; exit 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # wait_for <description> <command...>
  local what=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$what did not come up"; return 1
}

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT_NUM"; }

if ! command -v pg_isready >/dev/null 2>&1 || ! pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing postgresql"
    apt_install postgresql postgresql-client
  fi
  if ! pg_ready; then
    ver=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $ver"
    if [ ! -d "/etc/postgresql/$ver/main" ]; then
      pg_createcluster "$ver" main >/dev/null
    fi
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  fi
  wait_for "PostgreSQL" pg_ready
fi

# Superuser psql: trust over TCP on the service machines, peer auth on the
# socket on a stock Debian install.
psql_su() {
  if psql -w -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    psql -w -h "$PGHOST_ADDR" -p "$PGPORT_NUM" -U postgres -v ON_ERROR_STOP=1 -q "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    su postgres -c "psql -p $PGPORT_NUM -v ON_ERROR_STOP=1 -q $(printf '%q ' "$@")"
  else
    sudo -u postgres psql -p "$PGPORT_NUM" -v ON_ERROR_STOP=1 -q "$@"
  fi
}

psql_su -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qhub_owner') THEN
    CREATE ROLE qhub_owner LOGIN PASSWORD 'qhub_owner';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qhub_app') THEN
    CREATE ROLE qhub_app LOGIN PASSWORD 'qhub_app';
  END IF;
END $$;
-- Re-assert the attributes every time: the server's role must never bypass RLS.
ALTER ROLE qhub_owner NOSUPERUSER NOBYPASSRLS NOCREATEROLE;
ALTER ROLE qhub_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
SQL

for db in ${QHUB_FRESH_DATABASES:-}; do
  log "recreating database $db"
  psql_su -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done
for db in $DATABASES; do
  if ! psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    log "creating database $db"
    psql_su -d postgres -c "CREATE DATABASE $db OWNER qhub_owner"
  fi
  psql_su -d "$db" -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT ALL ON SCHEMA public TO qhub_owner; GRANT USAGE ON SCHEMA public TO qhub_app"
done

# --------------------------------------------------------------------- Redis
redis_ready() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if ! command -v redis-cli >/dev/null 2>&1 || ! redis_ready; then
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installing redis-server"
    apt_install redis-server
  fi
  if ! redis_ready; then
    log "starting Redis on $REDIS_PORT"
    mkdir -p /var/tmp/qhub-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
      --save "" --appendonly no --dir /var/tmp/qhub-redis \
      --logfile /var/tmp/qhub-redis/redis.log
  fi
  wait_for "Redis" redis_ready
fi

bash "$(dirname "$0")/clickhouse.sh" start
log "PostgreSQL on $PGHOST_ADDR:$PGPORT_NUM, Redis on 127.0.0.1:$REDIS_PORT, ClickHouse on 127.0.0.1:8123: ready"
