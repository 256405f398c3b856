# QHub: two commands matter.
#   make dev   - installs/starts Postgres and Redis, migrates, runs QHub on :8080
#   make test  - the same services, then every test and check
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= /var/tmp/qhub-target
QHUB := $(CARGO_TARGET_DIR)/debug/qhub

# Dev defaults (also the server's built-in defaults).
export DATABASE_URL ?= postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub
export APP_DATABASE_URL ?= postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: dev test services build migrate openapi fmt lint sqlx-prepare

dev: services build migrate
	bash scripts/smtp_sink.sh 1025 .dev/mail
	@echo "QHub API: http://127.0.0.1:8080  (spec: http://127.0.0.1:8080/openapi.json)"
	@echo "Mail QHub sends: .dev/mail/*.json (log: .dev/mail/sink.log)"
	JWT_SECRET=$${JWT_SECRET:-$$(cat .dev/jwt_secret 2>/dev/null || (mkdir -p .dev && head -c 48 /dev/urandom | base64 | tr -d '\n' | tee .dev/jwt_secret))} \
		$(QHUB) serve

test: services
	bash scripts/test.sh

services:
	bash scripts/services.sh

build:
	cargo build --bin qhub

migrate: build
	$(QHUB) migrate

# Regenerates the committed openapi.yaml from the code.
openapi: build
	$(QHUB) openapi > openapi.yaml

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# Refreshes .sqlx/ (compile-time-checked queries) after changing SQL:
# applies the migrations to a scratch database and compiles against it.
sqlx-prepare: services
	bash scripts/sqlx_prepare.sh
