#!/usr/bin/env bash
# A project-local Python venv (.venv) with the tools the tests use, from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  }
fi
if ! .venv/bin/python -c 'import openapi_spec_validator, aiosmtpd, openapi_python_client, schemathesis, moto.server, qiskit, qiskit_aer' 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
fi
