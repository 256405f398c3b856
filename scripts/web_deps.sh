#!/usr/bin/env bash
# Installs the console's npm dependencies (web/node_modules) from the npm
# registry with `npm ci`, when they are missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v npm >/dev/null || { echo "[web] npm is required (Node 20)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[web] npm ci" >&2
  # playwright-core drives Debian's chromium; never download a browser.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
