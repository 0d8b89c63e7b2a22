#!/usr/bin/env bash
# The template's whole test suite: lint, bake every combination, run each baked project's
# own lint and tests in a fresh virtual environment (MySQL bakes against TEST_MYSQL_URL).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet --group dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pytest "$@"
