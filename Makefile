# Newsroom: `make run` starts the app, `make test` runs every test. See README.md.
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Development settings (DEBUG=true) unless the environment says otherwise; see README.
export DEBUG ?= true

.PHONY: run test setup dev-setup migrate lint format bench-import clean

run: setup migrate ## set up, load the demo data, create the admin, start on 127.0.0.1:8000
	@$(PY) manage.py load_demo
	@$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/
	@echo "Starting Newsroom on http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	  TASKS_BACKEND=django_tasks_db.DatabaseBackend $(PY) manage.py db_worker --queue-name '*' & \
	  TASKS_BACKEND=django_tasks_db.DatabaseBackend $(PY) manage.py runserver $(HOST):$(PORT)

test: dev-setup ## install the dev dependencies and run the whole test suite
	@scripts/ensure-chromium
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.runtime-installed
dev-setup: $(VENV)/.dev-installed

migrate: setup
	@$(PY) manage.py migrate --noinput -v0

$(VENV)/bin/python:
	@PY=$$(scripts/find-python) && echo "Creating $(VENV) with $$PY" && "$$PY" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade "pip>=25.1"

$(VENV)/.runtime-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e . --group dev
	@touch $@ $(VENV)/.runtime-installed

lint: dev-setup ## ruff, and import-linter's layer contracts (pyproject.toml, docs/architecture.md)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: dev-setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench-import: setup ## articles/s and peak memory of import_articles (see bench/)
	$(PY) bench/import_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
