# GGZY — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Every target here is development or test: production mode (the default of `ggzy` itself, see README's
# Configuration) needs GGZY_SECRET_KEY and HTTPS, so this Makefile says GGZY_DEBUG=1 explicitly.
export GGZY_DEBUG ?= 1
# Python 3.12 is required (.python-version). pyenv's shim honours .python-version in this folder.
PYTHON ?= python3.12

.PHONY: help install run test lint typecheck migrations-check chromium ocds-schema pytest pytest-sqlite pytest-postgres bench clean

help:
	@echo "make run   — install, migrate the embedded SQLite database, load demo data, serve http://127.0.0.1:8000"
	@echo "make test  — install, ruff, mypy, the whole suite on SQLite, then on PostgreSQL when it answers"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null || { \
	  echo "GGZY needs Python 3.12 as 'python3.12' on PATH (or PYTHON=/path/to/python3.12)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml bidtool/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ./bidtool -e ".[dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	@mkdir -p var
	$(BIN)/ggzy migrate --no-input
	$(BIN)/ggzy demo --if-empty
	$(BIN)/ggzy serve

lint: install
	$(BIN)/ruff check src bidtool tools benchmarks
	$(BIN)/ruff format --check src bidtool tools benchmarks
	cd src && ../$(BIN)/lint-imports --config ../pyproject.toml --no-cache

typecheck: install
	$(BIN)/mypy

pytest-sqlite: install
	GGZY_DATABASE_URL= $(BIN)/pytest

# Runs the suite on PostgreSQL when GGZY_TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432;
# with GGZY_REQUIRE_POSTGRES=1 (CI) a missing server is an error, not a skip.
pytest-postgres: install
	@url=$$($(BIN)/python tools/find_postgres.py) || exit 1; \
	if [ -z "$$url" ]; then echo "PostgreSQL not reachable: suite ran on SQLite only."; \
	else echo "Running the suite on PostgreSQL"; GGZY_DATABASE_URL="$$url" $(BIN)/pytest; fi

# The browser tests drive Debian's Chromium (never `playwright install`, which downloads a browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# OCP's own schema files for the OCDS validation test, from their PyPI packages (cached under var/ocds).
ocds-schema: install
	$(BIN)/python -m ggzy.disclosure.tests.ocds_standard

test: lint typecheck migrations-check chromium ocds-schema pytest-sqlite pytest-postgres

# Benchmarks print one JSON line each, with a baseline measured in the same run (not tests: no assertions).
# make bench BENCH="opening --count 100"
bench: install
	$(BIN)/python benchmarks/run.py $(BENCH)

clean:
	rm -rf $(VENV) node_modules var staticfiles

# Migrations must match the models (a model change without its migration fails the build).
migrations-check: install
	$(BIN)/ggzy makemigrations --check --dry-run
