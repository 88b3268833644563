# The two commands are the contract: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
NODE_PROJECT := tests/sdk
NODE_STAMP := $(NODE_PROJECT)/node_modules/.installed
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: help install node migrate seed run key test lint fmt lock snapshot clean fuzz audit load eval

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set, every server a test starts
# would compile FastAPI, pydantic and SQLAlchemy again (about 1.3 s of CPU each).
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

$(NODE_STAMP): $(NODE_PROJECT)/package.json $(NODE_PROJECT)/package-lock.json
	npm ci --prefix $(NODE_PROJECT) --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The TypeScript SDK test's generator and compiler, pinned by package-lock.json. Without npm
# the test skips and says why (and fails in CI, whose .ci/run installs Node.js).
ifdef NPM
node: $(NODE_STAMP) ## npm ci the pinned Node tools of the TypeScript SDK test
else
node:
	@echo "npm not found: the TypeScript SDK test will be skipped (apt-get install nodejs npm)"
endif

migrate: install ## Migrate DATABASE_URL (default: SQLite under ./data) to the latest schema
	$(BIN)/python -m app migrate

seed: migrate ## Load seed/data into DATABASE_URL (idempotent)
	$(BIN)/python -m seed

run: seed ## Set up everything and serve on $(HOST):$(PORT)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m app serve

key: migrate ## Create an API key and print it once: make key NAME=alice [SCOPE=write|read]
	@test -n "$(NAME)" || { echo "make key NAME=<who writes with it> [SCOPE=write|read]" >&2; exit 2; }
	@$(BIN)/python -m app keys create --name "$(NAME)" --scope $(or $(SCOPE),write)

test: install node lint ## Lint, type-check and run the whole test suite
	$(BIN)/pytest

fuzz: install ## Longer, randomized Schemathesis run (FUZZ_EXAMPLES per operation)
	CLAIMBASE_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),500) $(BIN)/pytest tests/web/test_fuzz.py -q

audit: install ## pip-audit the locked dependencies (needs PyPI's JSON API for the locked versions)
	$(BIN)/pip-audit -r requirements.lock --vulnerability-service pypi --disable-pip \
		--require-hashes --strict --progress-spinner off

load: install ## 60 s mixed load at 64 connections on a 2-worker server (BACKEND=sqlite|postgresql)
	$(BIN)/python bench/load.py --backend $(or $(BACKEND),sqlite) --duration 60 --concurrency 64 --workers 2

eval: install ## The drafter's precision and recall on the annotated articles (seed/eval/)
	$(BIN)/python -m seed.evaluate

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

snapshot: install ## Accept the served OpenAPI as tests/snapshots/openapi.json (review the diff!)
	UPDATE_SNAPSHOTS=1 $(BIN)/pytest -q tests/web/test_openapi_snapshot.py
	-git diff --stat -- tests/snapshots/openapi.json

clean: ## Remove the virtualenv and the local SQLite database
	rm -rf $(VENV) data $(NODE_PROJECT)/node_modules
