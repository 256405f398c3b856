#!/usr/bin/env bash
# The tail of `make dev` (services are up, qhub is built and migrated):
# the SMTP sink, the console's Vite dev server, then QHub in the foreground.
# Ctrl-C stops QHub and the console.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/qhub-target}
QHUB=$CARGO_TARGET_DIR/debug/qhub
WEB_PORT=${WEB_PORT:-5173}
mkdir -p .dev

bash scripts/smtp_sink.sh 1025 .dev/mail
bash scripts/web_deps.sh
# The console talks to the API at the address in web/public/config.json
# (http://127.0.0.1:8080); the API allows the console's origin (WEB_URL).
bash scripts/spawn.sh .dev/web.pid .dev/web.log \
  web/node_modules/.bin/vite web --host 127.0.0.1 --port "$WEB_PORT" --strictPort
trap 'kill -TERM -- "-$(cat .dev/web.pid)" 2>/dev/null || true; rm -f .dev/web.pid' EXIT

if [ ! -s .dev/jwt_secret ]; then
  head -c 48 /dev/urandom | base64 | tr -d '\n' >.dev/jwt_secret
fi
cat <<EOM

  QHub API      http://127.0.0.1:8080   (spec: /openapi.json, /openapi.yaml)
  QHub console  http://127.0.0.1:$WEB_PORT   (log: .dev/web.log)
  Mail sent     .dev/mail/*.json        (log: .dev/mail/sink.log)

EOM
JWT_SECRET=${JWT_SECRET:-$(cat .dev/jwt_secret)} WEB_URL=${WEB_URL:-http://127.0.0.1:$WEB_PORT} \
  "$QHUB" serve
