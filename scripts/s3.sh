#!/usr/bin/env bash
# A real S3-compatible server for the package-storage tests: moto's server
# mode (PyPI `moto[server]`, in the project venv), on 127.0.0.1:$1
# (default 9100), with the bucket $2 (default qhub-test). Reuses a server
# already listening there. Data lives in memory; it is a test double of S3's
# HTTP API, spoken to over the wire by object_store's S3 client.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-9100}
bucket=${2:-qhub-test}
bash scripts/pyenv.sh

up() { curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; }
if ! up; then
  mkdir -p .dev
  nohup .venv/bin/moto_server -H 127.0.0.1 -p "$port" >.dev/moto.log 2>&1 &
  for _ in $(seq 1 100); do up && break; sleep 0.1; done
  up || { echo "[s3] moto_server did not start; see .dev/moto.log" >&2; exit 1; }
fi
# Create the bucket (moto accepts unsigned requests; an existing bucket is fine).
curl -fsS -o /dev/null -X PUT "http://127.0.0.1:$port/$bucket" || true
echo "[s3] S3-compatible server (moto) on http://127.0.0.1:$port, bucket $bucket"
