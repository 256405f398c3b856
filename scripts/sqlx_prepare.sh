#!/usr/bin/env bash
# Refreshes .sqlx/ (the offline data of the compile-time-checked queries)
# after SQL changed. No sqlx-cli needed: the migrations are applied with
# psql to a scratch database, and the sqlx macros write their data to
# SQLX_OFFLINE_DIR while the workspace compiles against it.
set -euo pipefail
cd "$(dirname "$0")/.."

db=qhub_prepare
psql_admin() { psql -w -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@" 2>/dev/null || su postgres -c "psql -d postgres -v ON_ERROR_STOP=1 -qAt $(printf "%q " "$@")"; }
psql_admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER qhub_owner"
for f in migrations/*.sql; do
  psql "postgres://qhub_owner:qhub_owner@127.0.0.1:5432/$db" -v ON_ERROR_STOP=1 -q -f "$f"
done
rm -rf .sqlx && mkdir .sqlx
# Force the macros to run again in both crates (and their tests).
touch lib/src/lib.rs core/src/lib.rs core/src/main.rs core/tests/*.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/.sqlx" \
  DATABASE_URL="postgres://qhub_owner:qhub_owner@127.0.0.1:5432/$db" \
  cargo build --workspace --all-targets
psql_admin -c "DROP DATABASE $db"
echo "[sqlx-prepare] $(ls .sqlx | wc -l) queries in .sqlx/"
