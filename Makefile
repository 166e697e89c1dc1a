# pasienis — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers (the machines here have 2 cores).
WORKERS ?= 2

.PHONY: install demo test lint bench serve clean format

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "no Python 3.12+ found"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres,spark]"
	touch $(STAMP)

install: $(STAMP)

# The demo scenario is generated once into data/scenario; loading it again changes nothing.
SCENARIO := data/scenario

demo: install
	$(BIN)/pasienis db upgrade
	$(BIN)/pasienis users bootstrap-admin
	test -f $(SCENARIO)/truth.json || $(BIN)/pasienis scenario generate --seed 7 --scale 1 --out $(SCENARIO)
	$(BIN)/pasienis scenario load $(SCENARIO)
	$(BIN)/pasienis routing build $(SCENARIO)/roads.osm
	$(BIN)/pasienis ingest-docs $(SCENARIO)/reports --no-progress
	$(BIN)/pasienis resolve --kind person --kind company --kind vehicle
	$(BIN)/pasienis risk train --history $(SCENARIO)/declarations_history.csv \
		--mapping src/pasienis/risk/mappings/scenario_history.yml
	$(BIN)/pasienis risk score --model latest
	$(BIN)/pasienis demo setup
	@echo "Open http://$(HOST):$(PORT)/web/analyst/ — the analyst workbench (sign in as analyst);"
	@echo "     http://$(HOST):$(PORT)/ lists every app (dispatcher console, field app...); API docs at /docs"
	$(BIN)/pasienis serve --host $(HOST) --port $(PORT)

# scripts/test-services installs or starts what the suite talks to (PostGIS, Redis, Mosquitto,
# Chromium, Tesseract, Java, wrk), or names the one missing thing and how to install it.
test: install
	scripts/test-services
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(WORKERS) -q --durations=30

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/run.py

serve: install
	$(BIN)/pasienis serve --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) data .pytest_cache
