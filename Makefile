# QHub: two commands matter.
#   make dev   - installs/starts Postgres, Redis and ClickHouse, migrates, runs
#                QHub on :8080 and the console (web/) on :5173
#   make test  - the same services, then every test and check (Rust, the
#                generated Python client, the console's unit and browser tests)
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= /var/tmp/qhub-target
QHUB := $(CARGO_TARGET_DIR)/debug/qhub

# Dev defaults (also the server's built-in defaults).
export DATABASE_URL ?= postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub
export APP_DATABASE_URL ?= postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: dev test e2e services build migrate openapi fmt lint sqlx-prepare

dev: services build migrate
	bash scripts/dev.sh

# The test databases start empty each run: tests see the migrations alone.
test:
	QHUB_FRESH_DATABASES="qhub_test qhub_e2e qhub_st" bash scripts/services.sh
	bash scripts/test.sh

services:
	bash scripts/services.sh

build:
	cargo build --bin qhub

migrate: build
	$(QHUB) migrate

# Regenerates the committed openapi.yaml from the code, and the console's
# API types from it.
openapi: build
	$(QHUB) openapi > openapi.yaml
	bash scripts/web_deps.sh && cd web && npm run --silent gen:api

# The console's browser tests alone (a real server, Chromium headless).
e2e: services build
	bash scripts/e2e.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# Refreshes .sqlx/ (compile-time-checked queries) after changing SQL:
# applies the migrations to a scratch database and compiles against it.
sqlx-prepare: services
	bash scripts/sqlx_prepare.sh
