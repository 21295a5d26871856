#!/usr/bin/env bash
# `make run`: the background worker (Procrastinate) and the web server, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
"$PY" manage.py procrastinate worker --concurrency 2 >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py runserver --noreload "$1"
