# Developer commands. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small

.PHONY: run install install-test test test-sqlite test-postgres lint bench clean-data help messages

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

run: install  ## Install, migrate the SQLite database, load demo data and serve on http://127.0.0.1:8000
	$(BIN)/channelbase db upgrade
	$(BIN)/channelbase demo --scale $(SCALE) --if-empty
	$(BIN)/channelbase serve --host $(HOST) --port $(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed  ## Install the app into .venv

install-test: $(VENV)/.installed-test  ## Install the app and its test tools into .venv

test: install-test  ## Run every test: SQLite, PostgreSQL and the browser journeys in Chromium
	scripts/test.sh

bench: install  ## Benchmark list pages and API at large scale (see docs/benchmarks.md)
	$(BIN)/python bench/run.py --scale large

clean-data:  ## Delete the local SQLite database and secret key
	rm -rf data

messages: install  ## Update the translation catalogues (channelbase/locale) from the marked sentences
	$(BIN)/python -m channelbase.core.i18n_catalogues
