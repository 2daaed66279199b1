# Safeguarding Self-Assessment Workbook — developer entry points (GNU make).
#   make serve   create .venv if needed, create the demo store if none, print links, start Voila
#   make test    create .venv if needed, install Chromium/PostgreSQL (root), run pytest
#   make bench   run every benchmark in bench/ (prints its figures; not a test)
#   make lint    ruff check + ruff format --check + mypy (strict on workbook/)
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
# The Voila template "workbook" (voila.json selects it). Voila looks for templates under
# <prefix>/share/jupyter/voila/templates/, and the editable install does not copy data
# files there (setuptools 84 leaves a wheel's data files out of editable installs), so
# `make venv` copies the directory itself, again whenever a file in it (or in the copy)
# changes. Listing the directories too makes adding or removing a file (which touches
# its directory) count as a change.
TEMPLATE_SRC   := share/jupyter/voila/templates/workbook
TEMPLATE_DST   := $(VENV)/$(TEMPLATE_SRC)
TEMPLATE_FILES := $(shell find $(TEMPLATE_SRC) $(TEMPLATE_DST) 2>/dev/null)
TEMPLATE_STAMP := $(VENV)/.template-installed

.PHONY: help venv serve test bench lint format clean

help:
	@echo "make serve   start the workbook on http://127.0.0.1:$(PORT) (creates .venv and demo data)"
	@echo "make test    run the full test suite (PYTEST_ARGS='-m \"not slow\"' for the fast tier)"
	@echo "make bench   run the benchmarks in bench/ and print their figures"
	@echo "make lint    ruff check and format check"
	@echo "make clean   remove .venv and caches (keeps data/)"

venv: $(STAMP) $(TEMPLATE_STAMP)

# Re-runs are instant until the pins change. The editable install maps each top-level
# package when it is made, so a new package (a new */__init__.py) also reinstalls.
$(STAMP): pyproject.toml $(wildcard */__init__.py)
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
	$(VENV_BIN)/python -m pip install -e '.[test]'
	@touch $(STAMP)

# A plain copy (not a symlink): a non-editable `pip install .` into the venv writes the
# same files as data files and removes them on uninstall, which through a symlink would
# reach the work tree.
$(TEMPLATE_STAMP): $(STAMP) $(TEMPLATE_FILES)
	rm -rf $(TEMPLATE_DST)
	mkdir -p $(dir $(TEMPLATE_DST))
	cp -R $(TEMPLATE_SRC) $(TEMPLATE_DST)
	@touch $(TEMPLATE_STAMP)

# `workbook serve` prints personal links (an administrator's, and with --demo a chair's
# and an agency member's) and starts Voila on 127.0.0.1; pages refuse visitors without one.
serve: venv
	exec $(VENV_BIN)/workbook serve --demo --port=$(PORT)

test: venv
	bash scripts/install-test-deps.sh
	$(VENV_BIN)/pytest $(PYTEST_ARGS)

# Each bench/NAME.py (bench/common.py is their shared helper) runs as `python -m bench.NAME`
# from the project root; the browser benchmarks need Debian's chromium, as the tests do.
bench: venv
	bash scripts/install-test-deps.sh
	@for file in bench/*.py; do \
	    name=$$(basename "$$file" .py); \
	    [[ $$name == common || $$name == __init__ ]] && continue; \
	    echo "== bench/$$name.py"; \
	    $(VENV_BIN)/python -m bench.$$name; \
	done

lint: venv
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/mypy workbook widgets

format: venv
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
