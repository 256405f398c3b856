#!/usr/bin/env bash
# Every test and check, against real services (run via `make test`, which
# starts them first). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_test}
export TEST_APP_DATABASE_URL=${TEST_APP_DATABASE_URL:-postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}
export TEST_CLICKHOUSE_URL=${TEST_CLICKHOUSE_URL:-http://127.0.0.1:8123}
export TEST_CLICKHOUSE_DATABASE=${TEST_CLICKHOUSE_DATABASE:-qhub_test}
# The SMTP sink the tests read delivered mail from.
export TEST_SMTP_PORT=${TEST_SMTP_PORT:-2526}
export TEST_MAIL_DIR=${TEST_MAIL_DIR:-/tmp/qhub-test-mail}

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "build"
cargo build --all-targets --locked

step "migrate the test database (twice: the second run must be a no-op)"
migrate_test() {
  DATABASE_URL=$TEST_DATABASE_URL CLICKHOUSE_URL=$TEST_CLICKHOUSE_URL \
    CLICKHOUSE_DATABASE=$TEST_CLICKHOUSE_DATABASE LOG_FORMAT=json \
    "$CARGO_TARGET_DIR/debug/qhub" migrate 2>&1
}
migrate_test
second=$(migrate_test)
echo "$second"
# The second run must apply nothing, in Postgres or ClickHouse.
grep -q '"applied":0' <<<"$second" || { echo "the second migrate was not a no-op" >&2; exit 1; }

step "clippy"
cargo clippy --all-targets --locked -- -D warnings

step "openapi.yaml validates as OpenAPI 3.1"
bash scripts/pyenv.sh
.venv/bin/python scripts/validate_openapi.py openapi.yaml

step "tests (Rust, and the generated Python client against a live server)"
bash scripts/smtp_sink.sh "$TEST_SMTP_PORT" "$TEST_MAIL_DIR"
# The S3-compatible server the package-storage tests use (moto, from PyPI).
export TEST_S3_ENDPOINT=${TEST_S3_ENDPOINT:-http://127.0.0.1:9100}
bash scripts/s3.sh "${TEST_S3_ENDPOINT##*:}" qhub-test
# The invoice PDF tests read the rendered PDFs back with pdftotext.
if ! command -v pdftotext >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "install Debian's poppler-utils (need root) and re-run" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
fi
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast
else
  cargo test --locked --no-fail-fast
fi

step "schemathesis against a live server (every check, stateful phase; exceptions in scripts/schemathesis.toml)"
QHUB_BIN="$CARGO_TARGET_DIR/debug/qhub" bash scripts/schemathesis.sh

step "console: generated API client is current, types check, unit tests"
bash scripts/web_deps.sh
(cd web && npm run --silent check:api && npm run --silent typecheck && npm test --silent)

step "console: browser tests against a real server (Chromium headless)"
QHUB_BIN="$CARGO_TARGET_DIR/debug/qhub" bash scripts/e2e.sh

step "console: k8s/console.yaml's nginx serves the build with its security headers and CSP"
if [ ! -x /usr/sbin/nginx ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install Debian's nginx-light (need root) and re-run" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
(cd web && npm run --silent check:nginx)
