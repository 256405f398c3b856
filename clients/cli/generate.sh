#!/usr/bin/env bash
# Generates qhub_client, the Python client of QHub's API, from openapi.yaml
# into DIR/qhub_client (default: clients/cli/.generated), with the same
# openapi-python-client invocation as core/tests/integrator.rs. Prints DIR,
# which goes on PYTHONPATH:
#
#   PYTHONPATH="$(clients/cli/generate.sh)":clients/cli python -m qhub_cli backends
#
# OPENAPI (default: the repository's openapi.yaml) may name another spec,
# e.g. one a server printed with `qhub openapi`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/.generated}"
spec="${OPENAPI:-$root/openapi.yaml}"

# The project venv (bash scripts/pyenv.sh) has openapi-python-client and
# ruff, which the generator runs on its output; else whatever is on PATH.
if [ -x "$root/.venv/bin/openapi-python-client" ]; then
  export PATH="$root/.venv/bin:$PATH"
fi
if ! command -v openapi-python-client >/dev/null; then
  echo "openapi-python-client not found: run 'bash scripts/pyenv.sh' (or pip install openapi-python-client)" >&2
  exit 1
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -rf "$out/qhub_client"
log="$(openapi-python-client generate --meta none --config "$root/clients/openapi-python-client.yaml" --output-path "$out/qhub_client" --path "$spec" 2>&1)" || {
  echo "$log" >&2
  exit 1
}
# A warning means part of the API is missing from the client.
if grep -q Warning <<<"$log"; then
  echo "$log" >&2
  echo "generation warned (see above): the client lacks part of the API" >&2
  exit 1
fi
echo "$out"
