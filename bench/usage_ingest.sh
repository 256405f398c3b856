#!/usr/bin/env bash
# Sustained usage events/second into ClickHouse through QHub's pipeline,
# against raw batched INSERTs of the same rows measured in the same run.
#
#   bash bench/usage_ingest.sh                # 500k events, 10k-row batches
#   EVENTS=1000000 BATCH=50000 bash bench/usage_ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
bash scripts/clickhouse.sh start
cargo run --release --example usage_ingest -- "${EVENTS:-500000}" "${BATCH:-10000}"
