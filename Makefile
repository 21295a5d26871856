# Thesaban: `make run` to serve the platform with its demo, `make test` to run every check.
# Both prepare the machine first (Debian packages, .venv, PostGIS database) and are safe to re-run.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint audit check-run bench-seed

setup:
	@scripts/bootstrap.sh
	@$(PY) manage.py compilemessages --ignore=.venv -v0
	@$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py migrate --noinput -v0

run: setup
	@$(PY) manage.py seed_demo
	@scripts/banner.sh "http://$(HOST):$(PORT)/"
	@scripts/serve.sh $(HOST):$(PORT)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Known vulnerabilities in requirements.txt (pip-audit with PyPI's vulnerability service, not OSV).
audit:
	$(PY) scripts/audit_requirements.py requirements.txt

test: setup lint audit
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# The README's promise: `make run` brings up the platform with both demo municipalities.
check-run: setup
	@scripts/check_run.sh

bench-seed: setup
	$(PY) manage.py seed_demo --parcels 1000000 -v 2
