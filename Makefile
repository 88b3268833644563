# The two commands are the contract: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install migrate seed run test lint fmt lock clean fuzz audit load

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

migrate: install ## Migrate DATABASE_URL (default: SQLite under ./data) to the latest schema
	$(BIN)/python -m app migrate

seed: migrate ## Load seed/data into DATABASE_URL (idempotent)
	$(BIN)/python -m seed

run: seed ## Set up everything and serve on $(HOST):$(PORT)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --no-server-header

test: install lint ## Lint, type-check and run the whole test suite
	$(BIN)/pytest

fuzz: install ## Longer, randomized Schemathesis run (FUZZ_EXAMPLES per operation)
	CLAIMBASE_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),500) $(BIN)/pytest tests/test_fuzz.py -q

audit: install ## pip-audit the locked dependencies (needs PyPI's JSON API for the locked versions)
	$(BIN)/pip-audit -r requirements.lock --vulnerability-service pypi --disable-pip \
		--require-hashes --strict --progress-spinner off

load: install ## 60 s mixed load at 64 connections on a 2-worker server (BACKEND=sqlite|postgresql)
	$(BIN)/python bench/load.py --backend $(or $(BACKEND),sqlite) --duration 60 --concurrency 64 --workers 2

lint: install ## ruff and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install ## Format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: install ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --quiet -o requirements.lock

clean: ## Remove the virtualenv and the local SQLite database
	rm -rf $(VENV) data
