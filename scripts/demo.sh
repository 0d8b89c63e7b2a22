#!/usr/bin/env bash
# Bake the default dashboard (SQLite, demo data) into build/ and start it on localhost:8501
# (PORT=8601 ./scripts/demo.sh for another port); arguments go to cookiecutter
# (./scripts/demo.sh language=es).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet cookiecutter
.venv/bin/cookiecutter --no-input --overwrite-if-exists --output-dir build . "$@"

project=$(ls -td build/*/ | head -n 1)
cd "$project"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/streamlit run streamlit_app.py --server.port "${PORT:-8501}"
