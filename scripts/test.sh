#!/usr/bin/env bash
# The template's whole test suite: lint, bake every combination, run each baked project's
# own lint and tests in a fresh virtual environment (MySQL bakes against TEST_MYSQL_URL).
# TEST_WORKERS=1 runs one test at a time.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --group dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two tests at a time: a baked suite waits on servers and browsers as much as it computes.
# The long bakes are grouped into two queues of about equal length (tests/test_baked_projects.py).
.venv/bin/pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
