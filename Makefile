# Safeguarding Self-Assessment Workbook — developer entry points (GNU make).
#   make serve   create .venv if needed, create the demo store if none, print links, start Voila
#   make test    the full tier: create .venv if needed, install Chromium/PostgreSQL (root), run
#                pytest (tests, browser journeys, PostgreSQL, doctests); <= 15 minutes
#   make test-fast  the inner-loop tier: no browser, no PostgreSQL, nothing marked slow; <= 3 min
#   make hub     the multi-user stack on 127.0.0.1:8000: PostgreSQL, JupyterHub, its proxy
#   make bench   run every benchmark in bench/ and print one table (not a test)
#   make lint    ruff check + ruff format --check + mypy (strict on workbook/) + lint-imports
#   make clean   remove .venv and build/test caches (never the store in data/)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := .venv
VENV_BIN    := $(VENV)/bin
STAMP       := $(VENV)/.installed
# Prefer python3.11; any python3 that is 3.11+ will do.
PYTHON      ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
PORT        ?= 8866
PYTEST_ARGS ?=

.PHONY: help venv serve test test-fast bench lint format clean hub hub-proxy lock

help:
	@echo "make serve   start the workbook on http://127.0.0.1:$(PORT) (creates .venv and demo data)"
	@echo "make test       the full tier: every test, browser and PostgreSQL included (<= 15 min)"
	@echo "make test-fast  the inner-loop tier: no browser, no PostgreSQL, nothing slow (<= 3 min)"
	@echo "make hub     try the multi-user stack (JupyterHub + PostgreSQL) on http://127.0.0.1:$(HUB_PORT)"
	@echo "make bench   run the benchmarks in bench/ and print their figures"
	@echo "make lint    ruff check and format check, mypy, lint-imports (the layers contract)"
	@echo "make clean   remove .venv and caches (keeps data/)"

venv: $(STAMP)

# Re-runs are instant until the pins change. The editable install maps each top-level
# package when it is made, so a new package (a new */__init__.py) also reinstalls.
$(STAMP): pyproject.toml requirements.lock $(wildcard */__init__.py)
	@if [[ -z "$(PYTHON)" ]]; then \
	    echo "error: neither python3.11 nor python3 is on PATH; install Python 3.11 or newer" >&2; \
	    exit 1; \
	fi
	@if ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	    echo "error: $(PYTHON) is Python $$("$(PYTHON)" -c 'import platform; print(platform.python_version())'); this project needs Python 3.11 or newer" >&2; \
	    echo "       (install python3.11, or run: make PYTHON=/path/to/python3.11 ...)" >&2; \
	    exit 1; \
	fi
	@"$(PYTHON)" -m venv $(VENV) || { \
	    echo "error: '$(PYTHON) -m venv' failed; on Debian install the python3-venv package" >&2; \
	    exit 1; }
	$(VENV_BIN)/python -m pip install --upgrade pip
	$(VENV_BIN)/python -m pip install --require-hashes -r requirements.lock
	$(VENV_BIN)/python -m pip install --no-deps -e '.[test,hub,pdf,analysis]'
	@touch $(STAMP)

# `workbook serve` prints personal links (an administrator's, and with --demo a chair's
# and an agency member's) and starts Voila on 127.0.0.1; pages refuse visitors without one.
serve: venv
	exec $(VENV_BIN)/workbook serve --demo --port=$(PORT)

# The whole suite on two workers, one per core (pytest-xdist): each worker starts its own
# PostgreSQL cluster; tests/conftest.py keeps the tests that start servers on one worker,
# one after another, while the other worker takes the rest.
test: venv
	bash scripts/install-test-deps.sh
	$(MAKE) --no-print-directory hub-proxy
	$(VENV_BIN)/pytest -n 2 $(PYTEST_ARGS)

# The inner loop: what needs neither a browser nor PostgreSQL nor a notebook run, so it
# installs no system packages. The tiers are the markers of pyproject.toml.
FAST_TIER := not slow and not browser and not postgres
# Two workers (pytest-xdist), one per core: the tier is CPU-bound and its tests share
# nothing but files made once per worker.
test-fast: venv
	$(VENV_BIN)/pytest -n 2 -m "$(FAST_TIER)" $(PYTEST_ARGS)

# JupyterHub's proxy, configurable-http-proxy from npm, pinned by deploy/package-lock.json
# and installed into deploy/node_modules (git-ignored); again whenever the pins change.
HUB_PROXY := deploy/node_modules/.bin/configurable-http-proxy
HUB_PORT  ?= 8000
$(HUB_PROXY): deploy/package.json deploy/package-lock.json
	cd deploy && npm ci --no-audit --no-fund
	@touch $(HUB_PROXY)

hub-proxy: $(HUB_PROXY)

# The whole multi-user stack on this machine for trying it (deploy/README.md): a throwaway
# PostgreSQL cluster with the demo partnership (or the store in WORKBOOK_DB), JupyterHub
# with a local test sign-in for two agency members and the chair (passwords printed),
# each user's server serving the Voila pages. Ctrl-C stops it all.
hub: venv
	@command -v npm >/dev/null || { \
	    echo "error: npm is missing; install the Debian packages: postgresql npm" >&2; exit 1; }
	$(MAKE) --no-print-directory hub-proxy
	exec $(VENV_BIN)/python deploy/hub.py --port=$(HUB_PORT)

# `python -m bench` (bench/__main__.py) runs each bench/NAME.py as `python -m bench.NAME`
# from the project root, then prints every figure in one table and writes
# bench/results.json; BENCH_ARGS='--quick' or '--only form,scale' (bench/README.md).
# The browser benchmarks need Debian's chromium, as the tests do; the hub's, its proxy.
BENCH_ARGS ?=
bench: venv
	bash scripts/install-test-deps.sh
	$(MAKE) --no-print-directory hub-proxy
	$(VENV_BIN)/python -m bench $(BENCH_ARGS)

lint: venv
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/mypy workbook widgets
	$(VENV_BIN)/lint-imports --no-cache --no-logo

format: venv
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +

# requirements.lock (issue #18): every package with its hashes, what `make venv` installs.
# After changing a pin in pyproject.toml: the versions installed now hold the rest still.
UV_VERSION := 0.13.9
# The user servers' image (deploy/z2jh/Dockerfile) installs the runtime and the hub extra
# only, at the same versions: the subset of requirements.lock they need.
IMAGE_LOCK := deploy/z2jh/requirements.lock
lock: venv
	$(VENV_BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(VENV_BIN)/python -m pip freeze --exclude-editable | grep -v '^uv==' > $(VENV)/constraints.txt
	{ head -4 requirements.lock; $(VENV_BIN)/python -m uv pip compile pyproject.toml \
	    --extra test --extra hub --extra pdf --extra analysis --generate-hashes --universal \
	    --python-version 3.11.7 --constraint $(VENV)/constraints.txt --no-header --no-annotate; \
	} > requirements.lock.new && mv requirements.lock.new requirements.lock
	{ head -4 $(IMAGE_LOCK); $(VENV_BIN)/python -m uv pip compile pyproject.toml \
	    --extra hub --generate-hashes --universal \
	    --python-version 3.11.7 --constraint $(VENV)/constraints.txt --no-header --no-annotate; \
	} > $(IMAGE_LOCK).new && mv $(IMAGE_LOCK).new $(IMAGE_LOCK)
